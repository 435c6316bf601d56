package nfsserver

import (
	"errors"
	"net"
	"testing"
	"time"
)

func TestConnClosedAfterReadError(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log := &testLog{}
	g := newGuardedListener(inner, func(net.Addr) error { return nil }, newAdmission(true), log.logf)
	defer g.shutdown()

	client, err := net.DialTimeout("tcp", inner.Addr().String(), testWait)
	if err != nil {
		t.Fatal(err)
	}
	served, err := g.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if g.open() != 1 {
		t.Fatalf("%d open connections, want 1", g.open())
	}
	// A reset, not a clean EOF: go-nfs would stop reading and keep the
	// descriptor.
	if err := client.(*net.TCPConn).SetLinger(0); err != nil {
		t.Fatal(err)
	}
	if err := client.Close(); err != nil {
		t.Fatal(err)
	}
	if err := served.SetReadDeadline(time.Now().Add(testWait)); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if _, err := served.Read(b[:]); err == nil {
		t.Fatal("read after the peer's reset succeeded")
	}
	if g.open() != 0 {
		t.Fatalf("%d open connections after a read error, want 0", g.open())
	}
	if _, err := served.Read(b[:]); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second read: %v, want net.ErrClosed (descriptor released)", err)
	}
	log.waitFor(t, "connection from 127.0.0.1:", "closed")
}
