package nfsserver

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
)

func TestListenRetriesUntilAddressAppears(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	attempts := 0
	l, err := listenRetry(ctx, "192.168.64.1:0", time.Millisecond, func(ctx context.Context) (net.Listener, error) {
		attempts++
		if attempts < 3 {
			return nil, &net.OpError{Op: "listen", Net: "tcp", Err: syscall.EADDRNOTAVAIL}
		}
		return net.Listen("tcp", "127.0.0.1:0")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if attempts != 3 {
		t.Fatalf("%d attempts, want 3", attempts)
	}
}

func TestListenGivesUpAtDeadline(t *testing.T) {
	// 192.0.2.1 (TEST-NET-1) is on no interface: binding it fails with
	// EADDRNOTAVAIL on Linux and macOS alike, as the vmnet address does
	// before the bridge exists. Nothing is sent.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Listen(ctx, "192.0.2.1:0", 20*time.Millisecond)
	if !errors.Is(err, syscall.EADDRNOTAVAIL) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Listen: %v, want EADDRNOTAVAIL and the deadline", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > testWait {
		t.Fatalf("gave up after %v, want about 200ms", d)
	}
}

func TestListenFailsFastOnOtherErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := busy.Close(); err != nil {
			t.Error(err)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	start := time.Now()
	if _, err := Listen(ctx, busy.Addr().String(), time.Second); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Listen on a busy port: %v, want EADDRINUSE", err)
	}
	if d := time.Since(start); d > time.Second/2 {
		t.Fatalf("took %v, want no retry", d)
	}
}

func TestListenNeedsDeadline(t *testing.T) {
	if _, err := Listen(context.Background(), "127.0.0.1:0", 0); !errors.Is(err, ErrNoDeadline) {
		t.Fatalf("Listen without deadline: %v, want ErrNoDeadline", err)
	}
}

func TestListenPicksFreePort(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	l, err := Listen(ctx, "127.0.0.1:0", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	}()
	if port := l.Addr().(*net.TCPAddr).Port; port == 0 {
		t.Fatal("no port chosen")
	}
}
