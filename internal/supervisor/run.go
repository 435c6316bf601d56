package supervisor

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
	"github.com/zchee/docker-machine-driver-xhyve/internal/proc"
)

// Reboot storms: a guest that resets this often is broken, not rebooting.
const (
	maxResets   = 10
	resetWindow = time.Minute
)

// Main runs a supervisor for the spec file named by args[0] and returns the
// process exit status.
func Main(args []string) int {
	if len(args) != 1 {
		fmt.Fprintf(os.Stderr, "usage: %s %s SPEC.json\n", filepath.Base(os.Args[0]), Command)
		return 2
	}
	if err := Run(args[0]); err != nil {
		fmt.Fprintf(os.Stderr, "supervisor: %v\n", err)
		return 1
	}
	return 0
}

// Run supervises the hypervisor described by the spec file until the VM
// stops, crashes, or a stop is requested with SIGTERM or SIGINT.
func Run(specPath string) error {
	var spec Spec
	if err := ReadJSON(specPath, &spec); err != nil {
		return fmt.Errorf("read spec: %w", err)
	}
	s, err := newSupervisor(spec)
	if err != nil {
		return err
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	go func() {
		for range sigs {
			s.requestStop()
		}
	}()
	return s.loop()
}

type supervisor struct {
	spec    Spec
	console *os.File
	hvLog   *os.File

	mu      sync.Mutex
	status  Status
	current *os.Process
}

func newSupervisor(spec Spec) (*supervisor, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable: %w", err)
	}
	hv, err := filepath.EvalSymlinks(spec.Hypervisor)
	if err != nil {
		return nil, fmt.Errorf("resolve hypervisor: %w", err)
	}
	console, err := openLog(spec.ConsoleLog)
	if err != nil {
		return nil, err
	}
	hvLog, err := openLog(spec.HypervisorLog)
	if err != nil {
		console.Close()
		return nil, err
	}
	s := &supervisor{spec: spec, console: console, hvLog: hvLog}
	s.status = Status{PID: os.Getpid(), Exe: exe, Started: time.Now(), Hypervisor: hv}
	return s, s.save()
}

// openLog opens a log for appending, starting afresh once it grew large.
func openLog(path string) (*os.File, error) {
	const maxLog = 8 << 20
	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if info, err := os.Stat(path); err == nil && info.Size() > maxLog {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	return f, nil
}

// save records the status; the caller holds mu or is the only goroutine.
func (s *supervisor) save() error {
	return WriteJSON(s.spec.Status, s.status)
}

func (s *supervisor) requestStop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.Stopping = true
	if err := s.save(); err != nil {
		fmt.Fprintf(os.Stderr, "supervisor: %v\n", err)
	}
	if s.current != nil {
		// xhyve turns SIGTERM into an ACPI power-button press once the
		// guest enabled ACPI, and dies at once before that.
		if err := s.current.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			fmt.Fprintf(os.Stderr, "supervisor: forward SIGTERM: %v\n", err)
		}
	}
}

func (s *supervisor) loop() error {
	defer s.console.Close()
	defer s.hvLog.Close()
	var resets []time.Time
	for {
		exit, err := s.runOnce()
		s.mu.Lock()
		if exit != nil {
			s.status.Last = exit
		}
		s.status.HypervisorPID = 0
		stopping := s.status.Stopping
		s.mu.Unlock()
		if err != nil {
			s.finish()
			return err
		}
		if exit.Outcome != hypervisor.Reset || stopping {
			return s.finish()
		}
		now := time.Now()
		resets = append(resets, now)
		for len(resets) > 0 && now.Sub(resets[0]) > resetWindow {
			resets = resets[1:]
		}
		if len(resets) >= maxResets {
			s.mu.Lock()
			s.status.Last = &Exit{Outcome: hypervisor.Crash, Code: exit.Code, At: now,
				Detail: fmt.Sprintf("guest reset %d times within %s; not starting it again", len(resets), resetWindow)}
			s.mu.Unlock()
			return s.finish()
		}
		fmt.Fprintf(s.console, "\n=== guest reset: starting the hypervisor again ===\n")
	}
}

func (s *supervisor) finish() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.Done = true
	return s.save()
}

// runOnce starts the hypervisor and waits for it. It returns an error only
// when the hypervisor could not be started at all.
func (s *supervisor) runOnce() (*Exit, error) {
	if err := s.clearStalePIDFile(); err != nil {
		return nil, err
	}
	stdout, err := newLineWatcher(s.hvLog)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(s.spec.Hypervisor, s.spec.Args...)
	cmd.Stdin = nil
	cmd.Stdout = stdout
	cmd.Stderr = s.hvLog

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
		fmt.Fprintf(os.Stderr, "supervisor: %v\n", saveErr)
	}

	created := make(chan struct{})
	done := make(chan struct{})
	go watchPIDFile(s.spec.PIDFile, created, done)
	go captureConsole(s.spec, stdout.ptys, s.console, done)

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
	// A killed hypervisor leaves its pidfile behind; it is ours and dead.
	if err := os.Remove(s.spec.PIDFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(os.Stderr, "supervisor: remove pidfile: %v\n", err)
	}
	return exitOf(s.spec.Dialect, cmd.ProcessState, waitErr, vmCreated, s.spec.HypervisorLog), nil
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
		e.Detail = lastLines(Tail(hvLog, 2048), 5)
	}
	return e
}

// clearStalePIDFile removes a pidfile that no live hypervisor owns: xhyve
// refuses to start while it exists (O_EXCL).
func (s *supervisor) clearStalePIDFile() error {
	pid, mtime, err := readPIDFile(s.spec.PIDFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err == nil && proc.Alive(pid, hypervisorIdentity(s.spec, s.status.Hypervisor, mtime)) {
		return fmt.Errorf("hypervisor pid %d from %s is still running", pid, s.spec.PIDFile)
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
