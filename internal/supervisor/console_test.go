package supervisor

import (
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
	"github.com/zchee/docker-machine-driver-xhyve/internal/logfile"
)

// vmnetRefused is what xhyve prints, on stdout, when vmnet refuses it.
const vmnetRefused = "virtio_net: Could not create vmnet interface, permission denied or no entitlement?"

// TestConsoleIsGuestOnly: the guest's output reaches the console log from
// the supervisor's own pty; the hypervisor's stdout and stderr go to its log.
func TestConsoleIsGuestOnly(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve", Console: "guest line\r\n", FloodBytes: 100})
	v.launch()
	v.waitFor("running", v.running)
	waitConsole(t, v, "flood done")
	console := logfile.Tail(v.layout.ConsoleLog(), 1<<20)
	for _, want := range []string{"=== boot 1: hypervisor pid", "Linux version", "guest line"} {
		if !strings.Contains(console, want) {
			t.Errorf("console log lacks %q:\n%s", want, console)
		}
	}
	if strings.Contains(console, "cannot open console") {
		t.Errorf("console log:\n%s", console)
	}
	if hv := logfile.Tail(v.layout.HypervisorLog(), 1<<20); strings.Contains(hv, "guest line") {
		t.Errorf("the guest's output reached the hypervisor log:\n%s", hv)
	}
}

// TestSetupFailsAfterPIDFile: a refused vmnet exits 1 after the pidfile
// existed (docs/facts.md §3); for xhyve that is also the poweroff status.
// The guest never wrote to the console, so it is a failure, whose reason
// is what the hypervisor printed (xhyve: on stdout).
func TestSetupFailsAfterPIDFile(t *testing.T) {
	for _, dialect := range []string{"xhyve", "hyperkit"} {
		t.Run(dialect, func(t *testing.T) {
			v := newVM(t, fakehv.Behavior{Dialect: dialect, FailSetup: vmnetRefused})
			v.launch()
			view := v.waitFor("failed", gone)
			last := view.Status.Last
			if last == nil || last.Outcome != hypervisor.Failed || last.Code != 1 || !strings.Contains(last.Detail, vmnetRefused) || last.ConsoleBytes != 0 {
				t.Fatalf("last exit %v, want failed with exit status 1 and the vmnet message", last)
			}
			if !strings.Contains(logfile.Tail(v.layout.HypervisorLog(), 4096), vmnetRefused) {
				t.Errorf("hypervisor log lacks the reason:\n%s", logfile.Tail(v.layout.HypervisorLog(), 4096))
			}
			if fakehv.Boots(v.hv) != 0 {
				t.Error("the fake started its vCPUs")
			}
			// The console log closes the boot with how it ended.
			if c := logfile.Tail(v.layout.ConsoleLog(), 4096); !strings.Contains(c, "=== boot 1 ended: failed (exit status 1") {
				t.Errorf("console log does not say how boot 1 ended:\n%s", c)
			}
		})
	}
}

// TestMissingDiskFailsInSetup: a disk that will not open fails device setup
// after the pidfile, with the reason on stderr.
func TestMissingDiskFailsInSetup(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve"})
	v.spec.Args = append(v.spec.Args, "-s", "4:0,virtio-blk,"+filepath.Join(v.dir, "missing.img"))
	if err := supervisorctl.WriteSpec(v.specAt, v.spec); err != nil {
		t.Fatal(err)
	}
	v.launch()
	view := v.waitFor("failed", gone)
	if last := view.Status.Last; last.Outcome != hypervisor.Failed || !strings.Contains(last.Detail, "missing.img") {
		t.Errorf("last exit %v, want failed naming the disk", last)
	}
}

// TestSilentExitOneIsFailure: xhyve's exit 1 after the pidfile with no
// console byte from a guest that has a ttyS0 console is not a poweroff.
func TestSilentExitOneIsFailure(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve", Then: "poweroff", RunMS: 300, QuietGuest: true})
	v.launch()
	view := v.waitFor("stopped", gone)
	if last := view.Status.Last; last.Outcome != hypervisor.Failed || !strings.Contains(last.Detail, "never wrote to its console") {
		t.Errorf("last exit %v, want failed: the guest never ran", last)
	}
}

