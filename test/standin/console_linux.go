//go:build linux

package main

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/xhyveargv"
)

// comPort is one emulated UART (COM1/COM2) and where its traffic goes.
// The guest side is a QEMU socket chardev that connects to us; the host side
// is a list of sinks (pty master, log file, stdio, a tty device) and sources
// (pty master, stdin, the tty device) chosen by the -l backend.
type comPort struct {
	name    string // "COM1"
	sinks   []sink
	sources []int // fds to read keyboard input from
	guest   net.Conn
	closers []func()
}

type sink interface {
	Write(p []byte)
}

// fdSink writes without blocking and drops what does not fit, like the real
// UART emulation which ignores write errors on its non-blocking tty fd.
type fdSink struct{ fd int }

// Write writes all of p, retrying on EINTR; a closed reader drops it.
func (s fdSink) Write(p []byte) {
	for len(p) > 0 {
		n, err := unix.Write(s.fd, p)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			return
		}
		p = p[n:]
	}
}

// fileSink writes (blocking) to an ordinary file or stdout.
type fileSink struct{ f *os.File }

// Write appends p to the file.
func (s fileSink) Write(p []byte) { s.f.Write(p) }

// openPTY allocates a pseudo-terminal as posix_openpt + grantpt + unlockpt
// do on macOS. It returns the master fd (non-blocking) and the slave path;
// the slave is opened once to put it into raw mode (no echo, no CR/LF
// mangling: the guest's own tty layer does that) and kept open so the
// master never sees a hang-up while no reader is attached.
//
// Ownership follows macOS's grantpt (docs/facts.md §3): the slave belongs
// to the EFFECTIVE uid, group tty, mode 0620. Linux devpts already gives a
// new pty the fsuid (= euid) and fsgid of whoever opened /dev/ptmx, with
// the mode of the mount's mode= option (often 0600): the stand-in only
// sets the group (when it may) and the mode, and never chowns the pty to
// the real uid, so a setuid-root stand-in's pty is root's and its user
// cannot open it, as with the real binaries.
func openPTY() (master int, slavePath string, slave int, err error) {
	master, err = unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return -1, "", -1, fmt.Errorf("error opening /dev/ptmx char device: %w", err)
	}
	n, err := unix.IoctlGetInt(master, unix.TIOCGPTN)
	if err != nil {
		unix.Close(master)
		return -1, "", -1, fmt.Errorf("ptsname: error getting name for slave pseudo terminal: %w", err)
	}
	slavePath = fmt.Sprintf("/dev/pts/%d", n)
	if err = grantPTY(slavePath); err != nil {
		unix.Close(master)
		return -1, "", -1, fmt.Errorf("error setting up ownership and permissions on slave pseudo terminal: %w", err)
	}
	if err = unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(master)
		return -1, "", -1, fmt.Errorf("error unlocking slave pseudo terminal, to allow its usage: %w", err)
	}
	slave, err = unix.Open(slavePath, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(master)
		return -1, "", -1, err
	}
	if err = makeRaw(slave); err != nil {
		unix.Close(master)
		unix.Close(slave)
		return -1, "", -1, err
	}
	return master, slavePath, slave, nil
}

// ttyGroup is the gid of group "tty", or -1.
func ttyGroup() int {
	if g, err := user.LookupGroup("tty"); err == nil {
		if gid, err := strconv.Atoi(g.Gid); err == nil {
			return gid
		}
	}
	return -1
}

// grantPTY is grantpt(3) as macOS does it: group tty and mode 0620; the
// owner stays the one devpts gave it (the opener's fsuid, i.e. euid).
func grantPTY(path string) error {
	if gid := ttyGroup(); gid >= 0 {
		unix.Chown(path, -1, gid) // allowed for root or a member of tty
	}
	return unix.Chmod(path, 0620)
}

// makeRaw is cfmakeraw(3) plus CLOCAL, as the real ttyopen() does.
func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8 | unix.CLOCAL
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}

var stdioTaken bool
var stdinSaved *unix.Termios

// restoreStdio puts the terminal back the way it was: the real binaries
// do this in an atexit handler (ttyclose), so it happens at exit(3) only,
// not when a signal kills the process.
func restoreStdio() {
	if stdinSaved != nil {
		unix.IoctlSetTermios(0, unix.TCSETS, stdinSaved)
		stdinSaved = nil
	}
}

