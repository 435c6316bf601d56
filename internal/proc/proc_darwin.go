//go:build darwin

package proc

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// sZomb is p_stat of a zombie (sys/proc.h SZOMB).
const sZomb = 5

func get(pid int) (Info, error) {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if errors.Is(err, unix.EIO) || errors.Is(err, unix.ESRCH) {
		return Info{}, ErrNotRunning // no such pid: the sysctl returns no record
	}
	if err != nil {
		return Info{}, fmt.Errorf("read process %d: %w", pid, err)
	}
	if int(kp.Proc.P_pid) != pid || kp.Proc.P_stat == sZomb {
		return Info{}, ErrNotRunning
	}
	comm := kp.Proc.P_comm[:]
	if i := bytes.IndexByte(comm, 0); i >= 0 {
		comm = comm[:i]
	}
	tv := kp.Proc.P_starttime
	info := Info{Comm: string(comm), Start: time.Unix(tv.Sec, int64(tv.Usec)*1000)}
	// kern.procargs2 is refused for processes of another (effective) user,
	// such as a setuid-root hypervisor: Args stays nil then.
	raw, err := unix.SysctlRaw("kern.procargs2", pid)
	if err != nil {
		return info, nil // refused: the arguments stay unknown, not an error
	}
	if info.Args, err = parseProcargs2(bytes.NewReader(raw)); err != nil {
		return Info{}, fmt.Errorf("read process %d arguments: %w", pid, err)
	}
	return info, nil
}
