package nfsserver

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

func TestRefusesOtherAddress(t *testing.T) {
	ts := startServer(t, []string{t.TempDir()}, func() (net.IP, error) {
		return net.IPv4(127, 0, 0, 2), nil
	})
	replied, err := rawNull(t, ts.addr, loopback)
	if err != nil {
		t.Fatal(err)
	}
	if replied {
		t.Fatal("a connection from 127.0.0.1 was answered; only 127.0.0.2 is allowed")
	}
	line := ts.log.waitFor(t, "refused connection from 127.0.0.1:")
	if !strings.Contains(line, "only 127.0.0.2") {
		t.Errorf("refusal does not name the allowed address: %q", line)
	}
}

func TestServesAllowedAddress(t *testing.T) {
	ts := startServer(t, []string{t.TempDir()}, nil)
	replied, err := rawNull(t, ts.addr, loopback)
	if err != nil {
		t.Fatal(err)
	}
	if !replied {
		t.Fatal("the allowed address got no reply")
	}
	ts.log.waitFor(t, "accepted connection from 127.0.0.1:")
}

func TestRefusesWhileAllowedFails(t *testing.T) {
	ts := startServer(t, []string{t.TempDir()}, func() (net.IP, error) {
		return nil, errors.New("no lease for 0e:00:00:00:00:01")
	})
	replied, err := rawNull(t, ts.addr, loopback)
	if err != nil {
		t.Fatal(err)
	}
	if replied {
		t.Fatal("a connection was answered while Allowed failed")
	}
	ts.log.waitFor(t, "refused connection from 127.0.0.1:", "no lease for 0e:00:00:00:00:01")
}

func TestFollowsAddressChange(t *testing.T) {
	ip := &fixedIP{}
	ip.set(loopback, nil)
	ts := startServer(t, []string{t.TempDir()}, ip.allowed)
	if replied, err := rawNull(t, ts.addr, loopback); err != nil || !replied {
		t.Fatalf("before the change: replied=%v err=%v, want a reply", replied, err)
	}

	ip.set(net.IPv4(127, 0, 0, 2), nil)
	if replied, err := rawNull(t, ts.addr, loopback); err != nil || replied {
		t.Fatalf("after the change: replied=%v err=%v, want 127.0.0.1 refused", replied, err)
	}
	ts.log.waitFor(t, "refused connection from 127.0.0.1:", "only 127.0.0.2")

	t.Run("new address served", func(t *testing.T) {
		// Linux routes all of 127/8 to lo; macOS configures only 127.0.0.1.
		probe, err := net.Listen("tcp", "127.0.0.2:0")
		if err != nil {
			t.Skipf("this host cannot use 127.0.0.2 as a source: %v", err)
		}
		if err := probe.Close(); err != nil {
			t.Fatal(err)
		}
		if replied, err := rawNull(t, ts.addr, net.IPv4(127, 0, 0, 2)); err != nil || !replied {
			t.Fatalf("from 127.0.0.2: replied=%v err=%v, want a reply", replied, err)
		}
	})
}

func TestAllowedAnswerCached(t *testing.T) {
	calls := 0
	now := time.Unix(1000, 0)
	a := &accessCheck{
		allowed: func() (net.IP, error) {
			calls++
			if calls == 2 {
				return nil, errors.New("lease file unreadable")
			}
			return loopback, nil
		},
		ttl: time.Second,
		now: func() time.Time { return now },
	}
	from := &net.TCPAddr{IP: loopback, Port: 900}
	for range 3 {
		if err := a.check(from); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Fatalf("Allowed called %d times within the ttl, want 1", calls)
	}
	now = now.Add(time.Second)
	if err := a.check(from); err == nil || !strings.Contains(err.Error(), "lease file unreadable") {
		t.Fatalf("after the ttl: %v, want Allowed asked again and its failure returned", err)
	}
	if err := a.check(from); err != nil {
		t.Fatalf("a failure was cached: %v", err)
	}
	if calls != 3 {
		t.Fatalf("Allowed called %d times, want 3", calls)
	}
	if err := a.check(&net.TCPAddr{IP: net.IPv4(10, 0, 0, 9)}); !errors.Is(err, errNotAllowed) {
		t.Fatalf("other address: %v, want errNotAllowed", err)
	}
	if err := a.check(&net.TCPAddr{IP: loopback.To16()}); err != nil {
		t.Fatalf("IPv4-in-IPv6 form of the allowed address: %v", err)
	}
}

func TestServeStopsWithContext(t *testing.T) {
	s, err := New(Config{Shares: []string{t.TempDir()}, Allowed: func() (net.IP, error) { return loopback, nil }})
	if err != nil {
		t.Fatal(err)
	}
	s.anyPort = true // dialed from an unreserved port
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, l) }()

	c, err := net.DialTimeout("tcp", l.Addr().String(), testWait)
	if err != nil {
		t.Fatal(err)
	}
	defer closeOK(t, c)
	// A served connection: wait for its NULL reply before stopping.
	if replied, err := rawNull(t, l.Addr().String(), loopback); err != nil || !replied {
		t.Fatalf("replied=%v err=%v", replied, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after cancel: %v, want nil", err)
		}
	case <-time.After(testWait):
		t.Fatal("Serve did not return after cancel")
	}
	if err := c.SetReadDeadline(time.Now().Add(testWait)); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if _, err := c.Read(b[:]); err == nil {
		t.Fatal("an accepted connection stayed open after Serve returned")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("an accepted connection stayed open after Serve returned")
	}
	if c2, err := net.DialTimeout("tcp", l.Addr().String(), testWait); err == nil {
		closeOK(t, c2)
		t.Fatal("the listener still accepts after Serve returned")
	}
}

func TestServeReportsListenerFailure(t *testing.T) {
	s, err := New(Config{Shares: []string{t.TempDir()}, Allowed: func() (net.IP, error) { return loopback, nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer closeOK(t, s)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	if err := s.Serve(ctx, l); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Serve on a closed listener: %v, want net.ErrClosed", err)
	}
}
