//go:build darwin

package proc

import (
	"bytes"
	"encoding/binary"
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
	if raw, err := unix.SysctlRaw("kern.procargs2", pid); err == nil {
		info.Args = parseProcargs2(raw)
	}
	return info, nil
}

// parseProcargs2 decodes kern.procargs2: argc (int32), the executable path,
// NUL padding, then argc NUL-terminated arguments.
func parseProcargs2(raw []byte) []string {
	if len(raw) < 4 {
		return nil
	}
	argc := int(binary.LittleEndian.Uint32(raw))
	rest := raw[4:]
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return nil
	}
	rest = bytes.TrimLeft(rest[i:], "\x00")
	args := make([]string, 0, argc)
	for len(args) < argc && len(rest) > 0 {
		j := bytes.IndexByte(rest, 0)
		if j < 0 {
			j = len(rest)
		}
		args = append(args, string(rest[:j]))
		rest = rest[min(j+1, len(rest)):]
	}
	return args
}
