package nfsserver

import (
	"errors"
	"net"
	"sync"
)

// guardedListener hands go-nfs only the connections that pass check, and
// keeps the accepted ones so that shutdown can close them: go-nfs closes
// neither on its own when the server stops.
type guardedListener struct {
	net.Listener
	check func(net.Addr) error
	logf  func(string, ...any)

	mu     sync.Mutex
	conns  map[*guardedConn]struct{}
	closed bool
}

func newGuardedListener(l net.Listener, check func(net.Addr) error, logf func(string, ...any)) *guardedListener {
	return &guardedListener{Listener: l, check: check, logf: logf, conns: make(map[*guardedConn]struct{})}
}

// Accept returns the next allowed connection; refused ones are closed at
// once and logged with the reason.
func (g *guardedListener) Accept() (net.Conn, error) {
	for {
		c, err := g.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if err := g.check(c.RemoteAddr()); err != nil {
			g.logf("nfs: refused connection from %s: %v", c.RemoteAddr(), err)
			g.closeConn(c)
			continue
		}
		gc := &guardedConn{Conn: c, l: g}
		g.mu.Lock()
		if g.closed {
			g.mu.Unlock()
			g.closeConn(c)
			return nil, net.ErrClosed
		}
		g.conns[gc] = struct{}{}
		g.mu.Unlock()
		g.logf("nfs: accepted connection from %s", c.RemoteAddr())
		return gc, nil
	}
}

func (g *guardedListener) closeConn(c net.Conn) {
	if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		g.logf("nfs: close connection from %s: %v", c.RemoteAddr(), err)
	}
}

// shutdown closes the listener and every connection still open.
func (g *guardedListener) shutdown() {
	g.mu.Lock()
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

// Close closes the connection once and forgets it.
func (c *guardedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
		c.err = c.Conn.Close()
		c.l.logf("nfs: connection from %s closed", c.RemoteAddr())
	})
	return c.err
}
