package nfsserver

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
	"github.com/willscott/go-nfs-client/nfs/util"
	"github.com/willscott/go-nfs-client/nfs/xdr"
)

// testWait bounds every wait of these tests.
const testWait = 5 * time.Second

var loopback = net.IPv4(127, 0, 0, 1)

// TestMain quiets go-nfs-client, which logs every failed call to stderr;
// the tests make many on purpose.
func TestMain(m *testing.M) {
	util.DefaultLogger = quietClient{}
	os.Exit(m.Run())
}

type quietClient struct{}

func (quietClient) SetDebug(bool)                  {}
func (quietClient) Errorf(format string, a ...any) {}
func (quietClient) Debugf(format string, a ...any) {}
func (quietClient) Infof(format string, a ...any)  {}

// testLog collects a Server's messages.
type testLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *testLog) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

// find returns the first line holding every part, or "".
func (l *testLog) find(parts ...string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			return line
		}
	}
	return ""
}

// waitFor polls for a line holding every part, since connections are
// refused on the server's goroutine.
func (l *testLog) waitFor(t *testing.T, parts ...string) string {
	t.Helper()
	deadline := time.Now().Add(testWait)
	for time.Now().Before(deadline) {
		if line := l.find(parts...); line != "" {
			return line
		}
		time.Sleep(10 * time.Millisecond)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t.Fatalf("no log line with %q in:\n%s", parts, strings.Join(l.lines, "\n"))
	return ""
}

// fixedIP is an Allowed function that can be switched.
type fixedIP struct {
	mu  sync.Mutex
	ip  net.IP
	err error
}

func (f *fixedIP) set(ip net.IP, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ip, f.err = ip, err
}

func (f *fixedIP) allowed() (net.IP, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ip, f.err
}

// testServer is a Server serving on a loopback port.
type testServer struct {
	*Server
	addr string
	log  *testLog
}

// startServer serves shares on 127.0.0.1 until the test ends, to any
// source port, so that tests dial as whatever user runs them. allowed nil
// admits 127.0.0.1.
func startServer(t testing.TB, shares []string, allowed func() (net.IP, error)) *testServer {
	t.Helper()
	return startServerPorts(t, shares, allowed, true)
}

// startServerPorts is startServer that keeps the server's reserved-port
// policy unless anyPort is set.
func startServerPorts(t testing.TB, shares []string, allowed func() (net.IP, error), anyPort bool) *testServer {
	t.Helper()
	return startServerWith(t, shares, allowed, serverOptions{anyPort: anyPort})
}

// serverOptions adjust a test server before it serves.
type serverOptions struct {
	anyPort bool
	// wrap, if set, wraps the server's listener.
	wrap func(net.Listener) net.Listener
	// tune, if set, changes the server's seams.
	tune func(*Server)
}

// startServerWith is startServerPorts with opts.
func startServerWith(t testing.TB, shares []string, allowed func() (net.IP, error), opts serverOptions) *testServer {
	t.Helper()
	anyPort, wrap := opts.anyPort, opts.wrap
	if allowed == nil {
		allowed = func() (net.IP, error) { return loopback, nil }
	}
	log := &testLog{}
	s, err := New(Config{Shares: shares, Allowed: allowed, Logf: log.logf})
	if err != nil {
		t.Fatal(err)
	}
	// Tests switch the address and expect the next connection to see it.
	s.access.ttl = 0
	s.anyPort = anyPort
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	l, err := Listen(ctx, "127.0.0.1:0", 10*time.Millisecond)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if opts.tune != nil {
		opts.tune(s)
	}
	if wrap != nil {
		l = wrap(l)
	}
	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(testWait):
			t.Errorf("serve did not return within %v of cancel", testWait)
		}
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return &testServer{Server: s, addr: addr, log: log}
}

