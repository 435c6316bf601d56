package supervisor

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/willscott/go-nfs-client/nfs/util"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
	"github.com/zchee/docker-machine-driver-xhyve/internal/proc"
	"github.com/zchee/docker-machine-driver-xhyve/internal/wait"
)

// TestMain lets the test binary act as the plugin binary's supervise
// subcommand, which Launch runs.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		if run, ok := Subcommands()[os.Args[1]]; ok {
			os.Exit(run(os.Args[2:]))
		}
	}
	util.DefaultLogger = quietNFSClient{}
	os.Exit(m.Run())
}

type vm struct {
	t      *testing.T
	dir    string
	hv     string
	spec   supervisorctl.Spec
	specAt string
	layout supervisorctl.Layout
}

func newVM(t *testing.T, b fakehv.Behavior) *vm {
	t.Helper()
	dir := t.TempDir()
	name := "xhyve"
	if b.Dialect == "hyperkit" {
		name = "hyperkit"
	}
	hv := fakehv.Install(t, dir, name, b)
	kernel := filepath.Join(dir, "vmlinuz")
	if err := os.WriteFile(kernel, []byte("k"), 0o644); err != nil {
		t.Fatal(err)
	}
	layout := supervisorctl.Layout{Dir: dir}
	spec := supervisorctl.Spec{
		Hypervisor: hv,
		Dialect:    hypervisor.Dialect(b.Dialect),
		Supervisor: testExecutable(t),
	}
	spec.Args = []string{"-A", "-U", "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef", "-s", "31,lpc", "-l", "com1,stdio", "-F", layout.PIDFile(), "-f", "kexec," + kernel + ",,console=ttyS0"}
	v := &vm{t: t, dir: dir, hv: hv, spec: spec, specAt: layout.Spec(), layout: layout}
	if err := supervisorctl.WriteSpec(v.specAt, spec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		view := supervisorctl.Inspect(v.layout, v.spec.Binaries())
		supervisorctl.Signal(view.HypervisorPID, syscall.SIGKILL)
		supervisorctl.Signal(view.SupervisorPID, syscall.SIGKILL)
	})
	return v
}

func testExecutable(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

func (v *vm) launch() int {
	v.t.Helper()
	pid, err := supervisorctl.Launch(v.spec.Supervisor, v.specAt, v.layout.SupervisorLog(), os.Environ())
	if err != nil {
		v.t.Fatal(err)
	}
	return pid
}

func (v *vm) view() supervisorctl.View {
	v.t.Helper()
	return supervisorctl.Inspect(v.layout, v.spec.Binaries())
}

// waitFor polls cond every 20ms for up to 10s.
func (v *vm) waitFor(what string, cond func(supervisorctl.View) bool) supervisorctl.View {
	v.t.Helper()
	var view supervisorctl.View
	err := wait.Until(10*time.Second, 20*time.Millisecond, what, func() (bool, error) {
		view = v.view()
		return cond(view), nil
	})
	if err != nil {
		sup, _ := os.ReadFile(filepath.Join(v.dir, "supervisor.log"))
		hv, _ := os.ReadFile(v.layout.HypervisorLog())
		v.t.Fatalf("%v; view %+v\nsupervisor log: %s\nhypervisor log: %s", err, view, sup, hv)
	}
	return view
}

// running: both processes are known and the hypervisor has written its pid
// (it creates the pidfile first and writes it after, so an empty pidfile
// is not yet a running VM).
func (v *vm) running(view supervisorctl.View) bool {
	pid, err := os.ReadFile(v.layout.PIDFile())
	return err == nil && len(bytes.TrimSpace(pid)) > 0 && view.HypervisorPID != 0 && view.SupervisorPID != 0
}
func gone(v supervisorctl.View) bool { return !v.Alive() && v.Status.Done }

func TestStopByACPI(t *testing.T) {
	for _, dialect := range []string{"xhyve", "hyperkit"} {
		t.Run(dialect, func(t *testing.T) {
			v := newVM(t, fakehv.Behavior{Dialect: dialect, PowerOffMS: 200, Console: "fake guest says hello\r\n"})
			pid := v.launch()
			view := v.waitFor("running", v.running)
			if view.SupervisorPID != pid {
				t.Errorf("supervisor pid %d, launched %d", view.SupervisorPID, pid)
			}
			waitConsole(t, v, "fake guest says hello")
			if err := supervisorctl.Signal(pid, syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			view = v.waitFor("stopped", gone)
			if got := view.Status.Last.Outcome; got != hypervisor.PowerOff {
				sup, _ := os.ReadFile(filepath.Join(v.dir, "supervisor.log"))
				t.Errorf("outcome %s, want poweroff: %v\n%s", got, view.Status.Last, sup)
			}
			if _, err := os.Stat(v.layout.PIDFile()); !os.IsNotExist(err) {
				t.Errorf("pidfile left: %v", err)
			}
		})
	}
}

func TestSIGTERMBeforeACPIKills(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve", ACPIAfterMS: 60_000})
	pid := v.launch()
	v.waitFor("running", v.running)
	supervisorctl.Signal(pid, syscall.SIGTERM)
	view := v.waitFor("stopped", gone)
	if last := view.Status.Last; last.Outcome != hypervisor.Killed || last.Signal != "terminated" {
		t.Errorf("last exit %v, want killed by SIGTERM", last)
	}
	if view.Status.Last.Outcome.Fault() {
		t.Error("a VM stopped before ACPI must count as stopped, not failed")
	}
}

func TestGuestRebootRestarts(t *testing.T) {
	for _, dialect := range []string{"xhyve", "hyperkit"} {
		t.Run(dialect, func(t *testing.T) {
			v := newVM(t, fakehv.Behavior{Dialect: dialect, Resets: 2, RunMS: 200})
			v.launch()
			view := v.waitFor("third boot", func(view supervisorctl.View) bool { return v.running(view) && view.Status.Boots == 3 })
			if view.Status.Last == nil || view.Status.Last.Outcome != hypervisor.Reset {
				t.Errorf("last exit %v, want reset", view.Status.Last)
			}
			time.Sleep(400 * time.Millisecond)
			if view := v.view(); !v.running(view) || view.Status.Boots != 3 {
				t.Errorf("after the resets: %+v", view)
			}
			if got := fakehv.Boots(v.hv); got != 3 {
				t.Errorf("hypervisor created %d VMs, want 3", got)
			}
		})
	}
}

func TestResetStormGivesUp(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve", Resets: 1000, RunMS: 1})
	v.launch()
	view := v.waitFor("gave up", gone)
	if last := view.Status.Last; last.Outcome != hypervisor.Crash || !strings.Contains(last.Detail, "reset 10 times") {
		t.Errorf("last exit %v", last)
	}
	if view.Status.Boots != maxResets {
		t.Errorf("%d boots, want %d", view.Status.Boots, maxResets)
	}
}

func TestCrash(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "hyperkit", Then: "crash", RunMS: 100})
	v.launch()
	view := v.waitFor("crashed", gone)
	if last := view.Status.Last; last.Outcome != hypervisor.Crash || last.Code != 3 || !last.Outcome.Fault() {
		t.Errorf("last exit %v", last)
	}
}

