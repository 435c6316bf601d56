package xhyve

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/zchee/docker-machine-driver-xhyve/internal/proc"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
)

// processes is how the driver sees and moves the VM's processes: the
// supervisor client, held in the driver's env (as docker-machine's
// VirtualBox driver holds its VBoxManager), so the state machine can be
// table-tested without processes.
type processes interface {
	// Inspect observes the machine's supervisor and hypervisor.
	Inspect(l supervisorctl.Layout, bins supervisorctl.Binaries) supervisorctl.View
	// Launch starts a supervisor detached and returns its pid.
	Launch(exe, specPath, logPath string, env []string) (int, error)
	// Signal signals one process; a gone one is no error.
	Signal(pid int, sig syscall.Signal) error
	// SignalGroup signals every process of a process group.
	SignalGroup(pgid int, sig syscall.Signal) error
	// Running reports whether pid names a live process.
	Running(pid int) bool
	// Is reports whether pid is live and is the process id describes.
	Is(pid int, id proc.Identity) bool
}

// osProcesses is the real thing.
type osProcesses struct{}

func (osProcesses) Inspect(l supervisorctl.Layout, bins supervisorctl.Binaries) supervisorctl.View {
	return supervisorctl.Inspect(l, bins)
}

func (osProcesses) Launch(exe, specPath, logPath string, env []string) (int, error) {
	return supervisorctl.Launch(exe, specPath, logPath, env)
}

func (osProcesses) Signal(pid int, sig syscall.Signal) error { return supervisorctl.Signal(pid, sig) }

func (osProcesses) SignalGroup(pgid int, sig syscall.Signal) error {
	if pgid <= 0 {
		return nil
	}
	if err := syscall.Kill(-pgid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("send %s to process group %d: %w", sig, pgid, err)
	}
	return nil
}

func (osProcesses) Running(pid int) bool {
	_, err := proc.Get(pid)
	return err == nil
}

func (osProcesses) Is(pid int, id proc.Identity) bool { return proc.Alive(pid, id) }
