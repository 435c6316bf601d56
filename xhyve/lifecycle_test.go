package xhyve

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/machine/libmachine/state"

	"github.com/zchee/docker-machine-driver-xhyve/internal/dhcp"
	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
)

func (m *machine) assertState(want state.State) {
	m.t.Helper()
	got, err := m.d.GetState()
	if err != nil || got != want {
		m.t.Fatalf("state %s (err %v), want %s", got, err, want)
	}
}

func (m *machine) leases() []dhcp.Lease {
	m.t.Helper()
	f, err := os.Open(m.d.env.leasesPath)
	if err != nil {
		m.t.Fatal(err)
	}
	defer f.Close()
	l, err := dhcp.Parse(f)
	if err != nil {
		m.t.Fatal(err)
	}
	return l
}

func TestLifecycle(t *testing.T) {
	for _, dialect := range []string{"xhyve", "hyperkit"} {
		t.Run(dialect, func(t *testing.T) {
			m := newMachine(t, fakehv.Behavior{Dialect: dialect, PowerOffMS: 100}, nil)
			d := m.d
			if string(d.HypervisorDialect) != dialect {
				t.Fatalf("dialect %q, want %q", d.HypervisorDialect, dialect)
			}
			if err := d.Create(); err != nil {
				t.Fatal(err)
			}
			m.assertState(state.Running)
			if d.MACAddress == "" {
				t.Error("MAC not learned with -M")
			}
			if ip, err := d.GetIP(); err != nil || ip != "127.0.0.1" {
				t.Errorf("GetIP = %q, %v", ip, err)
			}
			if u, err := d.GetURL(); err != nil || u != "tcp://127.0.0.1:2376" {
				t.Errorf("GetURL = %q, %v", u, err)
			}
			for path, want := range map[string]os.FileMode{d.path(""): 0o700, d.GetSSHKeyPath(): 0o600, d.path(diskFile): 0o600} {
				if info, err := os.Stat(path); err != nil || info.Mode().Perm() != want {
					t.Errorf("%s: mode %v (err %v), want %v", path, info.Mode().Perm(), err, want)
				}
			}

			if err := d.Stop(); err != nil {
				t.Fatal(err)
			}
			m.assertState(state.Stopped)
			if d.IPAddress != "" {
				t.Errorf("cached IP %q kept after Stop", d.IPAddress)
			}
			if _, err := d.GetURL(); err == nil {
				t.Error("GetURL succeeded on a stopped VM; docker-machine ls would call it Running")
			}

			if err := d.Start(); err != nil {
				t.Fatal(err)
			}
			m.assertState(state.Running)
			if err := d.Restart(); err != nil {
				t.Fatal(err)
			}
			m.assertState(state.Running)
			if got := fakehv.Boots(m.hv); got != 3 {
				t.Errorf("%d boots after create, start and restart, want 3", got)
			}

			if err := d.Kill(); err != nil {
				t.Fatal(err)
			}
			m.assertState(state.Stopped)
			if err := d.Start(); err != nil {
				t.Fatal(err)
			}
			if err := d.Remove(); err != nil {
				t.Fatal(err)
			}
			m.assertState(state.Stopped)
			if len(m.leases()) != 0 {
				t.Errorf("leases left after Remove: %+v", m.leases())
			}
			if err := d.Remove(); err != nil {
				t.Errorf("second Remove: %v", err)
			}
		})
	}
}

func TestStopDeadlineKills(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve", IgnoreTERM: true}, nil)
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := m.d.Stop(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < m.d.env.stopTimeout {
		t.Errorf("Stop returned after %s, before its %s deadline, with a guest ignoring ACPI", took, m.d.env.stopTimeout)
	}
	m.assertState(state.Stopped)
}

func TestGuestRebootComesBack(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "hyperkit", Resets: 1, RunMS: 500}, nil)
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for fakehv.Boots(m.hv) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the guest reboot did not start the hypervisor again")
		}
		time.Sleep(20 * time.Millisecond)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		if s, _ := m.d.GetState(); s == state.Running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not Running after the guest reboot")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCrashIsError(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve", Then: "crash", RunMS: 1500}, nil)
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, _ := m.d.GetState()
		if s == state.Error {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("state %s after a triple fault, want Error", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := m.d.Start(); err != nil {
		t.Errorf("Start after a crash: %v", err)
	}
}

func TestStartFailsFastWithReason(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve", PowerOffMS: 50}, nil)
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	if err := m.d.Stop(); err != nil {
		t.Fatal(err)
	}
	m.d.env.ipTimeout = time.Minute
	fakehv.SetBehavior(t, m.hv, fakehv.Behavior{Dialect: "xhyve", FailStart: "vmnet_start_interface failed: permission denied"})
	start := time.Now()
	err := m.d.Start()
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("Start err = %v, want the hypervisor's message", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Start took %s to notice the dead VM", took)
	}
	m.assertState(state.Error)
	if err := m.d.Remove(); err != nil {
		t.Errorf("Remove after a failed start: %v", err)
	}
}

func TestKilledHypervisorThenStart(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve"}, nil)
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	view := m.d.inspect()
	supervisorctl.Signal(view.HypervisorPID, syscall.SIGKILL) // kill -9 by the user
	deadline := time.Now().Add(10 * time.Second)
	for s, _ := m.d.GetState(); s != state.Stopped; s, _ = m.d.GetState() {
		if time.Now().After(deadline) {
			t.Fatalf("state %s after kill -9, want Stopped", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A stale pidfile naming a live, unrelated process must not block Start.
	if err := os.WriteFile(m.d.layout().PIDFile(), []byte(fmt.Sprint(os.Getpid())), 0o644); err != nil {
		t.Fatal(err)
	}
	m.assertState(state.Stopped)
	if err := m.d.Start(); err != nil {
		t.Fatal(err)
	}
	m.assertState(state.Running)
}

func TestStartBootsSwappedISO(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve", PowerOffMS: 50}, nil)
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	if err := m.d.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(m.d.path(isoFile), mustRead(t, testISO(t, "kernel-2")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := m.d.Start(); err != nil {
		t.Fatal(err)
	}
	if got := string(mustRead(t, m.d.path(kernelFile))); got != "kernel-2" {
		t.Errorf("started with kernel %q, want the swapped ISO's", got)
	}
}

func TestCorruptSavedConfig(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve"}, nil)
	m.d.MACAddress = "not-a-mac"
	m.d.HypervisorDialect = "qemu"
	err := m.d.Start()
	for _, want := range []string{"config.json", "MACAddress \"not-a-mac\"", "HypervisorDialect \"qemu\"", "recreate"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Start err = %v, want it to mention %q", err, want)
		}
	}
	if _, err := os.Stat(m.d.layout().Spec()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("launched despite a bad config: %v", err)
	}
}

func TestRemoveAfterFailedCreate(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve", FailStart: "vmnet: no rights"}, nil)
	if err := m.d.Create(); err == nil || !strings.Contains(err.Error(), "vmnet: no rights") {
		t.Fatalf("Create err = %v", err)
	}
	if err := m.d.Remove(); err != nil {
		t.Fatal(err)
	}
	m.assertState(state.Stopped)
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
