package supervisor

import (
	"errors"
	"fmt"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
	"github.com/zchee/docker-machine-driver-xhyve/internal/proc"
)

// runOnce starts the hypervisor and waits for it. It returns an error only
// when the hypervisor could not be started at all.
func (s *supervisor) runOnce() (*supervisorctl.Exit, error) {
	if err := s.clearStalePIDFile(); err != nil {
		return nil, err
	}
	master, slave, err := openPTY()
	if err != nil {
		return &supervisorctl.Exit{Outcome: hypervisor.Failed, Code: -1, At: time.Now(), Detail: "console: " + err.Error()}, nil
	}
	output := &bootOutput{log: s.hvLog}
	cmd := exec.Command(s.spec.Hypervisor, s.spec.Args...)
	// COM1 is the hypervisor's stdin (-l com1,stdio): xhyve's and
	// hyperkit's stdio backend reads and writes fd 0 only. Its stdout and
	// stderr carry its own messages (xhyve prints a refused vmnet on
	// stdout): both go to its log through one pipe, never to the console.
	cmd.Stdin = slave
	cmd.Stdout, cmd.Stderr = output, output
	// A child of the hypervisor may hold its output pipe a while after it
	// exited; the exit must still be recorded.
	cmd.WaitDelay = 2 * time.Second

	s.mu.Lock()
	if s.status.Stopping {
		s.mu.Unlock()
		master.Close()
		slave.Close()
		return &supervisorctl.Exit{Outcome: hypervisor.Killed, At: time.Now(), Detail: "stop requested before start"}, nil
	}
	start := time.Now()
	err = cmd.Start()
	// Only the hypervisor holds the slave from now on, so that its exit
	// hangs the console up.
	slave.Close()
	if err != nil {
		s.mu.Unlock()
		master.Close()
		return &supervisorctl.Exit{Outcome: hypervisor.Failed, Code: -1, At: time.Now(), Detail: err.Error()}, nil
	}
	s.current = cmd.Process
	s.status.Boots++
	s.status.HypervisorPID = cmd.Process.Pid
	s.status.HypervisorStarted = start
	fmt.Fprintf(s.console, "\n=== boot %d: hypervisor pid %d at %s ===\n", s.status.Boots, cmd.Process.Pid, start.Format(time.RFC3339))
	saveErr := s.save()
	s.mu.Unlock()
	if saveErr != nil {
		s.logf("%v", saveErr)
	}

	console := copyConsole(master, s.console)
	var pidfile pidfileWatch
	done := make(chan struct{})
	var watcher sync.WaitGroup
	watcher.Go(func() { pidfile.watch(s.layout.PIDFile(), done) })

	waitErr := cmd.Wait()
	ended := time.Now()
	close(done)
	watcher.Wait()
	// The guest's last words (a panic before a crash) are in the console
	// log before the exit is recorded.
	if !console.Finish(consoleDrain) {
		s.logf("console of hypervisor pid %d still held open %s after it exited (by a child of it?); stopped reading it", cmd.Process.Pid, consoleDrain)
	}
	s.mu.Lock()
	s.current = nil
	s.mu.Unlock()

	run := hypervisor.Run{ConsoleBytes: console.Bytes(), ConsoleExpected: hypervisor.ConsoleOnCOM1(s.spec.Args)}
	if at, ok := pidfile.seen(); ok {
		run.VMCreated, run.Uptime = true, ended.Sub(at)
	}
	// A killed hypervisor leaves its pidfile behind. Only this boot's own
	// pidfile is removed: another hypervisor's is never touched.
	if err := removePIDFileOf(s.layout.PIDFile(), cmd.Process.Pid); err != nil {
		s.logf("%v", err)
	}
	return exitOf(s.spec.Dialect, cmd.ProcessState, waitErr, run, output.String()), nil
}

// removePIDFileOf removes path if it holds pid.
func removePIDFileOf(path string, pid int) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read pidfile: %w", err)
	}
	got, err := supervisorctl.ParsePID(f)
	f.Close()
	if err != nil || got != pid {
		return nil // not this boot's
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove pidfile: %w", err)
	}
	return nil
}

// exitOf records how a run ended. output is what the hypervisor printed
// during the run; its last lines are the reason of a failure or crash.
func exitOf(d hypervisor.Dialect, ps *os.ProcessState, waitErr error, run hypervisor.Run, output string) *supervisorctl.Exit {
	e := &supervisorctl.Exit{At: time.Now(), ConsoleBytes: run.ConsoleBytes}
	if ps == nil {
		e.Outcome, e.Code, e.Detail = hypervisor.Failed, -1, fmt.Sprint(waitErr)
		return e
	}
	ws, _ := ps.Sys().(syscall.WaitStatus)
	run.Signaled = ws.Signaled()
	run.Code = ps.ExitCode()
	e.Code = run.Code
	if run.Signaled {
		e.Signal = ws.Signal().String()
	}
	e.Outcome = hypervisor.Classify(d, run)
	if e.Outcome.Fault() {
		e.Detail = lastLines(output, 5)
		if e.Detail == "" && e.Outcome == hypervisor.Failed && !run.GuestRan() {
			e.Detail = "the hypervisor printed no reason, and the guest never wrote to its console"
		}
	}
	return e
}

// clearStalePIDFile removes a pidfile that no live hypervisor owns: xhyve
// refuses to start while it exists (O_EXCL). One that a live hypervisor
// owns means the machine runs under someone else: ErrAlreadyRunning.
func (s *supervisor) clearStalePIDFile() error {
	pid, mtime, err := supervisorctl.ReadPIDFile(s.layout.PIDFile())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err == nil && proc.Alive(pid, supervisorctl.HypervisorIdentity(s.layout, s.spec.Binaries(), s.status.Hypervisor, mtime)) {
		return fmt.Errorf("%w: hypervisor pid %d from %s", ErrAlreadyRunning, pid, s.layout.PIDFile())
	}
	if err := os.Remove(s.layout.PIDFile()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove stale pidfile: %w", err)
	}
	return nil
}

// pidfileWatch notes when the hypervisor wrote its pidfile, which it does
// only after the VM exists.
type pidfileWatch struct {
	mu sync.Mutex
	at time.Time
}

// watch polls for path until it exists or done is closed. A guest needs
// seconds to boot and power off, far longer than the polling interval.
func (w *pidfileWatch) watch(path string, done <-chan struct{}) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if _, err := os.Stat(path); err == nil {
			w.mu.Lock()
			w.at = time.Now()
			w.mu.Unlock()
			return
		}
		select {
		case <-done:
			return
		case <-t.C:
		}
	}
}

// seen returns when the pidfile was first seen.
func (w *pidfileWatch) seen() (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.at, !w.at.IsZero()
}

// bootOutput takes the hypervisor's stdout and stderr during one boot: it
// passes them to the hypervisor log and keeps their end for the exit's
// reason (the log itself holds earlier boots too).
type bootOutput struct {
	log  io.Writer
	mu   sync.Mutex
	tail []byte
}

// bootOutputTail is how much of a boot's output is kept for its reason.
const bootOutputTail = 4096

// Write passes p to the log and keeps its end.
func (b *bootOutput) Write(p []byte) (int, error) {
	b.mu.Lock()
	b.tail = append(b.tail, p...)
	if over := len(b.tail) - bootOutputTail; over > 0 {
		b.tail = append(b.tail[:0], b.tail[over:]...)
	}
	b.mu.Unlock()
	return b.log.Write(p)
}

// String returns the end of the boot's output.
func (b *bootOutput) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.tail)
}

// lastLines joins the last n non-empty lines of s into one line.
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
