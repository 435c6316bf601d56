package supervisor

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
	"github.com/zchee/docker-machine-driver-xhyve/internal/logfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/proc"
)

// runOnce starts the hypervisor and waits for it. It returns an error only
// when the hypervisor could not be started at all.
func (s *supervisor) runOnce() (*Exit, error) {
	if err := s.clearStalePIDFile(); err != nil {
		return nil, err
	}
	// A console link left by an earlier boot may name a pty that another
	// program owns by now: only the link the new hypervisor makes counts.
	if s.spec.TTY != "" {
		if err := os.Remove(s.spec.TTY); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("remove the old console link: %w", err)
		}
	}
	stdout := newLineWatcher(s.hvLog)
	cmd := exec.Command(s.spec.Hypervisor, s.spec.Args...)
	cmd.Stdin = nil
	cmd.Stdout = stdout
	cmd.Stderr = s.hvLog // through a pipe: the log is capped, not a plain file
	// A child of the hypervisor may hold its output pipes a while after
	// it exited; the exit must still be recorded.
	cmd.WaitDelay = 2 * time.Second

	s.mu.Lock()
	if s.status.Stopping {
		s.mu.Unlock()
		return &Exit{Outcome: hypervisor.Killed, At: time.Now(), Detail: "stop requested before start"}, nil
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		return &Exit{Outcome: hypervisor.Failed, Code: -1, At: time.Now(), Detail: err.Error()}, nil
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

	created := make(chan struct{})
	done := make(chan struct{})
	go watchPIDFile(s.spec.PIDFile, created, done)
	go captureConsole(s.spec.TTY, start, stdout.ptys, s.console, done)

	waitErr := cmd.Wait()
	close(done)
	stdout.Close()
	s.mu.Lock()
	s.current = nil
	s.mu.Unlock()

	vmCreated := false
	select {
	case <-created:
		vmCreated = true
	default:
	}
	// A killed hypervisor leaves its pidfile behind. Only this boot's own
	// pidfile is removed: another hypervisor's is never touched.
	if err := removePIDFileOf(s.spec.PIDFile, cmd.Process.Pid); err != nil {
		s.logf("%v", err)
	}
	return exitOf(s.spec.Dialect, cmd.ProcessState, waitErr, vmCreated, s.spec.HypervisorLog), nil
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
	got, err := ParsePID(f)
	f.Close()
	if err != nil || got != pid {
		return nil // not this boot's
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove pidfile: %w", err)
	}
	return nil
}

func exitOf(d hypervisor.Dialect, ps *os.ProcessState, waitErr error, vmCreated bool, hvLog string) *Exit {
	e := &Exit{At: time.Now()}
	if ps == nil {
		e.Outcome, e.Code, e.Detail = hypervisor.Failed, -1, fmt.Sprint(waitErr)
		return e
	}
	ws, _ := ps.Sys().(syscall.WaitStatus)
	signaled := ws.Signaled()
	e.Code = ps.ExitCode()
	if signaled {
		e.Signal = ws.Signal().String()
	}
	e.Outcome = hypervisor.Classify(d, e.Code, signaled, vmCreated)
	if e.Outcome == hypervisor.Failed || e.Outcome == hypervisor.Crash {
		e.Detail = lastLines(logfile.Tail(hvLog, 2048), 5)
	}
	return e
}

// clearStalePIDFile removes a pidfile that no live hypervisor owns: xhyve
// refuses to start while it exists (O_EXCL). One that a live hypervisor
// owns means the machine runs under someone else: ErrAlreadyRunning.
func (s *supervisor) clearStalePIDFile() error {
	pid, mtime, err := readPIDFile(s.spec.PIDFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err == nil && proc.Alive(pid, hypervisorIdentity(s.spec, s.status.Hypervisor, mtime)) {
		return fmt.Errorf("%w: hypervisor pid %d from %s", ErrAlreadyRunning, pid, s.spec.PIDFile)
	}
	if err := os.Remove(s.spec.PIDFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove stale pidfile: %w", err)
	}
	return nil
}

// watchPIDFile closes created once the hypervisor wrote its pidfile, which
// it does only after the VM exists. A guest needs seconds to boot and power
// off, far longer than the polling interval.
func watchPIDFile(path string, created, done chan struct{}) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if _, err := os.Stat(path); err == nil {
			close(created)
			return
		}
		select {
		case <-done:
			return
		case <-t.C:
		}
	}
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
