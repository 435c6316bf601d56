package nfsserver

import (
	"errors"
	"net"
	"sync"
	"syscall"
	"time"
)

// Accept's backoff after a temporary error such as EMFILE, as net/http's:
// the first wait is acceptBackoffMin, each next one twice as long, up to
// acceptBackoffMax. Returning the error instead would end go-nfs's Serve,
// hence the child process, and the restarted server would hand the guest
// stale handles for every file it had open.
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

// guardedListener hands go-nfs only the connections that pass check and the
// admission policy (reserved source port, connection caps), and keeps the
// accepted ones so that shutdown can close them: go-nfs closes neither on
// its own when the server stops.
type guardedListener struct {
	net.Listener
	check func(net.Addr) error
	logf  func(string, ...any)
	stop  chan struct{} // closed by shutdown: ends a backoff wait

	mu     sync.Mutex
	adm    *admission
	conns  map[*guardedConn]struct{}
	closed bool
}

func newGuardedListener(l net.Listener, check func(net.Addr) error, adm *admission, logf func(string, ...any)) *guardedListener {
	return &guardedListener{Listener: l, check: check, adm: adm, logf: logf, stop: make(chan struct{}), conns: make(map[*guardedConn]struct{})}
}

// Accept returns the next admitted connection; refused ones are closed at
// once and logged with the reason. Temporary errors are waited out.
func (g *guardedListener) Accept() (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := g.Listener.Accept()
		if err != nil {
			if !temporary(err) {
				return nil, err
			}
			delay = nextAcceptDelay(delay)
			g.logf("nfs: accept: %v; retrying in %s", err, delay)
			if !g.wait(delay) {
				return nil, net.ErrClosed
			}
			continue
		}
		delay = 0
		gc, err := g.admit(c)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				g.closeConn(c)
				return nil, err
			}
			g.logf("nfs: refused connection from %s: %v", c.RemoteAddr(), err)
			g.closeConn(c)
			continue
		}
		g.logf("nfs: accepted connection from %s", c.RemoteAddr())
		return gc, nil
	}
}

// admit checks c and keeps it as open, or says why it is refused
// (net.ErrClosed once shutdown has begun).
func (g *guardedListener) admit(c net.Conn) (*guardedConn, error) {
	if err := g.check(c.RemoteAddr()); err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, net.ErrClosed
	}
	if err := g.adm.checkPort(c.RemoteAddr()); err != nil {
		return nil, err
	}
	if err := g.adm.take(c.RemoteAddr()); err != nil {
		return nil, err
	}
	gc := &guardedConn{Conn: c, l: g}
	g.conns[gc] = struct{}{}
	return gc, nil
}

// nextAcceptDelay is the backoff that follows delay (0 before the first).
func nextAcceptDelay(delay time.Duration) time.Duration {
	return min(max(2*delay, acceptBackoffMin), acceptBackoffMax)
}

// wait sleeps for d, or until shutdown, which it reports with false.
func (g *guardedListener) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-g.stop:
		return false
	}
}

// temporary reports whether an Accept error is worth waiting out: the
// process or the system is out of descriptors or buffers, or a connection
// went away before it was accepted. Anything else (a closed listener
// above all) ends Serve.
func temporary(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ECONNABORTED, syscall.ENOBUFS, syscall.ENOMEM, syscall.EINTR, syscall.EAGAIN} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func (g *guardedListener) closeConn(c net.Conn) {
	if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		g.logf("nfs: close connection from %s: %v", c.RemoteAddr(), err)
	}
}

// shutdown closes the listener and every connection still open.
func (g *guardedListener) shutdown() {
	g.mu.Lock()
	if !g.closed {
		close(g.stop)
	}
	g.closed = true
	conns := make([]*guardedConn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	if err := g.Listener.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		g.logf("nfs: close listener %s: %v", g.Addr(), err)
	}
	for _, c := range conns {
		if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			g.logf("nfs: close connection from %s: %v", c.RemoteAddr(), err)
		}
	}
}

// open reports how many accepted connections are still open, for tests.
func (g *guardedListener) open() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

// guardedConn is an accepted connection. It closes itself when a read fails:
// go-nfs stops serving a connection after any read error but closes it only
// after a clean EOF, which would leak the descriptor of a reset one.
type guardedConn struct {
	net.Conn
	l    *guardedListener
	once sync.Once
	err  error
}

// Read reads from the connection and closes it on any error.
func (c *guardedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil {
		if cerr := c.Close(); cerr != nil && !errors.Is(cerr, net.ErrClosed) {
			c.l.logf("nfs: close connection from %s: %v", c.RemoteAddr(), cerr)
		}
	}
	return n, err
}

// NetConn returns the accepted connection, which go-nfs writes replies with
// data to in one writev (net.Buffers cannot see through the wrapper). Only
// reads need the wrapper.
func (c *guardedConn) NetConn() net.Conn {
	return c.Conn
}

// Close closes the connection once and forgets it.
func (c *guardedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.adm.release(c.RemoteAddr())
		c.l.mu.Unlock()
		c.err = c.Conn.Close()
		c.l.logf("nfs: connection from %s closed", c.RemoteAddr())
	})
	return c.err
}
