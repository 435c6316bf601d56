package vpnkit

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer accepts on path, answers the i-th connection with answers[i]
// (the last one for all later ones; nil: answer nothing) and records what
// each connection sent.
type fakeServer struct {
	l       *net.UnixListener
	mu      sync.Mutex
	got     [][]byte
	accepts []time.Time
}

func listen(t *testing.T, path string, answers ...[]byte) *fakeServer {
	t.Helper()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{l: l}
	t.Cleanup(func() { l.Close() })
	go func() {
		for i := 0; ; i++ {
			c, err := l.AcceptUnix()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.accepts = append(s.accepts, time.Now())
			s.mu.Unlock()
			a := answers[min(i, len(answers)-1)]
			go s.serve(c, a)
		}
	}()
	return s
}

func (s *fakeServer) serve(c *net.UnixConn, answer []byte) {
	defer c.Close()
	if answer == nil {
		b := make([]byte, InitSize)
		io.ReadFull(c, b)
		s.record(b)
		io.Copy(io.Discard, c) // silent until the client goes
		return
	}
	b := make([]byte, InitSize)
	if _, err := io.ReadFull(c, b); err != nil {
		return
	}
	c.Write(answer[:InitSize])
	if len(answer) == InitSize { // bad magic: the client hangs up
		s.record(b)
		return
	}
	cmd := make([]byte, CommandSize)
	io.ReadFull(c, cmd)
	s.record(append(b, cmd...))
	c.Write(answer[InitSize:])
	io.Copy(io.Discard, c)
}

func (s *fakeServer) record(b []byte) {
	s.mu.Lock()
	s.got = append(s.got, b)
	s.mu.Unlock()
}

func (s *fakeServer) accepted() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.accepts...)
}

func (s *fakeServer) sent() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.got...)
}

// TestConnectRetries: no socket yet, then a bad magic, then a disconnect,
// then the interface: Connect keeps trying every 100 ms until it has it,
// and each attempt sends hyperkit's bytes.
func TestConnectRetries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s")
	disc := make([]byte, ResponseSize)
	disc[0], disc[1] = 2, 4
	copy(disc[2:], "busy")
	good := append(serverInit(Magic, 22), vifResponse(1500, 1514, testMAC)...)
	var log syncBuffer
	type result struct {
		c   *net.UnixConn
		vif VIF
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		c, vif, err := Connect(context.Background(), path, testUUID, [4]byte{10, 0, 0, 9}, &log)
		done <- result{c, vif, err}
	}()
	time.Sleep(350 * time.Millisecond) // three or four refused attempts
	select {
	case r := <-done:
		t.Fatalf("Connect returned without a server: %+v", r)
	default:
	}
	srv := listen(t, path, serverInit("XXXXX", 22), append(serverInit(Magic, 22), disc...), good)
	var r result
	select {
	case r = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Connect did not succeed within 5s of the server appearing")
	}
	if r.err != nil || r.vif != (VIF{1500, 1514, testMAC}) {
		t.Fatalf("Connect = %+v, %v", r.vif, r.err)
	}
	defer r.c.Close()
	got, accepts := srv.sent(), srv.accepted()
	if len(got) != 3 || len(accepts) != 3 {
		t.Fatalf("%d handshakes recorded, %d accepted; want 3", len(got), len(accepts))
	}
	wantCmd := append([]byte{8}, testUUID...)
	wantCmd = append(wantCmd, 9, 0, 0, 10)
	for i, g := range got {
		if !bytes.Equal(g[:InitSize], InitMessage()) {
			t.Errorf("attempt %d sent init %q", i, g[:InitSize])
		}
		if i > 0 && !bytes.Equal(g[InitSize:], wantCmd) {
			t.Errorf("attempt %d sent command %x, want %x", i, g[InitSize:], wantCmd)
		}
	}
	for i := 1; i < 3; i++ {
		if gap := accepts[i].Sub(accepts[i-1]); gap < 90*time.Millisecond {
			t.Errorf("attempt %d came %v after the one before, want about 100ms", i, gap)
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
	for _, w := range []string{"bad init magic: XXXXX", "server disconnected: busy"} {
		if !strings.Contains(log.String(), w) {
			t.Errorf("log lacks %q: %q", w, log.String())
		}
	}
}

// TestConnectBlocksOnSilentServer: a server that accepts and never
// answers keeps Connect waiting (hyperkit's reads have no timeout) until
// its context ends.
func TestConnectBlocksOnSilentServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s")
	srv := listen(t, path, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := Connect(ctx, path, testUUID, [4]byte{}, io.Discard)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) < 650*time.Millisecond {
		t.Fatalf("Connect = %v after %v, want the deadline after 700ms", err, time.Since(start))
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(srv.accepted()); n != 1 {
		t.Errorf("%d connections, want one that waited", n)
	}
}

// TestSunPathTruncation: hyperkit keeps the first 103 bytes of path= (a
// Mac's sun_path is 104 with its NUL): a longer path reaches the socket
// named by its first 103 bytes, as on a Mac.
func TestSunPathTruncation(t *testing.T) {
	if got := SunPath(strings.Repeat("x", 200)); len(got) != 103 {
		t.Errorf("SunPath kept %d bytes", len(got))
	}
	if got := SunPath("/tmp/short"); got != "/tmp/short" {
		t.Errorf("SunPath(/tmp/short) = %q", got)
	}
	dir, err := os.MkdirTemp("", "vk")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cut := dir + "/" + strings.Repeat("s", 103-len(dir)-1)
	long := cut + "-this-part-is-lost"
	listen(t, cut, append(serverInit(Magic, 22), vifResponse(1500, 1514, testMAC)...))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := Connect(ctx, long, testUUID, [4]byte{}, io.Discard)
	if err != nil {
		t.Fatalf("Connect(%d-byte path) = %v, want the socket at its first 103 bytes", len(long), err)
	}
	c.Close()
}

// TestMACFile: the MAC without newline, written to PATH.tmp and renamed:
// an earlier file is replaced, never rewritten in place.
func TestMACFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mac")
	if err := os.WriteFile(path, []byte("old contents"), 0o644); err != nil {
		t.Fatal(err)
	}
	old, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if err := WriteMACFile(path, VIF{MAC: testMAC}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "5a:94:ef:e4:0c:ee" {
		t.Errorf("macfile holds %q", b)
	}
	if b, _ := io.ReadAll(old); string(b) != "old contents" {
		t.Errorf("the old file was rewritten in place (%q): not a rename", b)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("PATH.tmp left behind: %v", err)
	}
	if err := WriteMACFile(filepath.Join(t.TempDir(), "no", "dir"), VIF{}); err == nil {
		t.Error("a macfile in a missing directory: no error")
	}
}

// syncBuffer is a strings.Builder safe for the goroutines that log.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