func TestGuestPowerOffStops(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve", Then: "poweroff", RunMS: 100})
	v.launch()
	view := v.waitFor("stopped", gone)
	if last := view.Status.Last; last.Outcome != hypervisor.PowerOff || last.Code != 1 || last.ConsoleBytes == 0 {
		t.Errorf("xhyve exit 1 after the guest wrote to its console must be poweroff, got %v (%d console bytes)", last, last.ConsoleBytes)
	}
}

func TestFailedStart(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve", FailStart: "vmnet_start_interface failed: permission denied"})
	v.launch()
	view := v.waitFor("failed", gone)
	last := view.Status.Last
	if last.Outcome != hypervisor.Failed || !strings.Contains(last.Detail, "permission denied") {
		t.Errorf("last exit %v, want failed with the vmnet message", last)
	}
}

func TestKilledHypervisor(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve"})
	v.launch()
	view := v.waitFor("running", v.running)
	supervisorctl.Signal(view.HypervisorPID, syscall.SIGKILL)
	view = v.waitFor("stopped", gone)
	if last := view.Status.Last; last.Outcome != hypervisor.Killed || last.Signal != "killed" {
		t.Errorf("last exit %v", last)
	}
	if _, err := os.Stat(v.layout.PIDFile()); !os.IsNotExist(err) {
		t.Errorf("stale pidfile of the killed hypervisor left: %v", err)
	}
}

func TestStalePIDFile(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve"})
	// A pid that is alive but belongs to another program, as after a reboot
	// of the host reused it.
	other := exec.Command("sleep", "30")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer other.Process.Kill()
	if err := os.WriteFile(v.layout.PIDFile(), []byte(fmt.Sprint(other.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	if view := v.view(); view.Alive() {
		t.Fatalf("foreign pid counted as the VM: %+v", view)
	}
	v.launch()
	view := v.waitFor("running", v.running)
	if view.HypervisorPID == other.Process.Pid {
		t.Error("reused pid mistaken for the hypervisor")
	}
}

func TestOrphanedHypervisorStillRunning(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve"})
	v.launch()
	view := v.waitFor("running", v.running)
	supervisorctl.Signal(view.SupervisorPID, syscall.SIGKILL)
	view = v.waitFor("supervisor gone", func(view supervisorctl.View) bool { return view.SupervisorPID == 0 })
	if view.HypervisorPID == 0 {
		t.Error("a hypervisor that outlived its supervisor must still count as running")
	}
}

// TestHypervisorThroughSymlink: Homebrew and Docker Desktop install hyperkit
// as a symlink; the kernel names the process after the link.
func TestHypervisorThroughSymlink(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "hyperkit"})
	link := filepath.Join(v.dir, "com.docker.hyperkit")
	if err := os.Symlink(v.hv, link); err != nil {
		t.Fatal(err)
	}
	// The fake reads its behaviour next to the resolved binary, as before.
	v.spec.Hypervisor = link
	if err := supervisorctl.WriteSpec(v.specAt, v.spec); err != nil {
		t.Fatal(err)
	}
	v.launch()
	v.waitFor("running through the symlink", v.running)
}

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
	pidfile, err := os.ReadFile(v.layout.PIDFile())
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
	if got, _ := os.ReadFile(v.layout.PIDFile()); !bytes.Equal(got, pidfile) {
		t.Errorf("pidfile %q, was %q", got, pidfile)
	}
	if n := fakehv.Boots(v.hv); n != 1 {
		t.Errorf("%d VMs booted on one disk", n)
	}
	if log, _ := os.ReadFile(v.layout.SupervisorLog()); !bytes.Contains(log, []byte("already running")) {
		t.Errorf("supervisor log does not say why the second one quit:\n%s", log)
	}
}
