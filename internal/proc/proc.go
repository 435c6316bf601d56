// Package proc tells whether a pid still names a given process, so a pid
// recorded in a file is never mistaken for an unrelated process that reused it.
package proc

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ErrNotRunning reports that no live process has the pid (zombies count as
// gone).
var ErrNotRunning = errors.New("process is not running")

// Info is what the OS tells about a live process.
type Info struct {
	// Comm is the kernel's short command name (truncated to 15 or 16 bytes).
	Comm string
	// Start is when the process started.
	Start time.Time
	// Args is the argument vector, or nil where the OS hides it (macOS hides
	// the arguments of a setuid-root process from its user).
	Args []string
}

// Get returns what the OS tells about pid.
func Get(pid int) (Info, error) {
	if pid <= 0 {
		return Info{}, ErrNotRunning
	}
	return get(pid)
}

// Identity is what a recorded process must look like.
type Identity struct {
	// Exes are the executable's paths, as started and as resolved: the
	// kernel names a process after the path it was started by, which may be
	// a symlink (hyperkit -> xhyve). One base name must prefix-match Comm.
	Exes []string
	// NotAfter bounds the start time: a process that started after the
	// record was written reused the pid.
	NotAfter time.Time
	// Args must all appear in the argument vector when the OS shows it.
	Args []string
}

// Matches reports whether info describes the process id names.
func (id Identity) Matches(info Info) bool {
	if !slices.ContainsFunc(id.Exes, func(exe string) bool {
		return info.Comm != "" && strings.HasPrefix(filepath.Base(exe), info.Comm)
	}) {
		return false
	}
	// Start times are rounded to clock ticks; allow a second of slack.
	if !id.NotAfter.IsZero() && info.Start.After(id.NotAfter.Add(time.Second)) {
		return false
	}
	if info.Args == nil {
		return true
	}
	for _, a := range id.Args {
		if !slices.Contains(info.Args, a) {
			return false
		}
	}
	return true
}

// Alive reports whether pid is live and matches id.
func Alive(pid int, id Identity) bool {
	info, err := Get(pid)
	return err == nil && id.Matches(info)
}