// TestLastWordsReachTheLog: what the guest writes just before the
// hypervisor exits is in the console log by the time the exit is recorded.
func TestLastWordsReachTheLog(t *testing.T) {
	for _, dialect := range []string{"xhyve", "hyperkit"} {
		t.Run(dialect, func(t *testing.T) {
			v := newVM(t, fakehv.Behavior{Dialect: dialect, Then: "crash", RunMS: 100, LastWords: "Kernel panic - not syncing: fake\r\n"})
			v.launch()
			view := v.waitFor("crashed", gone)
			if last := view.Status.Last; last.Outcome != hypervisor.Crash {
				t.Errorf("last exit %v, want crash", last)
			}
			if console := logfile.Tail(v.layout.ConsoleLog(), 4096); !strings.Contains(console, "Kernel panic - not syncing: fake") {
				t.Errorf("the guest's last line is missing from the console log:\n%s", console)
			}
		})
	}
}

// TestChildHoldingTheConsole: a child of the hypervisor that keeps its
// console and output open must not keep the exit from being recorded.
func TestChildHoldingTheConsole(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "hyperkit", Then: "poweroff", RunMS: 200, Orphan: true})
	t.Cleanup(func() { supervisorctl.Signal(fakehv.Orphan(v.hv), syscall.SIGKILL) })
	v.launch()
	view := v.waitFor("stopped", gone)
	if last := view.Status.Last; last.Outcome != hypervisor.PowerOff {
		t.Errorf("last exit %v, want poweroff", last)
	}
	if fakehv.Orphan(v.hv) == 0 {
		t.Error("the fake started no child")
	}
}

// TestHypervisorGetsOnlyStdio: the pty master and the supervisor's logs
// never reach the hypervisor; it gets its stdin, stdout and stderr only.
func TestHypervisorGetsOnlyStdio(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve"})
	v.launch()
	v.waitFor("running", v.running)
	if fds := fakehv.OpenFDs(v.hv); fds != "" {
		t.Errorf("the hypervisor inherited descriptors %s", fds)
	}
}

// TestConsoleCopyDeadline: a console whose slave stays open (a child of
// the hypervisor) is read until the drain deadline, then left.
func TestConsoleCopyDeadline(t *testing.T) {
	master, slave, err := openPTY()
	if err != nil {
		t.Skipf("no ptys here: %v", err)
	}
	defer slave.Close()
	out := &syncBuffer{}
	c := copyConsole(master, out)
	if _, err := slave.WriteString("buffered\r\n"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c.Finish(200 * time.Millisecond)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Finish took %s", took)
	}
	if c.Bytes() != int64(len("buffered\r\n")) || out.String() != "buffered\r\n" {
		t.Errorf("%d bytes counted, %q copied; want %q", c.Bytes(), out.String(), "buffered\r\n")
	}
}

// TestConsoleHangup: once the slave's last holder closed it, the copy
// ends by itself after what was buffered (EIO on Linux, EOF on macOS).
func TestConsoleHangup(t *testing.T) {
	master, slave, err := openPTY()
	if err != nil {
		t.Skipf("no ptys here: %v", err)
	}
	w := &syncBuffer{}
	c := copyConsole(master, w)
	slave.WriteString("last words\r\n")
	slave.Close()
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the copy did not end at the hangup")
	}
	if !c.Finish(time.Second) || !strings.Contains(w.String(), "last words") {
		t.Errorf("copied %q", w.String())
	}
}

// syncBuffer is a strings.Builder the copy may write while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitConsole(t *testing.T, v *vm, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logfile.Tail(v.layout.ConsoleLog(), 1<<20), want) {
		if time.Now().After(deadline) {
			t.Fatalf("console log lacks %q:\n%s", want, logfile.Tail(v.layout.ConsoleLog(), 4096))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