// dial opens an RPC client; the caller mounts through it.
func dial(t testing.TB, addr string) *nfsc.Mount {
	t.Helper()
	// go-nfs-client binds a random port of 49152-65535 and, unlike for a
	// reserved one, does not try another when it is taken: on a host
	// with thousands of connections in TIME_WAIT that happens often.
	deadline := time.Now().Add(testWait)
	c, err := rpc.DialTCP("tcp", addr, false)
	for errors.Is(err, syscall.EADDRINUSE) && time.Now().Before(deadline) {
		c, err = rpc.DialTCP("tcp", addr, false)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	// No Addr: the NFS calls share the MOUNT connection, as one port
	// serves both programs.
	return &nfsc.Mount{Client: c}
}

// mount mounts dirpath and fails the test if that is refused.
func mount(t testing.TB, addr, dirpath string) *nfsc.Target {
	t.Helper()
	tgt, err := dial(t, addr).Mount(dirpath, rpc.NewAuthUnix("test", 0, 0).Auth())
	if err != nil {
		t.Fatalf("mount %s: %v", dirpath, err)
	}
	return tgt
}

// rawNull sends an RPC NULL call to the MOUNT program from a plain TCP
// connection (source address local, if set) and reports whether a reply
// came back. A refused connection is closed without one.
func rawNull(t *testing.T, addr string, local net.IP) (bool, error) {
	t.Helper()
	return rawCall(t, addr, local, nfsc.MountProg, 0)
}

// rawCall sends a call without arguments to procedure proc of program prog
// and reports whether a reply came back.
func rawCall(t *testing.T, addr string, local net.IP, prog, proc uint32) (bool, error) {
	t.Helper()
	var from *net.TCPAddr
	if local != nil {
		from = &net.TCPAddr{IP: local}
	}
	return rawCallFrom(t, addr, from, prog, proc)
}

// rawCallFrom is rawCall from the local address from (any, if nil).
func rawCallFrom(t *testing.T, addr string, from *net.TCPAddr, prog, proc uint32) (bool, error) {
	t.Helper()
	d := net.Dialer{Timeout: testWait}
	if from != nil {
		d.LocalAddr = from
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return false, err
	}
	defer func() {
		if err := c.Close(); err != nil {
			t.Errorf("close raw connection: %v", err)
		}
	}()
	if err := c.SetDeadline(time.Now().Add(testWait)); err != nil {
		return false, err
	}
	call := make([]byte, 44)
	binary.BigEndian.PutUint32(call[0:], 1<<31|40) // last fragment, 40 bytes
	for i, w := range []uint32{7, 0, 2, prog, 3, proc} {
		binary.BigEndian.PutUint32(call[4+4*i:], w) // xid, CALL, rpcvers, prog, vers, proc
	} // AUTH_NULL credential and verifier: the zeroes that remain
	if _, err := c.Write(call); err != nil {
		// The server may have closed already.
		return false, nil
	}
	reply := make([]byte, 28)
	if _, err := io.ReadFull(c, reply); err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return false, fmt.Errorf("no reply and no close within %v: %w", testWait, err)
		}
		return false, nil // closed or reset: refused
	}
	if xid := binary.BigEndian.Uint32(reply[4:]); xid != 7 {
		return false, fmt.Errorf("reply for xid %d, want 7", xid)
	}
	return true, nil
}

// nfsHeader is the RPC header of an NFSv3 call of proc.
func nfsHeader(proc uint32) rpc.Header {
	return rpc.Header{Rpcvers: 2, Prog: nfsc.Nfs3Prog, Vers: nfsc.Nfs3Vers, Proc: proc, Cred: rpc.AuthNull, Verf: rpc.AuthNull}
}

// callStatus sends a raw NFS call (args starts with an rpc.Header) and
// returns its NFS status, for names no path API of the client would send.
func callStatus(t *testing.T, tgt *nfsc.Target, args any) uint32 {
	t.Helper()
	res, err := tgt.Call(args)
	if err != nil {
		t.Fatalf("call %+v: %v", args, err)
	}
	st, err := xdr.ReadUint32(res)
	if err != nil {
		t.Fatalf("call %+v: read status: %v", args, err)
	}
	return st
}

// lookupStatus sends LOOKUP of name in the directory fh.
func lookupStatus(t *testing.T, tgt *nfsc.Target, fh []byte, name string) uint32 {
	t.Helper()
	type lookupArgs struct {
		rpc.Header
		What nfsc.Diropargs3
	}
	return callStatus(t, tgt, &lookupArgs{nfsHeader(nfsc.NFSProc3Lookup), nfsc.Diropargs3{FH: fh, Filename: name}})
}

// renameStatus sends RENAME of from to to, both in the directory fh.
func renameStatus(t *testing.T, tgt *nfsc.Target, fh []byte, from, to string) uint32 {
	t.Helper()
	type renameArgs struct {
		rpc.Header
		From, To nfsc.Diropargs3
	}
	return callStatus(t, tgt, &renameArgs{nfsHeader(nfsc.NFSProc3Rename), nfsc.Diropargs3{FH: fh, Filename: from}, nfsc.Diropargs3{FH: fh, Filename: to}})
}

// rootHandle returns the handle of the mounted directory.
func rootHandle(t *testing.T, tgt *nfsc.Target) []byte {
	t.Helper()
	_, fh, err := tgt.Lookup(".")
	if err != nil {
		t.Fatal(err)
	}
	return fh
}

// readAll reads a file through NFS.
func readAll(tgt *nfsc.Target, name string) ([]byte, error) {
	f, err := tgt.Open(name)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

// writeFile writes a host file or fails the test.
func writeFile(t testing.TB, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// closeOK closes c and fails the test on an error.
func closeOK(t testing.TB, c io.Closer) {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}
