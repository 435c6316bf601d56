//go:build linux

package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
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
	mu      sync.Mutex
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

// openPTY allocates a pseudo-terminal. It returns the master fd (non-blocking)
// and the slave path; the slave is opened once to put it into raw mode (no
// echo, no CR/LF mangling: the guest's own tty layer does that) and kept open
// so the master never sees a hang-up while no reader is attached.
func openPTY() (master int, slavePath string, slave int, err error) {
	master, err = unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return -1, "", -1, fmt.Errorf("error opening /dev/ptmx char device: %w", err)
	}
	if err = unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(master)
		return -1, "", -1, fmt.Errorf("error unlocking slave pseudo terminal: %w", err)
	}
	n, err := unix.IoctlGetInt(master, unix.TIOCGPTN)
	if err != nil {
		unix.Close(master)
		return -1, "", -1, fmt.Errorf("ptsname: %w", err)
	}
	slavePath = fmt.Sprintf("/dev/pts/%d", n)
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

// restoreStdio puts the terminal back the way it was (the real binaries do
// this in an atexit handler).
func restoreStdio() {
	if stdinSaved != nil {
		unix.IoctlSetTermios(0, unix.TCSETS, stdinSaved)
		stdinSaved = nil
	}
}

// setupCOM applies the -l backend for one port. It prints the
// "COMn connected to /dev/pts/N" line(s) on stdout at once.
func setupCOM(d Dialect, name string, backend *string) (*comPort, error) {
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
	if d == DialectHyperkit {
		items = strings.Split(*backend, ",")
	} else {
		items = []string{*backend}
	}
	for _, it := range items {
		switch {
		case d == DialectHyperkit && it == "null":
			// discard
		case it == "stdio" && !stdioTaken:
			stdioTaken = true
			if t, err := unix.IoctlGetTermios(0, unix.TCGETS); err == nil {
				stdinSaved = t
				makeRaw(0)
				// the real UART writes to the tty it reads from (fd 0)
				p.sinks = append(p.sinks, fdSink{0})
			} else {
				p.sinks = append(p.sinks, fileSink{os.Stdout})
			}
			p.sources = append(p.sources, 0)
		case it == "autopty" || (d == DialectHyperkit && strings.HasPrefix(it, "autopty=")):
			master, slavePath, slave, err := openPTY()
			if err != nil {
				return fail(err)
			}
			p.closers = append(p.closers, func() { unix.Close(master); unix.Close(slave) })
			os.Stdout.WriteString(fmt.Sprintf("%s connected to %s\n", name, slavePath))
			if link, ok := strings.CutPrefix(it, "autopty="); ok && link != "" {
				if err := os.Remove(link); err != nil && !errors.Is(err, os.ErrNotExist) {
					return fail(fmt.Errorf("unlinking autopty file: %w", err))
				}
				if err := os.Symlink(slavePath, link); err != nil {
					return fail(fmt.Errorf("symlinking autopty file: %w", err))
				}
			}
			p.sinks = append(p.sinks, fdSink{master})
			p.sources = append(p.sources, master)
		case d == DialectHyperkit && strings.HasPrefix(it, "log="):
			path := strings.TrimPrefix(it, "log=")
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0644)
			if err != nil {
				return fail(err)
			}
			p.closers = append(p.closers, func() { f.Close() })
			p.sinks = append(p.sinks, fileSink{f})
		case d == DialectHyperkit && it == "asl":
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
