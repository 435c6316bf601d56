// Package clone copies files as cheaply as the file system allows: a clone
// that shares the original's blocks (APFS clonefile, XFS and Btrfs
// FICLONE) costs no space until one of them is written; elsewhere, a plain
// copy.
package clone

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// File makes dst a copy of src with mode perm and reports whether it is a
// clone. dst appears whole or not at all: it is written under a temporary
// name beside it and renamed.
func File(src, dst string, perm os.FileMode) (cloned bool, err error) {
	tmp := filepath.Join(filepath.Dir(dst), fmt.Sprintf(".%s.clone-%d", filepath.Base(dst), os.Getpid()))
	os.Remove(tmp)       // left by a crash of this very pid: never someone else's
	defer os.Remove(tmp) // no-op after the rename
	cloned, err = cloneFile(src, tmp)
	if err != nil {
		if err := copyFile(src, tmp); err != nil {
			return false, err
		}
	}
	if err := os.Chmod(tmp, perm); err != nil {
		return false, fmt.Errorf("chmod %s: %w", dst, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return false, fmt.Errorf("replace %s: %w", dst, err)
	}
	return cloned, nil
}

func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("copy %s: %w", src, cerr)
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return out.Sync()
}

// errNoClone reports a file system that cannot clone.
var errNoClone = errors.New("this file system cannot clone files")
