package nfsserver

import (
	"context"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
)

// failingListener fails its first fails Accept calls with err, as a
// listener at the descriptor limit does, then accepts for real.
type failingListener struct {
	net.Listener
	err error

	mu    sync.Mutex
	fails int
}

func (l *failingListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.fails > 0 {
		l.fails--
		l.mu.Unlock()
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: os.NewSyscallError("accept4", l.err)}
	}
	l.mu.Unlock()
	return l.Listener.Accept()
}

// serveOn serves a fresh share on l until the test ends and returns the
// server's log and Serve's result channel.
func serveOn(t *testing.T, l net.Listener) (*testLog, <-chan error) {
	t.Helper()
	log := &testLog{}
	s, err := New(Config{Shares: []string{t.TempDir()}, Allowed: func() (net.IP, error) { return loopback, nil }, Logf: log.logf})
	if err != nil {
		t.Fatal(err)
	}
	s.anyPort = true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(testWait):
			t.Errorf("serve did not return within %v of cancel", testWait)
		}
		closeOK(t, s)
	})
	return log, done
}

func TestAcceptErrorsBackOff(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ECONNABORTED} {
		t.Run(errno.Error(), func(t *testing.T) {
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			const fails = 5 // 5+10+20+40+80 ms of backoff
			log, done := serveOn(t, &failingListener{Listener: inner, err: errno, fails: fails})
			if replied, err := rawNull(t, inner.Addr().String(), loopback); err != nil || !replied {
				select {
				case err := <-done:
					t.Fatalf("Serve returned after %v: %v", errno, err)
				default:
				}
				t.Fatalf("NULL call after %d failed accepts: replied=%v err=%v", fails, replied, err)
			}
			log.waitFor(t, "nfs: accept:", errno.Error(), "retrying in 80ms")
		})
	}
}

func TestAcceptBackoffBounds(t *testing.T) {
	var delay time.Duration
	var got []time.Duration
	for range 10 {
		delay = nextAcceptDelay(delay)
		got = append(got, delay)
	}
	want := []time.Duration{5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("delays %v, want %v ms", got, want)
		}
	}
}

func TestAcceptWaitEndsAtShutdown(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := newGuardedListener(&failingListener{Listener: inner, err: syscall.EMFILE, fails: 1 << 30}, func(net.Addr) error { return nil }, newAdmission(true), (&testLog{}).logf)
	done := make(chan error, 1)
	go func() {
		_, err := g.Accept()
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // into the backoff
	g.shutdown()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Accept succeeded after shutdown")
		}
	case <-time.After(testWait):
		t.Fatal("Accept kept backing off after shutdown")
	}
}
