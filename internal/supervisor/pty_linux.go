package supervisor

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// unlockPTY unlocks the pty master fd and returns its slave's path (what
// unlockpt and ptsname do; devpts makes the slave the caller's already).
func unlockPTY(fd int) (string, error) {
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		return "", fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		return "", fmt.Errorf("name pty: %w", err)
	}
	return fmt.Sprintf("/dev/pts/%d", n), nil
}
