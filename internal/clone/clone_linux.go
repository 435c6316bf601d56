package clone

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// cloneFile makes dst (which must not exist) a FICLONE of src, which XFS
// (reflink=1) and Btrfs support; others answer EOPNOTSUPP or EXDEV.
func cloneFile(src, dst string) (bool, error) {
	in, err := os.Open(src)
	if err != nil {
		return false, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return false, err
	}
	cerr := unix.IoctlFileClone(int(out.Fd()), int(in.Fd()))
	if err := out.Close(); cerr == nil && err != nil {
		cerr = err
	}
	if cerr != nil {
		os.Remove(dst)
		return false, fmt.Errorf("%w: %w", errNoClone, cerr)
	}
	return true, nil
}
