package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// Reserved source ports this client binds when it runs as root: below the
// range Linux's RPC client takes for the guest's own mount (665 to 1023,
// sunrpc's min_resvport and max_resvport).
const (
	firstPort = 512
	lastPort  = 664
)

// dialer connects to the server, from reserved source ports when it can
// bind them (root), else from any port.
type dialer struct {
	addr     string
	reserved bool

	mu   sync.Mutex
	next int
}

func newDialer(addr string) *dialer {
	return &dialer{addr: addr, reserved: os.Geteuid() == 0, next: firstPort}
}

// dial connects within timeout. From reserved ports it tries each port of
// the range at most once before giving up.
func (d *dialer) dial(timeout time.Duration) (*net.TCPConn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if !d.reserved {
		return d.dialFrom(ctx, 0)
	}
	var last error
	for range lastPort - firstPort + 1 {
		c, err := d.dialFrom(ctx, d.port())
		// A port still in use, or whose last connection to the server
		// lingers in TIME_WAIT, is skipped.
		if err == nil || !(errors.Is(err, syscall.EADDRINUSE) || errors.Is(err, syscall.EADDRNOTAVAIL)) {
			return c, err
		}
		last = err
	}
	return nil, fmt.Errorf("no free reserved port: %w", last)
}

func (d *dialer) port() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.next
	if d.next++; d.next > lastPort {
		d.next = firstPort
	}
	return p
}

func (d *dialer) dialFrom(ctx context.Context, port int) (*net.TCPConn, error) {
	nd := net.Dialer{
		LocalAddr: &net.TCPAddr{Port: port},
		Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
			})
			return errors.Join(err, serr)
		},
	}
	c, err := nd.DialContext(ctx, "tcp", d.addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s from port %d: %w", d.addr, port, err)
	}
	return c.(*net.TCPConn), nil
}

// reset closes c with a RST rather than a FIN, so that neither side keeps
// the connection in TIME_WAIT and the source port can be used again at once.
func reset(c *net.TCPConn) {
	c.SetLinger(0)
	c.Close()
}

// closedByServer reports whether the server closes c (EOF or a reset)
// within timeout, reading and discarding whatever it answers first.
func closedByServer(c *net.TCPConn, timeout time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			var nerr net.Error
			return !(errors.As(err, &nerr) && nerr.Timeout())
		}
	}
}
