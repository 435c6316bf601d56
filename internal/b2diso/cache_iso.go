package b2diso

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotRegular reports an ISO path that does not name a regular file.
var ErrNotRegular = errors.New("not a regular file")

// ErrSymlink reports a machine's ISO that is a symbolic link.
var ErrSymlink = errors.New("is a symbolic link")

// ResolveCachedISO returns the file to copy for the store's cached ISO at
// path: path itself when it is a regular file, the final target when it is
// a symbolic link to one. Copying the target, never the link, keeps the
// machine's ISO a file of its own: a clone of the link itself (macOS's
// clonefile does not follow links) would make it a link too, and the
// chmod of the copy, the hypervisor running as root and `docker-machine
// upgrade` writing the machine's ISO would all reach a file outside the
// store through it. Anything but a regular file (a directory, a FIFO that
// would block the copy, a device) is ErrNotRegular.
func ResolveCachedISO(path string) (string, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return "", fmt.Errorf("cached ISO: %w", err)
	}
	if info.Mode().IsRegular() {
		return path, nil
	}
	if info.Mode()&fs.ModeSymlink == 0 {
		return "", fmt.Errorf("cached ISO %s: %w (%s)", path, ErrNotRegular, info.Mode().Type())
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("cached ISO %s is a link that does not resolve: %w", path, err)
	}
	tinfo, err := os.Lstat(target)
	if err != nil {
		return "", fmt.Errorf("cached ISO %s: %w", path, err)
	}
	if !tinfo.Mode().IsRegular() {
		return "", fmt.Errorf("cached ISO %s links to %s: %w (%s)", path, target, ErrNotRegular, tinfo.Mode().Type())
	}
	return target, nil
}

// CheckMachineISO refuses a machine's ISO at path that is a symbolic link
// (ErrSymlink) or not a regular file (ErrNotRegular): the driver put a file
// of its own there, and the hypervisor, which runs as root, would open a
// link's target, as `docker-machine upgrade` would write it.
func CheckMachineISO(path string) error {
	info, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("machine ISO: %w", err)
	}
	switch {
	case info.Mode().IsRegular():
		return nil
	case info.Mode()&fs.ModeSymlink != 0:
		target, _ := os.Readlink(path)
		return fmt.Errorf("machine ISO %s %w (to %s); the driver never boots or writes through one: replace it with a copy of the file", path, ErrSymlink, target)
	default:
		return fmt.Errorf("machine ISO %s: %w (%s)", path, ErrNotRegular, info.Mode().Type())
	}
}