// setupCOM applies the -l backend for one port (uart_set_backend). The
// "linkname"/"COMn connected to" lines go to the C-buffered stdout.
func setupCOM(d xhyveargv.Dialect, name string, backend *string) (*comPort, error) {
	p := &comPort{name: name}
	if backend == nil {
		return p, nil // UART present, output dropped
	}
	fail := func(err error) (*comPort, error) {
		p.close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		return nil, fmt.Errorf("Unable to initialize backend '%s' for LPC device %s", *backend, name)
	}
	var items []string
	if d == xhyveargv.Hyperkit {
		items = strings.Split(*backend, ",")
	} else {
		items = []string{*backend}
	}
	for _, it := range items {
		switch {
		case d == xhyveargv.Hyperkit && it == "null":
			// discard
		case it == "stdio" && !stdioTaken:
			// The UART reads AND writes fd 0 (tty.fd = STDIN_FILENO),
			// made non-blocking; if fd 0 is a terminal it is put into raw
			// mode and restored at exit. fd 1 is not used by the console.
			stdioTaken = true
			if err := unix.SetNonblock(0, true); err != nil {
				return fail(nil)
			}
			if t, err := unix.IoctlGetTermios(0, unix.TCGETS); err == nil {
				stdinSaved = t
				makeRaw(0)
				atexit(restoreStdio)
			}
			p.sinks = append(p.sinks, fdSink{0})
			p.sources = append(p.sources, 0)
		case (it == "autopty" && d != xhyveargv.Xhyve020) || (d == xhyveargv.Hyperkit && strings.HasPrefix(it, "autopty=")):
			link, hasLink := strings.CutPrefix(it, "autopty=")
			if d == xhyveargv.Hyperkit {
				// printed before the pty exists; "(null)" is what macOS's
				// printf makes of hyperkit's NULL linkname for plain autopty
				if !hasLink {
					link = "(null)"
				}
				stdout.Printf("linkname %s\n", link)
			}
			master, slavePath, slave, err := openPTY()
			if err != nil {
				return fail(err)
			}
			p.closers = append(p.closers, func() { unix.Close(master); unix.Close(slave) })
			stdout.Printf("%s connected to %s\n", name, slavePath)
			if hasLink {
				if err := writeAutoptyFile(link, slavePath); err != nil {
					return fail(err)
				}
			}
			p.sinks = append(p.sinks, fdSink{master})
			p.sources = append(p.sources, master)
		case d == xhyveargv.Hyperkit && strings.HasPrefix(it, "log="):
			path := strings.TrimPrefix(it, "log=")
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0644)
			if err != nil {
				return fail(err)
			}
			p.closers = append(p.closers, func() { f.Close() })
			p.sinks = append(p.sinks, fileSink{f})
		case d == xhyveargv.Hyperkit && it == "asl":
			// Apple System Log: nothing to do on Linux
		default:
			// a tty device path
			fd, err := unix.Open(it, unix.O_RDWR|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
			if err != nil {
				return fail(nil)
			}
			if _, err := unix.IoctlGetTermios(fd, unix.TCGETS); err != nil {
				unix.Close(fd)
				return fail(nil)
			}
			makeRaw(fd)
			p.closers = append(p.closers, func() { unix.Close(fd) })
			p.sinks = append(p.sinks, fdSink{fd})
			p.sources = append(p.sources, fd)
		}
	}
	return p, nil
}

// writeAutoptyFile is hyperkit's autopty=PATH since commit 4aad16e
// (v0.20200908 and later): whatever is at PATH is unlinked, then PATH is
// created as a REGULAR file (mode 0644 less the umask) holding the pty's
// name without a newline. It is not a symlink.
func writeAutoptyFile(path, ptyName string) error {
	if err := unix.Unlink(path); err != nil && err != unix.ENOENT {
		return fmt.Errorf("unlinking autopty file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0644)
	if err != nil {
		return fmt.Errorf("creating autopty file: %w", err)
	}
	f.WriteString(ptyName) // errors ignored, as the real (void) write
	f.Close()
	return nil
}

func (p *comPort) close() {
	for _, c := range p.closers {
		c()
	}
	p.closers = nil
}

// attach connects the guest side and starts relaying in both directions.
func (p *comPort) attach(conn net.Conn) {
	p.guest = conn
	go func() {
		buf := make([]byte, 32*1024)
		for {
			n, err := conn.Read(buf)
			if n > 0 {
				for _, s := range p.sinks {
					s.Write(buf[:n])
				}
			}
			if err != nil {
				return
			}
		}
	}()
	for _, fd := range p.sources {
		go p.pump(fd)
	}
}

// pump copies host input (keyboard) from fd to the guest UART.
func (p *comPort) pump(fd int) {
	buf := make([]byte, 4096)
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			return
		}
		n, err := unix.Read(fd, buf)
		if n > 0 {
			if _, werr := p.guest.Write(buf[:n]); werr != nil {
				return
			}
			continue
		}
		if err == unix.EAGAIN || err == unix.EINTR {
			continue
		}
		if err == unix.EIO || n == 0 {
			// stdin at EOF, or a tty hang-up: stop reading it
			if fd == 0 || n == 0 {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
