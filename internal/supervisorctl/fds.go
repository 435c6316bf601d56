package supervisorctl

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// CloseOnExecAbove marks every open descriptor above min close-on-exec, so
// that the next exec passes on only what it is given explicitly. Go opens
// its own files close-on-exec, but descriptors inherited from the parent
// are not (that is why they were inherited). /dev/fd lists a process's open
// descriptors on macOS and Linux alike.
func CloseOnExecAbove(min int) error {
	dir, err := os.Open("/dev/fd")
	if err != nil {
		return fmt.Errorf("list open descriptors: %w", err)
	}
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return fmt.Errorf("list open descriptors: %w", err)
	}
	for _, name := range names {
		fd, err := strconv.Atoi(name)
		if err != nil || fd <= min {
			continue
		}
		// EBADF: the descriptor that listed /dev/fd, closed since.
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil && !errors.Is(err, unix.EBADF) {
			return fmt.Errorf("mark descriptor %d close-on-exec: %w", fd, err)
		}
	}
	return nil
}
