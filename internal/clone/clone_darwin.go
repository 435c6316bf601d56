package clone

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// cloneFile makes dst (which must not exist) an APFS clone of src.
func cloneFile(src, dst string) (bool, error) {
	if err := unix.Clonefile(src, dst, unix.CLONE_NOFOLLOW); err != nil {
		return false, fmt.Errorf("%w: %w", errNoClone, err)
	}
	return true, nil
}
