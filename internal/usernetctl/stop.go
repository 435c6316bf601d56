package usernetctl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/lockfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/proc"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
)

// Stop ends the network process serving dir, if one runs, and waits for it
// to exit (every VM still on the network loses it: hyperkit powers such a
// guest off). The pid is signalled only once it is known to be the
// process's: the one its API reports, or one whose arguments are
// `usernet DIR`.
func Stop(ctx context.Context, dir string) error {
	l := Layout{Dir: dir}
	ctx, cancel := withDefaultDeadline(ctx)
	defer cancel()
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	lock, err := lockDir(ctx, l.Lock())
	if err != nil {
		return err
	}
	defer lock.Unlock()
	running, err := processRunning(l)
	if err != nil {
		return err
	}
	if !running {
		removeStale(l)
		return nil
	}
	pid, err := processPID(ctx, l)
	if err != nil {
		return err
	}
	if err := supervisorctl.Signal(pid, syscall.SIGTERM); err != nil {
		return err
	}
	// The kernel releases the process lock when the process is gone.
	d, _ := ctx.Deadline()
	lk, err := lockfile.File(l.ProcessLock(), lockfile.Options{Flag: os.O_RDWR, Timeout: time.Until(d), Interval: 20 * time.Millisecond})
	if err != nil {
		return fmt.Errorf("usernet network process pid %d did not exit: %w", pid, err)
	}
	return lk.Unlock()
}

// processPID finds the running process's pid, checked to be it.
func processPID(ctx context.Context, l Layout) (int, error) {
	call, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	st, serr := NewClient(l.Dir).Status(call)
	pid, _, perr := supervisorctl.ReadPIDFile(l.PIDFile())
	switch {
	case serr == nil && st.PID > 0:
		return st.PID, nil
	case perr == nil && isProcess(pid, l):
		return pid, nil
	}
	return 0, fmt.Errorf("a usernet network process holds %s but neither answers (%v) nor has a pidfile naming it (%v): find it with `pgrep -f %q` and end it", l.ProcessLock(), serr, perr, Command+" "+l.Dir)
}

// isProcess reports whether pid runs `... usernet DIR`.
func isProcess(pid int, l Layout) bool {
	info, err := proc.Get(pid)
	if err != nil || info.Args == nil {
		return false
	}
	i := slices.Index(info.Args, Command)
	return i > 0 && i+1 < len(info.Args) && info.Args[i+1] == l.Dir
}
