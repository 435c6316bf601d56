package supervisor

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// consoleDrain is how long the console is still read after the hypervisor
// exited: what the guest wrote last is in the pty's buffer, and a child of
// the hypervisor that still holds the slave must not hold the boot's end.
const consoleDrain = 2 * time.Second

// openPTY opens the pty pair of one boot. The supervisor keeps the master
// and hands the slave to the hypervisor as its stdin, its COM1 (-l
// com1,stdio), so the pty is the supervisor's user's whoever the
// hypervisor runs as (a pty a setuid-root hypervisor makes is root's, mode
// 0620: docs/facts.md §3). Both ends are close-on-exec (os.OpenFile's
// default): the slave reaches the hypervisor only as fd 0, the master never.
// The slave is raw: with echo on the guest would read back its own output.
func openPTY() (master, slave *os.File, err error) {
	// O_NOCTTY: the supervisor leads a session without a terminal; no pty
	// may become its controlling one.
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("open pty: %w", err)
	}
	fail := func(err error) (*os.File, *os.File, error) {
		master.Close()
		if slave != nil {
			slave.Close()
		}
		return nil, nil, err
	}
	// Through the raw descriptor: Fd would put the master in blocking mode,
	// and the console's deadline needs the poller.
	rc, err := master.SyscallConn()
	if err != nil {
		return fail(fmt.Errorf("open pty: %w", err))
	}
	var name string
	var unlockErr error
	if err := rc.Control(func(fd uintptr) { name, unlockErr = unlockPTY(int(fd)) }); err != nil {
		return fail(fmt.Errorf("open pty: %w", err))
	}
	if unlockErr != nil {
		return fail(unlockErr)
	}
	if slave, err = os.OpenFile(name, os.O_RDWR|unix.O_NOCTTY, 0); err != nil {
		return fail(fmt.Errorf("open pty slave: %w", err))
	}
	if _, err := term.MakeRaw(int(slave.Fd())); err != nil {
		return fail(fmt.Errorf("set pty %s raw: %w", name, err))
	}
	return master, slave, nil
}

// consoleCopy copies what the guest writes to COM1 from the pty master into
// the console log, and counts it.
type consoleCopy struct {
	master *os.File
	out    io.Writer
	n      atomic.Int64
	// stopped is set once the boot is over: a copy still blocked then (a
	// read the deadline cannot end) writes nothing more.
	stopped atomic.Bool
	done    chan struct{}
	once    sync.Once
}

// copyConsole starts copying master into out.
func copyConsole(master *os.File, out io.Writer) *consoleCopy {
	c := &consoleCopy{master: master, out: out, done: make(chan struct{})}
	go c.run()
	return c
}

func (c *consoleCopy) run() {
	defer close(c.done)
	buf := make([]byte, 32<<10)
	for {
		n, err := c.master.Read(buf)
		if n > 0 && !c.stopped.Load() {
			c.n.Add(int64(n))
			c.out.Write(buf[:n])
		}
		// Once the slave's last holder closed it, Linux gives EIO and
		// macOS EOF, each after what was still buffered.
		if err != nil {
			return
		}
	}
}

// Bytes is how much the guest wrote so far.
func (c *consoleCopy) Bytes() int64 { return c.n.Load() }

// Finish ends the copy after the hypervisor exited and closes the master.
// What was buffered is read first; a child of the hypervisor that holds the
// slave still cuts it short after drain. It reports whether the copy ended
// in time (false: it was abandoned and writes nothing more).
func (c *consoleCopy) Finish(drain time.Duration) bool {
	ended := true
	c.once.Do(func() {
		// Without the poller (no deadline) only the hangup ends the read.
		_ = c.master.SetReadDeadline(time.Now().Add(drain))
		timer := time.NewTimer(drain + 500*time.Millisecond)
		defer timer.Stop()
		select {
		case <-c.done:
		case <-timer.C:
			ended = false
		}
		c.stopped.Store(true)
		c.master.Close()
	})
	return ended
}
