package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// openPTY opens a pty master and returns it with its slave's path
// (/dev/ttysN), as the supervisor does (posix_openpt, grantpt, unlockpt and
// ptsname) to give the fake its stdio console. Fd puts the master in
// blocking mode, which suits the tests: a reader goroutine with a timeout.
func openPTY() (*os.File, string, error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, "", fmt.Errorf("open pty master: %w", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetInt(fd, unix.TIOCPTYGRANT, 0); err != nil {
		m.Close()
		return nil, "", fmt.Errorf("grant pty: %w", err)
	}
	if err := unix.IoctlSetInt(fd, unix.TIOCPTYUNLK, 0); err != nil {
		m.Close()
		return nil, "", fmt.Errorf("unlock pty: %w", err)
	}
	// TIOCPTYGNAME fills a 128-byte buffer with the NUL-terminated name;
	// x/sys/unix has no wrapper for an ioctl that returns a buffer.
	var name [128]byte
	//lint:ignore SA1019 x/sys/unix has no ioctl wrapper that hands back a buffer; its raw ioctl is the only way short of cgo
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.TIOCPTYGNAME), uintptr(unsafe.Pointer(&name[0]))); errno != 0 {
		m.Close()
		return nil, "", fmt.Errorf("pty name: %w", errno)
	}
	n := bytes.IndexByte(name[:], 0)
	if n <= 0 {
		m.Close()
		return nil, "", errors.New("pty name: no NUL-terminated name returned")
	}
	return m, string(name[:n]), nil
}
