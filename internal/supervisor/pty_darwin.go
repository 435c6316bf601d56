package supervisor

import (
	"bytes"
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// unlockPTY grants and unlocks the pty master fd and returns its slave's
// path (what grantpt, unlockpt and ptsname do on macOS). grantpt makes the
// slave the caller's: the supervisor's user, not the setuid hypervisor's
// root (docs/facts.md §3).
func unlockPTY(fd int) (string, error) {
	if err := unix.IoctlSetInt(fd, unix.TIOCPTYGRANT, 0); err != nil {
		return "", fmt.Errorf("grant pty: %w", err)
	}
	if err := unix.IoctlSetInt(fd, unix.TIOCPTYUNLK, 0); err != nil {
		return "", fmt.Errorf("unlock pty: %w", err)
	}
	// TIOCPTYGNAME fills a 128-byte buffer with the NUL-terminated name;
	// x/sys/unix has no wrapper for an ioctl that returns a buffer.
	var name [128]byte
	//lint:ignore SA1019 x/sys/unix has no ioctl wrapper that hands back a buffer; its raw ioctl is the only way short of cgo
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.TIOCPTYGNAME), uintptr(unsafe.Pointer(&name[0]))); errno != 0 {
		return "", fmt.Errorf("name pty: %w", errno)
	}
	n := bytes.IndexByte(name[:], 0)
	if n <= 0 {
		return "", errors.New("name pty: no name returned")
	}
	return string(name[:n]), nil
}
