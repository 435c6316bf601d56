package supervisorctl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zchee/docker-machine-driver-xhyve/internal/proc"
)

// View is what the driver observes of a machine's processes.
type View struct {
	// SupervisorPID and HypervisorPID are 0 when that process is not alive.
	SupervisorPID int
	HypervisorPID int
	// Status is the supervisor's last record (zero when none exists or it
	// cannot be read).
	Status Status
	// StatusErr is set when the status file exists but cannot be read or
	// decoded. The pids are still found: the hypervisor from its pidfile,
	// the supervisor as the leader of the hypervisor's process group.
	StatusErr error
}

// Alive reports whether any process of the VM is running.
func (v View) Alive() bool { return v.SupervisorPID != 0 || v.HypervisorPID != 0 }

// Binaries are the executables a machine's processes run, for telling them
// from whatever else has their pids.
type Binaries struct {
	Hypervisor string // as the machine names it; symlinks are resolved here
	Supervisor string // the plugin, when the status file cannot say
}

// Inspect observes the processes of the machine in l, whose supervisor runs
// as `supervise SPEC` and whose hypervisor writes l's pidfile. Every pid
// read from a file is checked against the process it must be, so a stale
// file or a reused pid never counts as running.
func Inspect(l Layout, bins Binaries) View {
	var v View
	if err := readJSON(l.Status(), &v.Status); err != nil && !errors.Is(err, os.ErrNotExist) {
		v.Status, v.StatusErr = Status{}, err
	}
	st := v.Status
	hv := st.Hypervisor
	if hv == "" {
		hv, _ = filepath.EvalSymlinks(bins.Hypervisor) // "" when missing: bins.Hypervisor still names it
	}
	if st.PID != 0 && !st.Done && proc.Alive(st.PID, supervisorIdentity(l, bins, st)) {
		v.SupervisorPID = st.PID
	}
	if pid, mtime, err := ReadPIDFile(l.PIDFile()); err == nil && proc.Alive(pid, HypervisorIdentity(l, bins, hv, mtime)) {
		v.HypervisorPID = pid
	} else if st.HypervisorPID != 0 && v.SupervisorPID != 0 && proc.Alive(st.HypervisorPID, HypervisorIdentity(l, bins, hv, st.HypervisorStarted)) {
		v.HypervisorPID = st.HypervisorPID // started, pidfile not written yet
	}
	if v.SupervisorPID == 0 && v.HypervisorPID != 0 {
		// No usable record of the supervisor: it started the hypervisor in
		// its own session, so it leads the hypervisor's process group.
		if pgid, err := unix.Getpgid(v.HypervisorPID); err == nil && pgid != v.HypervisorPID &&
			proc.Alive(pgid, supervisorIdentity(l, bins, Status{})) {
			v.SupervisorPID = pgid
		}
	}
	return v
}

func supervisorIdentity(l Layout, bins Binaries, st Status) proc.Identity {
	var exes []string
	for _, e := range []string{st.Exe, bins.Supervisor} {
		if e != "" {
			exes = append(exes, e)
		}
	}
	return proc.Identity{Exes: exes, NotAfter: st.Started, Args: []string{Command, l.Spec()}}
}

// HypervisorIdentity is what the process with a pid read from l's pidfile
// (or the status) must be to count as the machine's hypervisor: resolved is
// the hypervisor binary with symlinks resolved.
func HypervisorIdentity(l Layout, bins Binaries, resolved string, notAfter time.Time) proc.Identity {
	return proc.Identity{Exes: []string{bins.Hypervisor, resolved}, NotAfter: notAfter, Args: []string{l.PIDFile()}}
}

// ReadPIDFile returns the pid in path and when the file was written.
func ReadPIDFile(path string) (int, time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, time.Time{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, time.Time{}, err
	}
	pid, err := ParsePID(f)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("read pidfile %s: %w", path, err)
	}
	return pid, info.ModTime(), nil
}

// ParsePID reads a pidfile as xhyve writes it: a decimal pid and a newline.
// It reads at most a few bytes, so a huge or damaged file costs nothing.
func ParsePID(r io.Reader) (int, error) {
	data, err := io.ReadAll(io.LimitReader(r, 32))
	if err != nil {
		return 0, err
	}
	text := strings.TrimSpace(string(data))
	pid, err := strconv.Atoi(text)
	if err != nil || pid <= 0 || strconv.Itoa(pid) != text {
		return 0, fmt.Errorf("%q is not a pid", data)
	}
	return pid, nil
}

// Launch starts `exe supervise specPath` detached from the caller: in its own
// session, stdin from /dev/null, output to logPath, with environment env, and
// no other descriptor. It returns the pid; the supervisor records itself in
// the spec's status file.
func Launch(exe, specPath, logPath string, env []string) (int, error) {
	// What the plugin inherited from its caller (a test runner's pipe, a CI
	// log) must not live on in the VM's processes: a caller waiting for EOF
	// on such a pipe would hang until the VM stops.
	if err := CloseOnExecAbove(2); err != nil {
		return 0, err
	}
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
