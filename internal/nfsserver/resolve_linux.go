package nfsserver

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// beneathNoSymlinks is openat2's resolution for the one-step lookup: stay
// below the directory and follow no symlink at all (the fallback, os.Root,
// follows those that stay inside the share).
const beneathNoSymlinks = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS

// openBeneath opens name below dir with openat2 (Linux 5.6). Only ENOENT
// and ENOTDIR are final: with no symlink on the way they are what the walk
// would find too. Anything else (ELOOP for a symlink, ENOSYS on an older
// kernel, EPERM from a seccomp filter, a mode openat2 does not take) goes to
// os.Root, so that it decides and words every other error.
func openBeneath(dir *os.File, name string, flag int, perm os.FileMode) (*os.File, bool, error) {
	if perm&^os.ModePerm != 0 {
		return nil, false, nil
	}
	how := unix.OpenHow{Flags: uint64(flag | unix.O_CLOEXEC), Resolve: beneathNoSymlinks}
	if flag&os.O_CREATE != 0 {
		how.Mode = uint64(perm)
	}
	fd, err := openat2(dir, name, &how)
	if err != nil {
		return nil, final(err), pathError("openat2", name, err)
	}
	return os.NewFile(uintptr(fd), name), true, nil
}

// statBeneath stats name below dir: an O_PATH descriptor, fstat, close.
// With lstat a final symlink is described itself (O_PATH|O_NOFOLLOW opens
// the link); without, it is left to os.Root (ELOOP), which follows it.
func statBeneath(dir *os.File, name string, lstat bool) (os.FileInfo, bool, error) {
	flags := unix.O_PATH | unix.O_CLOEXEC
	if lstat {
		flags |= unix.O_NOFOLLOW
	}
	fd, err := openat2(dir, name, &unix.OpenHow{Flags: uint64(flags), Resolve: beneathNoSymlinks})
	if err != nil {
		return nil, final(err), pathError("openat2", name, err)
	}
	// The name makes FileInfo.Name() the base name, as os.Root's Lstat.
	f := os.NewFile(uintptr(fd), filepath.Base(name))
	fi, err := f.Stat()
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return nil, false, nil // let the walk try and word it
	}
	return fi, true, nil
}

// openat2 calls openat2 on dir's descriptor, retrying EINTR.
func openat2(dir *os.File, name string, how *unix.OpenHow) (fd int, err error) {
	rc, err := dir.SyscallConn()
	if err != nil {
		return -1, err
	}
	cerr := rc.Control(func(dirfd uintptr) {
		for {
			fd, err = unix.Openat2(int(dirfd), name, how)
			if !errors.Is(err, unix.EINTR) {
				return
			}
		}
	})
	if cerr != nil {
		return -1, cerr
	}
	return fd, err
}

// final tells whether a one-step lookup's error is the answer.
func final(err error) bool {
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR)
}

// pathError wraps a one-step error as os.Root would, so that go-nfs's
// os.IsNotExist sees it.
func pathError(op, name string, err error) error {
	return &os.PathError{Op: op, Path: name, Err: err}
}
