package nfsserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"
)

// DefaultListenInterval is the wait between binding attempts of Listen
// when it is given no positive interval.
const DefaultListenInterval = 250 * time.Millisecond

// ErrNoDeadline reports a Listen call whose context has no deadline.
var ErrNoDeadline = errors.New("context has no deadline")

// Listen binds a TCP listener on addr ("192.168.64.1:0" for any free port,
// or a fixed port), retrying every interval while the address does not
// exist yet (EADDRNOTAVAIL): on macOS the vmnet bridge that carries the
// host's address appears only once the first vmnet VM runs. Any other
// error ends it at once. ctx must have a deadline, which bounds the wait.
// The caller reads the chosen port from the listener's Addr.
func Listen(ctx context.Context, addr string, interval time.Duration) (net.Listener, error) {
	var lc net.ListenConfig
	return listenRetry(ctx, addr, interval, func(ctx context.Context) (net.Listener, error) {
		return lc.Listen(ctx, "tcp", addr)
	})
}

func listenRetry(ctx context.Context, addr string, interval time.Duration, listen func(context.Context) (net.Listener, error)) (net.Listener, error) {
	if _, ok := ctx.Deadline(); !ok {
		return nil, fmt.Errorf("listen on %s: %w", addr, ErrNoDeadline)
	}
	if interval <= 0 {
		interval = DefaultListenInterval
	}
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		l, err := listen(ctx)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, syscall.EADDRNOTAVAIL) {
			return nil, fmt.Errorf("listen on %s: %w", addr, err)
		}
		t.Reset(interval)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("listen on %s: address never appeared: %w: %w", addr, ctx.Err(), err)
		case <-t.C:
		}
	}
}
