// Package lockfile takes advisory locks (flock(2), through gofrs/flock) with
// a deadline: every lock the driver takes ends in either the lock or an error
// that says who to wait for, never in a hang.
package lockfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gofrs/flock"
)

// ErrTimeout reports that a lock stayed held by someone else until the
// deadline.
var ErrTimeout = errors.New("lock is held by another process")

// Lock is a held lock; Unlock releases it.
type Lock struct {
	f *flock.Flock
}

// Unlock releases the lock. Closing the descriptor (also at process exit)
// releases it too, so a crashed holder never keeps it.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	return l.f.Unlock()
}

// Options tune a lock.
type Options struct {
	// Timeout bounds the wait; Interval is the polling period (100 ms when 0).
	Timeout, Interval time.Duration
	// Flag and Perm open the lock file. O_NOFOLLOW is always added: a
	// planted symlink never makes the driver open (or create) its target.
	Flag int
	Perm os.FileMode
}

// File locks the regular file at path, creating it (mode perm) when
// O_CREATE is in opts.Flag.
func File(path string, opts Options) (*Lock, error) {
	return take(path, opts)
}

// Dir locks the directory at path (resolving symlinks in the path first, as
// macOS's /etc is one, and opening the result without following any).
// Locking a directory needs only read access and creates nothing, so it
// serves as a lock shared by every user for a file in a directory only root
// may write, such as /etc/exports.
func Dir(path string, opts Options) (*Lock, error) {
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("resolve lock directory %s: %w", path, err)
	}
	opts.Flag = os.O_RDONLY | syscall.O_DIRECTORY
	return take(resolved, opts)
}

func take(path string, opts Options) (*Lock, error) {
	if opts.Interval <= 0 {
		opts.Interval = 100 * time.Millisecond
	}
	if opts.Perm == 0 {
		opts.Perm = 0o600
	}
	f := flock.New(path, flock.SetFlag(opts.Flag|syscall.O_NOFOLLOW), flock.SetPermissions(opts.Perm))
	ctx, cancel := context.WithTimeout(context.Background(), opts.Timeout)
	defer cancel()
	ok, err := f.TryLockContext(ctx, opts.Interval)
	switch {
	case ok:
		return &Lock{f: f}, nil
	case errors.Is(err, syscall.ELOOP):
		return nil, fmt.Errorf("lock %s: it is a symbolic link, which is never followed; remove it", path)
	case err != nil && !errors.Is(err, context.DeadlineExceeded):
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return nil, fmt.Errorf("lock %s: %w (waited %s)", path, ErrTimeout, opts.Timeout)
}
