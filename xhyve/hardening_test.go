package xhyve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/machine/libmachine/state"
	"golang.org/x/sys/unix"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
)

// twin is a second driver for m's machine, as a second docker-machine
// command (another plugin process) would load it from config.json.
func (m *machine) twin() *Driver {
	m.t.Helper()
	raw, err := json.Marshal(m.d)
	if err != nil {
		m.t.Fatal(err)
	}
	d := NewDriver(m.d.MachineName, m.d.StorePath)
	if err := json.Unmarshal(raw, d); err != nil {
		m.t.Fatal(err)
	}
	d.env = m.d.env
	return d
}

// hypervisors lists the live processes that run m's disk.
func (m *machine) hypervisors() []string {
	m.t.Helper()
	out, err := exec.Command("pgrep", "-f", m.d.path(diskFile)).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 {
		return nil // none
	}
	if err != nil {
		m.t.Fatalf("pgrep: %v", err)
	}
	return strings.Fields(string(out))
}

// TestConcurrentStartsBootOnce: two `docker-machine start` at once must end
// with one hypervisor on the disk, visible to status, kill and rm.
func TestConcurrentStartsBootOnce(t *testing.T) {
	// Setup before the pidfile, as vmnet's takes a moment on a Mac.
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve", PowerOffMS: 50, SetupMS: 300}, nil)
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	if err := m.d.Stop(); err != nil {
		t.Fatal(err)
	}
	boots := fakehv.Boots(m.hv)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		d := m.twin()
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.Start()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("start %d: %v", i, err)
		}
	}
	if n := fakehv.Boots(m.hv) - boots; n != 1 {
		t.Errorf("%d hypervisors booted for 3 concurrent starts, want 1", n)
	}
	m.assertState(state.Running)
	if hv := m.hypervisors(); len(hv) != 1 {
		t.Errorf("hypervisors on the disk: %v", hv)
	}
	if err := m.twin().Kill(); err != nil {
		t.Fatal(err)
	}
	m.assertState(state.Stopped)
	if hv := m.hypervisors(); len(hv) != 0 {
		t.Errorf("hypervisors left after kill: %v", hv)
	}
}

// TestBusyMachineNamesTheHolder: a state change waits a bounded time for
// the machine's lock and then names who holds it; reads never wait.
func TestBusyMachineNamesTheHolder(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve"}, nil)
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	unlock, err := m.d.lock(opStart)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	other := m.twin()
	other.env.lockTimeout = 300 * time.Millisecond
	start := time.Now()
	if s, err := other.GetState(); err != nil || s != state.Running {
		t.Errorf("GetState while locked: %s, %v", s, err)
	}
	if _, err := other.GetURL(); err != nil {
		t.Errorf("GetURL while locked: %v", err)
	}
	if waited := time.Since(start); waited > 250*time.Millisecond {
		t.Errorf("reads waited %s for the lock", waited)
	}
	for name, op := range map[string]func() error{"stop": other.Stop, "kill": other.Kill, "start": other.Start, "restart": other.Restart} {
		err := op()
		want := fmt.Sprintf("pid %d is running start", os.Getpid())
		if err == nil || !strings.Contains(err.Error(), "busy") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s while another start holds the machine: %v, want busy and %q", name, err, want)
		}
	}
	m.assertState(state.Running)
}

// TestStartFromACallerWithAnExtraPipe: a caller that waits for EOF on a pipe
// it passed down (bats, CI log capture) must get it when the command ends,
// not when the VM stops.
func TestStartFromACallerWithAnExtraPipe(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve"}, nil)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := unix.FcntlInt(w.Fd(), unix.F_SETFD, 0); err != nil { // inherited: not close-on-exec
		t.Fatal(err)
	}
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	r.SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, err := r.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("the caller's pipe: %d bytes, %v; want EOF while the VM runs", n, err)
	}
	m.assertState(state.Running)
}

