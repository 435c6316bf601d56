//go:build darwin || linux

package nfsserver

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	nfsc "github.com/willscott/go-nfs-client/nfs"
)

// TestServesAgainAfterDescriptorLimit puts the whole test process at its
// descriptor limit while a connection waits to be accepted: the server
// backs off instead of ending, and serves the connection once descriptors
// are free again.
func TestServesAgainAfterDescriptorLimit(t *testing.T) {
	ts := startServer(t, []string{t.TempDir()}, nil)
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	// A low limit, so that filling it takes few files.
	lim := old
	lim.Cur = min(old.Cur, 256)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	var fillers []*os.File
	release := func() {
		for _, f := range fillers {
			f.Close()
		}
		fillers = nil
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
			t.Errorf("restore the descriptor limit: %v", err)
		}
	}
	defer release()
	for len(fillers) <= int(lim.Cur) {
		f, err := os.Open(os.DevNull)
		if errors.Is(err, syscall.EMFILE) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		fillers = append(fillers, f)
	}
	if len(fillers) == 0 || len(fillers) > int(lim.Cur) {
		t.Fatalf("%d files opened under a limit of %d: the limit does not hold", len(fillers), lim.Cur)
	}
	// One descriptor for the client's socket; the server's accept then
	// has none.
	closeOK(t, fillers[len(fillers)-1])
	fillers = fillers[:len(fillers)-1]
	c, err := net.DialTimeout("tcp", ts.addr, testWait)
	if err != nil {
		t.Fatal(err)
	}
	defer closeOK(t, c)
	if err := c.SetDeadline(time.Now().Add(testWait)); err != nil {
		t.Fatal(err)
	}
	call := make([]byte, 44)
	binary.BigEndian.PutUint32(call[0:], 1<<31|40)
	for i, w := range []uint32{11, 0, 2, nfsc.MountProg, 3, 0} {
		binary.BigEndian.PutUint32(call[4+4*i:], w)
	}
	if _, err := c.Write(call); err != nil {
		t.Fatal(err)
	}
	ts.log.waitFor(t, "nfs: accept:", "too many open files", "retrying in")
	release()
	reply := make([]byte, 28)
	if _, err := io.ReadFull(c, reply); err != nil {
		t.Fatalf("no reply once descriptors were free: %v", err)
	}
	if xid := binary.BigEndian.Uint32(reply[4:]); xid != 11 {
		t.Fatalf("reply for xid %d, want 11", xid)
	}
}
