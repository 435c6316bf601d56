//go:build darwin || linux

package nfsserver

import (
	"errors"
	"os"
	"syscall"
)

// fsyncFile flushes f with fsync(2). On macOS that is what its nfsd does
// for a stable write or a COMMIT (VNOP_FSYNC, the data on the drive); Go's
// File.Sync there asks for F_FULLFSYNC too, a flush of the drive's own
// cache, which costs milliseconds per call and would make a guest's untar,
// one stable write per small file, many times slower than with nfsd.
func fsyncFile(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var syncErr error
	if err := rc.Control(func(fd uintptr) {
		syncErr = ignoringEINTR(func() error { return syscall.Fsync(int(fd)) })
	}); err != nil {
		return err
	}
	return syncErr
}

// ignoringEINTR retries fn while it is interrupted by a signal.
func ignoringEINTR(fn func() error) error {
	for {
		if err := fn(); !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
