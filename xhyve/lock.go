package xhyve

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/docker/machine/libmachine/log"

	"github.com/zchee/docker-machine-driver-xhyve/internal/lockfile"
)

// The state-changing operations, as the lock file names them.
const (
	opCreate  = "create"
	opStart   = "start"
	opStop    = "stop"
	opKill    = "kill"
	opRestart = "restart"
	opRemove  = "rm"
)

// lock takes the machine's lock for op. Every state-changing entry point
// (Create, Start, Stop, Kill, Restart, Remove) holds it for its whole run, so
// two commands on one machine (scripts, IDE plugins and CI run them
// concurrently) never interleave, whichever processes they run in. Reads
// (GetState, GetIP, GetURL) never take it. The wait is bounded; its error
// names the operation and the process holding the lock. A crashed holder
// releases it with its last descriptor. A configuration saved by a newer
// plugin is refused first (checkVersion).
func (d *Driver) lock(op string) (func(), error) {
	if err := d.checkVersion(); err != nil {
		return nil, err
	}
	dir := d.path("")
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) && op != opCreate {
		return func() {}, nil // nothing to guard; the operation finds nothing to do
	}
	path := d.path(machineLockFile)
	opts := lockfile.Options{Interval: d.env.interval, Flag: os.O_RDWR | os.O_CREATE, Perm: 0o600}
	opts.Timeout = d.env.interval
	l, err := lockfile.File(path, opts)
	if errors.Is(err, lockfile.ErrTimeout) {
		log.Infof("Waiting for the machine's lock: %s", lockHolder(path))
		opts.Timeout = d.env.lockTimeout
		l, err = lockfile.File(path, opts)
	}
	if errors.Is(err, lockfile.ErrTimeout) {
		return nil, fmt.Errorf("machine %q is busy: %s (waited %s); wait for it to finish or end that process, then run %s again: %w",
			d.MachineName, lockHolder(path), d.env.lockTimeout, op, err)
	}
	if err != nil {
		return nil, fmt.Errorf("lock machine %q for %s: %w", d.MachineName, op, err)
	}
	recordHolder(path, holderRecord(os.Getpid(), op, time.Now()))
	return func() {
		recordHolder(path, "")
		if err := l.Unlock(); err != nil {
			log.Warnf("unlock machine %q: %v", d.MachineName, err)
		}
	}, nil
}

// recordHolder writes who holds the lock into the lock file, for the error
// of whoever waits for it. It is a hint only: failing to write it is logged.
func recordHolder(path, text string) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC|syscall.O_NOFOLLOW, 0)
	if err == nil {
		if text != "" {
			_, err = f.WriteString(text + "\n")
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		log.Debugf("record the lock holder in %s: %v", path, err)
	}
}

// lockHolder says who holds the lock at path, as it recorded itself.
func lockHolder(path string) string {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return "another process holds its lock"
	}
	defer f.Close()
	data, _ := io.ReadAll(io.LimitReader(f, 256))
	if text := strings.TrimSpace(string(data)); text != "" {
		return text
	}
	return "another process holds its lock"
}

// holderRecord is what a holder writes into the lock file: its pid, its
// operation and when it took the lock, to the nanosecond, so a holder that
// took it again is told from the one before.
func holderRecord(pid int, op string, since time.Time) string {
	return fmt.Sprintf("pid %d is running %s since %s", pid, op, since.Format(time.RFC3339Nano))
}

// holder is a lock holder as it recorded itself.
type holder struct {
	pid   int
	op    string
	since time.Time
}

// same reports whether h and o are one holder: one process, one taking
// of the lock.
func (h holder) same(o holder) bool {
	return h.pid == o.pid && h.op == o.op && h.since.Equal(o.since)
}

// readHolder reads the holder recorded in the lock file at path; ok is
// false when none is (the lock is free, or its holder is writing).
func readHolder(path string) (h holder, ok bool) {
	f := strings.Fields(lockHolder(path))
	if len(f) != 7 || f[0] != "pid" || f[2] != "is" || f[3] != "running" || f[5] != "since" {
		return holder{}, false
	}
	pid, err := strconv.Atoi(f[1])
	if err != nil || pid <= 0 {
		return holder{}, false
	}
	since, err := time.Parse(time.RFC3339Nano, f[6]) // also reads older records' whole seconds
	if err != nil {
		return holder{}, false
	}
	return holder{pid: pid, op: f[4], since: since}, true
}
