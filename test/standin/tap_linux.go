//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// openTap creates a non-persistent tap interface called name and returns its
// file. The interface exists exactly as long as some process (the stand-in
// or QEMU, which inherits the fd) holds it open, so it disappears by itself
// however the stand-in ends, even on SIGKILL. It is then enslaved to bridge
// and brought up (the vmnet "shared" network stands behind the bridge).
func openTap(name, bridge string) (*os.File, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/net/tun: %w", err)
	}
	var ifr [unix.IFNAMSIZ + 64]byte
	copy(ifr[:unix.IFNAMSIZ-1], name)
	*(*uint16)(unsafe.Pointer(&ifr[unix.IFNAMSIZ])) = unix.IFF_TAP | unix.IFF_NO_PI
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.TUNSETIFF), uintptr(unsafe.Pointer(&ifr[0]))); errno != 0 {
		unix.Close(fd)
		return nil, fmt.Errorf("TUNSETIFF %s: %w", name, errno)
	}
	f := os.NewFile(uintptr(fd), "/dev/net/tun:"+name)
	ip := "ip"
	if p, err := exec.LookPath("ip"); err == nil {
		ip = p
	} else if _, err := os.Stat("/usr/sbin/ip"); err == nil {
		ip = "/usr/sbin/ip"
	} else if _, err := os.Stat("/sbin/ip"); err == nil {
		ip = "/sbin/ip"
	}
	out, err := exec.Command(ip, "link", "set", "dev", name, "master", bridge, "up").CombinedOutput()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("attach %s to bridge %s: %v: %s", name, bridge, err, strings.TrimSpace(string(out)))
	}
	return f, nil
}
