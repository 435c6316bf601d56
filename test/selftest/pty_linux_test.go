//go:build selftest

package selftest

// The selftests' terminals: the ptys they hand the stand-in (as its stdout,
// or as its stdio console on fd 0, as the supervisor does) and read back.

import (
	"bytes"
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// lockedBuf collects output written from several goroutines.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// openTestPTY opens a new pty pair, as the supervisor's openPTY does: the
// master and its slave, both without becoming a controlling terminal. The
// master is non-blocking, so that closing it ends a pending read.
func openTestPTY() (master, slave *os.File, err error) {
	m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("open pty: %w", err)
	}
	master = os.NewFile(uintptr(m), "/dev/ptmx")
	if err := unix.IoctlSetPointerInt(m, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetInt(m, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("name pty: %w", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, slave, nil
}

// termios runs f on the terminal's settings through the raw descriptor
// (Fd would change the file's blocking mode, which a child shares).
func termios(file *os.File, f func(fd int) error) error {
	rc, err := file.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// rawTerminal puts a terminal into raw mode (cfmakeraw): no echo, no
// CR/LF mapping, so what a program writes arrives byte for byte.
func rawTerminal(file *os.File) error {
	return termios(file, func(fd int) error {
		tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err != nil {
			return err
		}
		makeRawTermios(tio)
		return unix.IoctlSetTermios(fd, unix.TCSETS, tio)
	})
}

func makeRawTermios(tio *unix.Termios) {
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	tio.Cc[unix.VMIN], tio.Cc[unix.VTIME] = 1, 0
}

// getTermios reads a terminal's settings.
func getTermios(file *os.File) (*unix.Termios, error) {
	var tio *unix.Termios
	err := termios(file, func(fd int) (err error) { tio, err = unix.IoctlGetTermios(fd, unix.TCGETS); return err })
	return tio, err
}

// copyPTY copies what arrives on a pty master into b until the master
// reports the hang-up (EIO: no slave open any more) or is closed.
func copyPTY(master *os.File, b *lockedBuf) {
	buf := make([]byte, 4096)
	for {
		n, err := master.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return
		}
	}
}
