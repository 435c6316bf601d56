package nfsserver

import (
	"encoding/binary"
	"net"
	"sync"
	"testing"

	nfsc "github.com/willscott/go-nfs-client/nfs"
)

// TestEachReplyOneWrite: every reply without data (all but READ's) reaches
// the connection in one write holding the whole record, marker included.
// A reply in several writes is several TCP segments, and to a guest under
// emulation each packet costs more than the call: an untar took 35 s with
// the marker in a segment of its own, 21 s without.
func TestEachReplyOneWrite(t *testing.T) {
	share := t.TempDir()
	rec := &writeRecorder{}
	ts := startServerWith(t, []string{share}, nil, serverOptions{anyPort: true, wrap: func(l net.Listener) net.Listener {
		return &recordingListener{Listener: l, rec: rec}
	}})
	tgt := mount(t, ts.addr, share)
	f, err := tgt.OpenFile("f", 0o644) // LOOKUP, CREATE
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(make([]byte, 2048)); err != nil { // WRITE
		t.Fatal(err)
	}
	closeOK(t, f)
	mtime := nfsc.Sattr3{Mtime: nfsc.SetTime{SetIt: nfsc.SetToClientTime, Time: nfsc.NFS3Time{Seconds: 1}}}
	if err := tgt.Setattr("f", mtime); err != nil { // LOOKUP, SETATTR
		t.Fatal(err)
	}
	if _, err := tgt.ReadDirPlus("."); err != nil { // READDIRPLUS
		t.Fatal(err)
	}
	if _, _, err := tgt.Lookup("f"); err != nil {
		t.Fatal(err)
	}

	writes := rec.all()
	if len(writes) < 8 {
		t.Fatalf("%d writes on the connection, want one per reply (8 or more)", len(writes))
	}
	for i, w := range writes {
		if len(w) < 4 {
			t.Fatalf("write %d: %d bytes, less than a record marker", i, len(w))
		}
		m := binary.BigEndian.Uint32(w)
		if m&(1<<31) == 0 || int(m&^(1<<31)) != len(w)-4 {
			t.Errorf("write %d: %d bytes, its marker announces %d (last fragment %t): not one whole record",
				i, len(w), m&^(1<<31), m&(1<<31) != 0)
		}
	}
}

// writeRecorder keeps a copy of each write made on the connections of a
// recordingListener.
type writeRecorder struct {
	mu     sync.Mutex
	writes [][]byte
}

func (r *writeRecorder) add(p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, append([]byte(nil), p...))
}

func (r *writeRecorder) all() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.writes
}

type recordingListener struct {
	net.Listener
	rec *writeRecorder
}

func (l *recordingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: c, rec: l.rec}, nil
}

type recordingConn struct {
	net.Conn
	rec *writeRecorder
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.rec.add(p)
	return c.Conn.Write(p)
}
