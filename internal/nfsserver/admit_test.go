package nfsserver

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
)

// openConns dials n connections from from (any local address if nil),
// closed when the test ends.
func openConns(t *testing.T, addr string, from net.IP, n int) []net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: testWait}
	if from != nil {
		d.LocalAddr = &net.TCPAddr{IP: from}
	}
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns = append(conns, c)
	}
	return conns
}

// answered sends a MOUNT NULL call on each connection and counts the
// replies: a connection the server refused is closed without one.
func answered(t *testing.T, conns []net.Conn) int {
	t.Helper()
	call := make([]byte, 44)
	binary.BigEndian.PutUint32(call[0:], 1<<31|40)
	for i, w := range []uint32{9, 0, 2, nfsc.MountProg, 3, 0} {
		binary.BigEndian.PutUint32(call[4+4*i:], w)
	}
	n := 0
	for _, c := range conns {
		if err := c.SetDeadline(time.Now().Add(testWait)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(call); err != nil {
			continue // closed by the server already
		}
		reply := make([]byte, 28)
		_, err := io.ReadFull(c, reply)
		var ne net.Error
		switch {
		case err == nil:
			n++
		case errors.As(err, &ne) && ne.Timeout():
			t.Fatalf("no reply and no close within %v", testWait)
		}
	}
	return n
}

func TestConnectionCapPerAddress(t *testing.T) {
	ts := startServer(t, []string{t.TempDir()}, nil)
	conns := openConns(t, ts.addr, loopback, 100)
	if n := answered(t, conns); n != maxConnsPerAddr {
		t.Fatalf("%d of 100 connections from one address served, want %d", n, maxConnsPerAddr)
	}
	ts.log.waitFor(t, "refused connection from 127.0.0.1:", "connections already open from 127.0.0.1")
	// Closing them frees the address's share: a new connection is served.
	for _, c := range conns {
		closeOK(t, c)
	}
	deadline := time.Now().Add(testWait)
	for {
		replied, err := rawNull(t, ts.addr, loopback)
		if err != nil {
			t.Fatal(err)
		}
		if replied {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no connection served after the others closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestConnectionCapTotal dials from five loopback addresses, 20 each, to a
// listener that admits every address: the total cap holds the rest.
func TestConnectionCapTotal(t *testing.T) {
	probe, err := net.Listen("tcp", "127.0.0.5:0")
	if err != nil {
		t.Skipf("no loopback address but 127.0.0.1 here (%v): the total cap needs several", err)
	}
	closeOK(t, probe)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log := &testLog{}
	g := newGuardedListener(inner, func(net.Addr) error { return nil }, newAdmission(true), log.logf)
	defer g.shutdown()
	go func() {
		for {
			if _, err := g.Accept(); err != nil {
				return
			}
		}
	}()
	for i := range 5 {
		openConns(t, inner.Addr().String(), net.IPv4(127, 0, 0, byte(1+i)), 20)
	}
	deadline := time.Now().Add(testWait)
	for g.open() != maxConns || refusals(log) != 100-maxConns {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections open and %d refused of 100, want %d and %d", g.open(), refusals(log), maxConns, 100-maxConns)
		}
		time.Sleep(10 * time.Millisecond)
	}
	log.waitFor(t, "refused connection from", "the most the server holds")
}

func refusals(l *testLog) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		if strings.Contains(line, "refused connection") {
			n++
		}
	}
	return n
}

func TestUnreservedPortRefused(t *testing.T) {
	ts := startServerPorts(t, []string{t.TempDir()}, nil, false)
	if replied, err := rawNull(t, ts.addr, loopback); err != nil || replied {
		t.Fatalf("NULL call from an unreserved port: replied=%v err=%v, want refused", replied, err)
	}
	line := ts.log.waitFor(t, "refused connection from 127.0.0.1:", "is not reserved")
	_, port, _ := strings.Cut(line, "source port ")
	if p, err := strconv.Atoi(strings.Fields(port)[0]); err != nil || p < reservedPorts {
		t.Fatalf("refusal %q does not name the unreserved port", line)
	}
}

func TestReservedPortServed(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root binds a reserved port")
	}
	share := t.TempDir()
	writeFile(t, share+"/f.txt", "hello")
	ts := startServerPorts(t, []string{share}, nil, false)
	// The highest reserved port that is free: one in use or in TIME_WAIT
	// fails the bind.
	for port := reservedPorts - 1; ; port-- {
		if port < 600 {
			t.Skip("no reserved port free on 127.0.0.1")
		}
		from := &net.TCPAddr{IP: loopback, Port: port}
		replied, err := rawCallFrom(t, ts.addr, from, nfsc.MountProg, 0)
		if errors.Is(err, syscall.EADDRINUSE) {
			continue
		}
		if err != nil || !replied {
			t.Fatalf("NULL call from port %d: replied=%v err=%v, want served", port, replied, err)
		}
		break
	}
	// go-nfs-client's privileged dial binds a reserved port, as the
	// guest's mount.nfs and kernel do.
	c, err := rpc.DialTCP("tcp", ts.addr, true)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tgt, err := (&nfsc.Mount{Client: c}).Mount(share, rpc.NewAuthUnix("test", 0, 0).Auth())
	if err != nil {
		t.Fatalf("mount from a reserved port: %v", err)
	}
	if got, err := readAll(tgt, "f.txt"); err != nil || string(got) != "hello" {
		t.Fatalf("read from a reserved port: %q, %v", got, err)
	}
}
