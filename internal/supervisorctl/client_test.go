package supervisorctl

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestInspectNeverStarted(t *testing.T) {
	dir := t.TempDir()
	view := Inspect(Layout{Dir: dir}, Binaries{Hypervisor: "/nonexistent/xhyve"})
	if view.Alive() || view.StatusErr != nil {
		t.Errorf("view %+v", view)
	}
}

// TestLayoutIsTheMachineDirectory: every file of the machine's processes
// is in its directory, under the names the README lists, and a spec file's
// layout is its directory's.
func TestLayoutIsTheMachineDirectory(t *testing.T) {
	l := Layout{Dir: "/store/machines/dev"}
	for got, want := range map[string]string{
		l.Spec(): "vm.json", l.Status(): "supervisor.json", l.PIDFile(): "hypervisor.pid",
		l.ConsoleLog(): "console.log", l.HypervisorLog(): "hypervisor.log", l.SupervisorLog(): "supervisor.log",
	} {
		if got != filepath.Join(l.Dir, want) {
			t.Errorf("%s, want %s in %s", got, want, l.Dir)
		}
	}
	if got := LayoutOf(l.Spec()); got != l {
		t.Errorf("LayoutOf(%s) = %+v", l.Spec(), got)
	}
}

// TestStalePIDFileIsNotTheHypervisor: a pidfile naming this process (not
// the hypervisor) or written after the process started never counts.
func TestStalePIDFileIsNotTheHypervisor(t *testing.T) {
	l := Layout{Dir: t.TempDir()}
	if err := os.WriteFile(l.PIDFile(), []byte(fmt.Sprintln(os.Getpid())), 0o600); err != nil {
		t.Fatal(err)
	}
	if v := Inspect(l, Binaries{Hypervisor: "/usr/local/bin/xhyve"}); v.Alive() {
		t.Errorf("a pidfile naming the test binary counts as a hypervisor: %+v", v)
	}
	pid, mtime, err := ReadPIDFile(l.PIDFile())
	if err != nil || pid != os.Getpid() || time.Since(mtime) > time.Minute {
		t.Errorf("ReadPIDFile = %d, %v, %v", pid, mtime, err)
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
