// Package supervisor keeps a VM's hypervisor running after the short-lived
// plugin process is gone. The plugin starts it detached as a hidden
// subcommand; it runs the hypervisor, captures the serial console, starts the
// hypervisor again when the guest reboots (xhyve exits on a guest reset),
// turns SIGTERM into the hypervisor's ACPI shutdown, and records every exit so
// the driver can report real state.
package supervisor

import (
	"context"
	"errors"
	"fmt"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
	"github.com/zchee/docker-machine-driver-xhyve/internal/logfile"
)

// Reboot storms: a guest that resets this often is broken, not rebooting.
const (
	maxResets   = 10
	resetWindow = time.Minute
)

// ErrAlreadyRunning reports that another supervisor or hypervisor of the
// same machine is alive; the supervisor then leaves everything to it.
var ErrAlreadyRunning = errors.New("the machine is already running")

// Subcommands are the plugin binary's hidden subcommands that run the
// supervisor's processes, by name; each returns the exit status.
func Subcommands() map[string]func(args []string) int {
	return map[string]func(args []string) int{supervisorctl.Command: Main, NFSCommand: ServeNFSMain}
}

// Main runs a supervisor for the spec file named by args[0] and returns the
// process exit status.
func Main(args []string) int {
	if len(args) != 1 {
		fmt.Fprintf(os.Stderr, "usage: %s %s SPEC.json\n", filepath.Base(os.Args[0]), supervisorctl.Command)
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
	// Whoever started this process may have left descriptors open; the
	// hypervisor gets only its three.
	if err := supervisorctl.CloseOnExecAbove(2); err != nil {
		return err
	}
	spec, err := supervisorctl.ReadSpec(specPath)
	if err != nil {
		return fmt.Errorf("read spec: %w", err)
	}
	// Never take over a machine that runs: its supervisor owns the pidfile
	// and the status file.
	if v := supervisorctl.Inspect(supervisorctl.LayoutOf(specPath), spec.Binaries()); v.Alive() {
		return fmt.Errorf("%w (supervisor pid %d, hypervisor pid %d): not starting another", ErrAlreadyRunning, v.SupervisorPID, v.HypervisorPID)
	}
	s, err := newSupervisor(specPath, spec)
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
	// The services live as long as the VM, across guest reboots.
	ctx, cancel := context.WithCancel(context.Background())
	var services sync.WaitGroup
	if spec.NFS != nil {
		services.Go(func() { s.runNFS(ctx) })
	}
	if spec.TimeSync > 0 && spec.Guest != nil {
		services.Go(func() { s.clockSyncer().Run(ctx) })
	}
	err = s.loop()
	cancel()
	services.Wait()
	return err
}

type supervisor struct {
	specPath string
	spec     supervisorctl.Spec
	layout   supervisorctl.Layout
	console  io.WriteCloser
	hvLog    io.WriteCloser
	log      io.Writer // the supervisor's own messages

	mu      sync.Mutex
	status  supervisorctl.Status
	current *os.Process
}

func newSupervisor(specPath string, spec supervisorctl.Spec) (*supervisor, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable: %w", err)
	}
	hv, err := filepath.EvalSymlinks(spec.Hypervisor)
	if err != nil {
		return nil, fmt.Errorf("resolve hypervisor: %w", err)
	}
	s := &supervisor{specPath: specPath, spec: spec, layout: supervisorctl.LayoutOf(specPath)}
	own, err := logfile.Open(s.layout.SupervisorLog(), spec.LogLimitBytes(), asStdio)
	if err != nil {
		return nil, err
	}
	s.log = own
	if s.console, err = logfile.Open(s.layout.ConsoleLog(), spec.LogLimitBytes(), nil); err != nil {
		return nil, err
	}
	if s.hvLog, err = logfile.Open(s.layout.HypervisorLog(), spec.LogLimitBytes(), nil); err != nil {
		s.console.Close()
		return nil, err
	}
	s.status = supervisorctl.Status{PID: os.Getpid(), Exe: exe, Started: time.Now(), Hypervisor: hv}
	return s, s.save()
}

// logf writes one of the supervisor's own messages.
func (s *supervisor) logf(format string, args ...any) {
	fmt.Fprintf(s.log, "supervisor: "+format+"\n", args...)
}

// save records the status; the caller holds mu or is the only goroutine.
func (s *supervisor) save() error {
	return supervisorctl.WriteStatus(s.layout, s.status)
}

func (s *supervisor) requestStop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.Stopping = true
	if err := s.save(); err != nil {
		s.logf("%v", err)
	}
	if s.current != nil {
		// xhyve turns SIGTERM into an ACPI power-button press once the
		// guest enabled ACPI, and dies at once before that.
		if err := s.current.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			s.logf("forward SIGTERM: %v", err)
		}
	}
}

func (s *supervisor) loop() error {
	defer s.console.Close()
	defer s.hvLog.Close()
	var resets []time.Time
	for {
		s.mu.Lock()
		before := s.status.Boots
		s.mu.Unlock()
		exit, err := s.runOnce()
		s.mu.Lock()
		if exit != nil {
			s.status.Last = exit
		}
		s.status.HypervisorPID = 0
		stopping := s.status.Stopping
		boot := s.status.Boots
		s.mu.Unlock()
		if exit != nil && boot > before {
			// Closes the boot's section of the console log: a boot that
			// failed in device setup has no guest output to show.
			fmt.Fprintf(s.console, "\n=== boot %d ended: %s ===\n", boot, exit)
		}
		if errors.Is(err, ErrAlreadyRunning) {
			return err // someone else's VM now: leave its records alone
		}
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
			s.status.Last = &supervisorctl.Exit{Outcome: hypervisor.Crash, Code: exit.Code, At: now,
				Detail: fmt.Sprintf("guest reset %d times within %s; not starting it again", len(resets), resetWindow)}
			s.mu.Unlock()
			return s.finish()
		}
		fmt.Fprintf(s.console, "\n=== guest reset: starting the hypervisor again ===\n")
	}
}

// finish records that this supervisor is done, unless a hypervisor of the
// machine runs that is not its own: the record then belongs to that one's
// supervisor.
func (s *supervisor) finish() error {
	if v := supervisorctl.Inspect(s.layout, s.spec.Binaries()); v.HypervisorPID != 0 {
		s.logf("hypervisor pid %d of this machine runs under another supervisor; leaving the status to it", v.HypervisorPID)
		return fmt.Errorf("%w: hypervisor pid %d", ErrAlreadyRunning, v.HypervisorPID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.Done = true
	return s.save()
}
