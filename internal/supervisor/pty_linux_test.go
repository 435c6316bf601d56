package supervisor

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// ptsName unlocks the pty master m and returns its slave's path.
func ptsName(m *os.File) (string, error) {
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		return "", fmt.Errorf("unlockpt: %w", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		return "", fmt.Errorf("ptsname: %w", err)
	}
	return fmt.Sprintf("/dev/pts/%d", n), nil
}
