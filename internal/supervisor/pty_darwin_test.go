package supervisor

import (
	"bytes"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ptsName grants and unlocks the pty master m and returns its slave's path
// (what grantpt, unlockpt and ptsname do on macOS).
func ptsName(m *os.File) (string, error) {
	for _, req := range []uint{unix.TIOCPTYGRANT, unix.TIOCPTYUNLK} {
		if err := unix.IoctlSetInt(int(m.Fd()), req, 0); err != nil {
			return "", fmt.Errorf("prepare pty: %w", err)
		}
	}
	var name [128]byte
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, m.Fd(), uintptr(unix.TIOCPTYGNAME), uintptr(unsafe.Pointer(&name[0]))); errno != 0 {
		return "", fmt.Errorf("ptsname: %w", errno)
	}
	return string(name[:bytes.IndexByte(name[:], 0)]), nil
}
