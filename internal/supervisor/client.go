package supervisor

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/proc"
)

// View is what the driver observes of a machine's processes.
type View struct {
	// SupervisorPID and HypervisorPID are 0 when that process is not alive.
	SupervisorPID int
	HypervisorPID int
	// Status is the supervisor's last record (zero when none exists).
	Status Status
}

// Alive reports whether any process of the VM is running.
func (v View) Alive() bool { return v.SupervisorPID != 0 || v.HypervisorPID != 0 }

// Inspect observes the processes of the VM described by specPath. Every pid
// read from a file is checked against the process it must be, so a stale
// file or a reused pid never counts as running.
func Inspect(specPath string) (View, error) {
	var spec Spec
	if err := ReadJSON(specPath, &spec); errors.Is(err, os.ErrNotExist) {
		return View{}, nil // never started
	} else if err != nil {
		return View{}, fmt.Errorf("read supervisor spec: %w", err)
	}
	var v View
	if err := ReadJSON(spec.Status, &v.Status); err != nil && !errors.Is(err, os.ErrNotExist) {
		return View{}, fmt.Errorf("read supervisor status: %w", err)
	}
	st := v.Status
	if st.PID != 0 && !st.Done && proc.Alive(st.PID, supervisorIdentity(st, specPath)) {
		v.SupervisorPID = st.PID
	}
	hv := st.Hypervisor
	if hv == "" {
		hv = spec.Hypervisor
	}
	if pid, mtime, err := readPIDFile(spec.PIDFile); err == nil && proc.Alive(pid, hypervisorIdentity(spec, hv, mtime)) {
		v.HypervisorPID = pid
	} else if st.HypervisorPID != 0 && v.SupervisorPID != 0 && proc.Alive(st.HypervisorPID, hypervisorIdentity(spec, hv, st.HypervisorStarted)) {
		v.HypervisorPID = st.HypervisorPID // started, pidfile not written yet
	}
	return v, nil
}

func supervisorIdentity(st Status, specPath string) proc.Identity {
	return proc.Identity{Exes: []string{st.Exe}, NotAfter: st.Started, Args: []string{Command, specPath}}
}

func hypervisorIdentity(spec Spec, resolved string, notAfter time.Time) proc.Identity {
	return proc.Identity{Exes: []string{spec.Hypervisor, resolved}, NotAfter: notAfter, Args: []string{spec.PIDFile}}
}

// readPIDFile returns the pid in path and when the file was written.
func readPIDFile(path string) (int, time.Time, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, time.Time{}, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return 0, time.Time{}, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0, time.Time{}, fmt.Errorf("pidfile %s holds %q, not a pid", path, data)
	}
	return pid, info.ModTime(), nil
}

// Launch starts `exe supervise specPath` detached from the caller: in its own
// session, stdin from /dev/null, output to logPath, with environment env. It returns the pid; the
// supervisor records itself in the spec's status file.
func Launch(exe, specPath, logPath string, env []string) (int, error) {
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return 0, fmt.Errorf("open supervisor log: %w", err)
	}
	defer log.Close()
	cmd := exec.Command(exe, Command, specPath)
	cmd.Dir = filepath.Dir(specPath)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start supervisor: %w", err)
	}
	// Reap it if it exits while this process still runs, so it never
	// lingers as a zombie that looks alive.
	go cmd.Wait()
	return cmd.Process.Pid, nil
}

// Signal sends sig to pid, treating an already gone process as success.
func Signal(pid int, sig syscall.Signal) error {
	if pid <= 0 {
		return nil
	}
	if err := syscall.Kill(pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("send %s to pid %d: %w", sig, pid, err)
	}
	return nil
}