// TestDamagedStateFiles: truncated vm.json or supervisor.json (a crash
// mid-write, a user's edit) never hide the running VM from stop, kill and
// rm; status says what is wrong and how to recover.
func TestDamagedStateFiles(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "hyperkit", PowerOffMS: 50}, nil)
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(m.d.path(specFile), []byte(`{"hypervisor": "/usr/lo`), 0o600); err != nil {
		t.Fatal(err)
	}
	m.assertState(state.Running)
	if err := m.d.Stop(); err != nil {
		t.Fatalf("Stop with a damaged %s: %v", specFile, err)
	}
	m.assertState(state.Stopped)
	if err := m.d.Start(); err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(m.d.path(statusFile), []byte(`{"pid": 4`), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := m.d.GetState()
	if s != state.Error || err == nil || !strings.Contains(err.Error(), statusFile) || !strings.Contains(err.Error(), "docker-machine kill dev") {
		t.Errorf("GetState with a damaged %s: %s, %v; want Error naming the file and the fix", statusFile, s, err)
	}
	if err := m.d.Kill(); err != nil {
		t.Fatalf("Kill with a damaged %s: %v", statusFile, err)
	}
	if hv := m.hypervisors(); len(hv) != 0 {
		t.Errorf("hypervisors left after kill: %v", hv)
	}
	m.assertState(state.Stopped)
	if err := m.d.Start(); err != nil {
		t.Fatal(err)
	}
	m.assertState(state.Running)

	if err := os.WriteFile(m.d.path(statusFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := m.d.Remove(); err != nil {
		t.Fatalf("Remove with an empty %s: %v", statusFile, err)
	}
	if hv := m.hypervisors(); len(hv) != 0 {
		t.Errorf("rm left hypervisors behind: %v", hv)
	}
}

// TestLeaseFileDamageIsRetried: bootpd replaces the lease file by rename; a
// damaged read while waiting for the VM's address is retried until the
// deadline instead of failing the start.
func TestLeaseFileDamageIsRetried(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve"}, nil)
	m.b.LeaseAfterMS = 400
	fakehv.SetBehavior(t, m.hv, m.b)
	if err := os.WriteFile(m.d.env.leasesPath, []byte("{\n\tip_address=192.168.64.300\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		os.WriteFile(m.d.env.leasesPath, nil, 0o644)
	}()
	if err := m.d.Create(); err != nil {
		t.Fatalf("Create with a lease file damaged for a while: %v", err)
	}
	m.assertState(state.Running)
}

// TestRemoveKeepsTheLeaseWhileExportsRemain: if the exports cannot be
// removed, the lease must stay taken, or the next VM given this address
// would be given this machine's shares.
func TestRemoveKeepsTheLeaseWhileExportsRemain(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve"}, nil)
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	m.d.NFSShares, m.d.NFSServer = []string{t.TempDir()}, nfsMacOS
	good := m.d.env.exportsPath
	m.d.env.exportsPath = t.TempDir() // a directory: reading it as the exports file fails
	if err := m.d.Remove(); err == nil || !strings.Contains(err.Error(), "exports") {
		t.Fatalf("Remove with unreadable exports: %v", err)
	}
	if n := len(m.leases()); n != 1 {
		t.Errorf("%d leases left after a failed Remove, want the VM's one", n)
	}
	m.d.env.exportsPath = good
	if err := m.d.Remove(); err != nil {
		t.Fatal(err)
	}
	if n := len(m.leases()); n != 0 {
		t.Errorf("%d leases left after Remove", n)
	}
}

// TestISOPathsWithURLCharacters: %, # and ? are ordinary in file names;
// they must reach the machine as the file the user named.
func TestISOPathsWithURLCharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "100% #1 ?yes")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	iso := filepath.Join(dir, "b2d%41.iso")
	if err := os.WriteFile(iso, mustRead(t, testISO(t, "kernel-odd-path")), 0o644); err != nil {
		t.Fatal(err)
	}
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve"}, map[string]interface{}{flagBoot2DockerURL: iso})
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	if got := string(mustRead(t, m.d.path(kernelFile))); got != "kernel-odd-path" {
		t.Errorf("booted kernel %q, want the one from %s", got, iso)
	}
}

// TestDamagedISOFailsClearly: a damaged ISO (plain http, upgrade) fails the
// create at once with what is wrong and the flag that fixes it, never with a
// panic or a hang.
func TestDamagedISOFailsClearly(t *testing.T) {
	iso := filepath.Join(t.TempDir(), "damaged.iso")
	good := mustRead(t, testISO(t, "kernel"))
	if err := os.WriteFile(iso, good[:len(good)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve"}, map[string]interface{}{flagBoot2DockerURL: iso})
	start := time.Now()
	err := m.d.Create()
	if err == nil || !strings.Contains(err.Error(), "is damaged") || !strings.Contains(err.Error(), "--xhyve-boot2docker-url") {
		t.Errorf("Create from a truncated ISO: %v, want it called damaged with the flag to fix it", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s to refuse a damaged ISO", took)
	}
	if _, err := os.Stat(m.d.path(diskFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a disk was created for a damaged ISO: %v", err)
	}
}
