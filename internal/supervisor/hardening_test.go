package supervisor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
	"github.com/zchee/docker-machine-driver-xhyve/internal/logfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/proc"
)

// waitExit waits up to 10 s for pid to be gone.
func waitExit(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := proc.Get(pid); errors.Is(err, proc.ErrNotRunning) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d still running", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSecondSupervisorLeavesTheFirstAlone: a second supervisor for a machine
// that runs (two `docker-machine start` at once) must neither boot a second
// hypervisor on the same disk nor touch the first one's pidfile and status.
func TestSecondSupervisorLeavesTheFirstAlone(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve"})
	first := v.launch()
	view := v.waitFor("running", v.running)
	pidfile, err := os.ReadFile(v.spec.PIDFile)
	if err != nil {
		t.Fatal(err)
	}
	second := v.launch()
	waitExit(t, second)
	after := v.view()
	if after.SupervisorPID != first || after.HypervisorPID != view.HypervisorPID {
		t.Errorf("after a second supervisor: %+v, want supervisor %d and hypervisor %d", after, first, view.HypervisorPID)
	}
	if after.Status.Done || after.Status.Boots != 1 || after.Status.Last != nil {
		t.Errorf("the first supervisor's status was changed: %+v", after.Status)
	}
	if got, _ := os.ReadFile(v.spec.PIDFile); !bytes.Equal(got, pidfile) {
		t.Errorf("pidfile %q, was %q", got, pidfile)
	}
	if n := fakehv.Boots(v.hv); n != 1 {
		t.Errorf("%d VMs booted on one disk", n)
	}
	if log, _ := os.ReadFile(v.spec.SupervisorLog); !bytes.Contains(log, []byte("already running")) {
		t.Errorf("supervisor log does not say why the second one quit:\n%s", log)
	}
}

func TestRemovePIDFileOfOnlyItsOwn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hypervisor.pid")
	os.WriteFile(path, []byte("4242\n"), 0o644)
	if err := removePIDFileOf(path, 4343); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("another hypervisor's pidfile was removed: %v", err)
	}
	if err := removePIDFileOf(path, 4242); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("own pidfile left: %v", err)
	}
}

// TestNoInheritedDescriptors: a caller that waits for EOF on a pipe it gave
// docker-machine (bats, CI log capture, $(...)) must get it when the
// command ends, not when the VM stops.
func TestNoInheritedDescriptors(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve"})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// As inherited from a parent: not close-on-exec.
	if _, err := unix.FcntlInt(w.Fd(), unix.F_SETFD, 0); err != nil {
		t.Fatal(err)
	}
	v.launch()
	v.waitFor("running", v.running)
	w.Close()
	r.SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, err := r.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("read of the caller's pipe: %d bytes, %v; want EOF: the VM's processes hold the pipe", n, err)
	}
}

// TestOldSpecWithTTYStillRuns: a spec written by an older driver names the
// autopty link ("tty") and has the old console option; the field is ignored
// and the machine boots with its console captured.
func TestOldSpecWithTTYStillRuns(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "hyperkit", Console: "console of an old machine\r\n"})
	data, err := os.ReadFile(v.specAt)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	raw["tty"] = filepath.Join(v.dir, "tty")
	if data, err = json.Marshal(raw); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(v.specAt, data, 0o600); err != nil {
		t.Fatal(err)
	}
	v.launch()
	v.waitFor("running", v.running)
	waitConsole(t, v, "console of an old machine")
}

func waitConsole(t *testing.T, v *vm, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logfile.Tail(v.spec.ConsoleLog, 1<<20), want) {
		if time.Now().After(deadline) {
			t.Fatalf("console log lacks %q:\n%s", want, logfile.Tail(v.spec.ConsoleLog, 4096))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLogsStayCapped: console and hypervisor output beyond the limit is
// rotated into NAME.1; neither file exceeds the limit.
func TestLogsStayCapped(t *testing.T) {
	const limit = 64 << 10
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve", FloodBytes: 6 * limit})
	v.spec.LogLimit = limit
	if err := writeJSON(v.specAt, v.spec); err != nil {
		t.Fatal(err)
	}
	v.launch()
	v.waitFor("running", v.running)
	for _, log := range []string{v.spec.ConsoleLog, v.spec.HypervisorLog} {
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(logfile.Tail(log, 4096), "flood done") {
			if time.Now().After(deadline) {
				t.Fatalf("%s: flood not logged:\n%s", log, logfile.Tail(log, 1024))
			}
			time.Sleep(50 * time.Millisecond)
		}
		for _, p := range []string{log, log + ".1"} {
			info, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if info.Size() > limit {
				t.Errorf("%s is %d bytes, over the %d limit", p, info.Size(), limit)
			}
		}
		if _, err := os.Stat(log + ".2"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("more than one old file kept: %v", err)
		}
	}
}

// TestDamagedStatusStillFindsTheVM: a truncated supervisor.json must not
// hide a running VM from stop, kill and rm.
func TestDamagedStatusStillFindsTheVM(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "hyperkit"})
	sup := v.launch()
	view := v.waitFor("running", v.running)
	if err := os.WriteFile(v.spec.Status, []byte(`{"pid": 12`), 0o600); err != nil {
		t.Fatal(err)
	}
	got := v.view()
	if got.StatusErr == nil || !strings.Contains(got.StatusErr.Error(), v.spec.Status) {
		t.Errorf("StatusErr %v, want one naming %s", got.StatusErr, v.spec.Status)
	}
	if got.HypervisorPID != view.HypervisorPID || got.SupervisorPID != sup {
		t.Errorf("with a damaged status: hypervisor %d supervisor %d, want %d and %d", got.HypervisorPID, got.SupervisorPID, view.HypervisorPID, sup)
	}
}

func FuzzParsePID(f *testing.F) {
	for _, s := range []string{"1234\n", "1", "0", "-5", " 42 ", "4242\nextra", "99999999999999999999", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pid, err := ParsePID(strings.NewReader(s))
		if err != nil {
			return
		}
		if pid <= 0 || !strings.Contains(s, fmt.Sprint(pid)) {
			t.Errorf("ParsePID(%q) = %d", s, pid)
		}
	})
}
