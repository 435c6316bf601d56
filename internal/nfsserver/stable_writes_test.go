package nfsserver

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// NFSv3 WRITE's stable_how (RFC 1813, 3.3.7) and COMMIT's procedure number.
const (
	wireUnstable  = 0
	wireDataSync  = 1
	wireFileSync  = 2
	wireProcCommt = 21
	nfs3ErrIO     = 5
)

// TestWritesAreAsStableAsAsked: a DATA_SYNC or FILE_SYNC write is synced
// before the reply says FILE_SYNC; an UNSTABLE one is not synced and is
// reported UNSTABLE; COMMIT syncs; every reply carries the server's write
// verifier. A failed sync fails the call with NFS3ERR_IO. The old fork
// replied FILE_SYNC to every write and synced nothing, so a guest's fsync
// returned with its data in the host's page cache only.
func TestWritesAreAsStableAsAsked(t *testing.T) {
	share := t.TempDir()
	writeFile(t, filepath.Join(share, "f"), "")
	var syncs atomic.Int32
	var failSync atomic.Bool
	ts := startServerWith(t, []string{share}, nil, serverOptions{anyPort: true, tune: func(s *Server) {
		for _, rfs := range s.shares {
			rfs.sync = func(*os.File) error {
				syncs.Add(1)
				if failSync.Load() {
					return errors.New("disk gone")
				}
				return nil
			}
		}
	}})
	tgt := mount(t, ts.addr, share)
	_, fh, err := tgt.Lookup("f")
	if err != nil {
		t.Fatal(err)
	}

	for i, tc := range []struct {
		how, committed uint32
		synced         bool
	}{
		{wireUnstable, wireUnstable, false},
		{wireDataSync, wireFileSync, true},
		{wireFileSync, wireFileSync, true},
	} {
		before := syncs.Load()
		args := xdrEnc(nil).opaque(fh).u64(uint64(5 * i)).u32(5).u32(tc.how).str("hello")
		st, committed, verf := writeReply(t, ts.addr, callRecord(uint32(10+i), wireProgNFS, wireProcWrite, args))
		if st != 0 || committed != tc.committed || verf != ts.id {
			t.Errorf("WRITE stable_how %d: status %d, committed %d, verifier %x; want 0, %d, %x", tc.how, st, committed, verf, tc.committed, ts.id)
		}
		if synced := syncs.Load() > before; synced != tc.synced {
			t.Errorf("WRITE stable_how %d: synced %t, want %t", tc.how, synced, tc.synced)
		}
	}
	if data, err := os.ReadFile(filepath.Join(share, "f")); err != nil || string(data) != "hellohellohello" {
		t.Errorf("file after the writes: %q, %v", data, err)
	}

	commit := func(xid uint32) []byte {
		return callRecord(xid, wireProgNFS, wireProcCommt, xdrEnc(nil).opaque(fh).u64(0).u32(0))
	}
	before := syncs.Load()
	st, verf := commitReply(t, ts.addr, commit(20))
	if st != 0 || verf != ts.id || syncs.Load() != before+1 {
		t.Errorf("COMMIT: status %d, verifier %x, %d syncs; want 0, %x, 1", st, verf, syncs.Load()-before, ts.id)
	}

	failSync.Store(true)
	args := xdrEnc(nil).opaque(fh).u64(0).u32(5).u32(wireFileSync).str("HELLO")
	if st, _, _ := writeReply(t, ts.addr, callRecord(30, wireProgNFS, wireProcWrite, args)); st != nfs3ErrIO {
		t.Errorf("FILE_SYNC WRITE whose sync fails: status %d, want NFS3ERR_IO", st)
	}
	if st, _ := commitReply(t, ts.addr, commit(31)); st != nfs3ErrIO {
		t.Errorf("COMMIT whose sync fails: status %d, want NFS3ERR_IO", st)
	}
}

// writeReply sends a WRITE call and returns the reply's status and, when
// it succeeded, its committed field and verifier.
func writeReply(t *testing.T, addr string, rec []byte) (status, committed uint32, verf [8]byte) {
	t.Helper()
	b := replyResults(t, addr, rec)
	status = binary.BigEndian.Uint32(b)
	if status != 0 {
		return status, 0, verf
	}
	b = skipWcc(t, b[4:])
	if len(b) < 16 {
		t.Fatalf("WRITE reply: %d bytes after wcc_data, want 16", len(b))
	}
	copy(verf[:], b[8:16])
	return status, binary.BigEndian.Uint32(b[4:]), verf
}

// commitReply sends a COMMIT call and returns the reply's status and, when
// it succeeded, its verifier.
func commitReply(t *testing.T, addr string, rec []byte) (status uint32, verf [8]byte) {
	t.Helper()
	b := replyResults(t, addr, rec)
	status = binary.BigEndian.Uint32(b)
	if status != 0 {
		return status, verf
	}
	b = skipWcc(t, b[4:])
	if len(b) < 8 {
		t.Fatalf("COMMIT reply: %d bytes after wcc_data, want 8", len(b))
	}
	copy(verf[:], b[:8])
	return status, verf
}

// replyResults sends rec and returns the procedure's results: what follows
// an accepted reply's header (xid, REPLY, MSG_ACCEPTED, an empty verifier,
// SUCCESS).
func replyResults(t *testing.T, addr string, rec []byte) []byte {
	t.Helper()
	reply, err := roundTrip(addr, rec)
	if err != nil {
		t.Fatal(err)
	}
	const at = 6 * 4
	if len(reply) < at+4 || binary.BigEndian.Uint32(reply[at-4:]) != 0 {
		t.Fatalf("reply %x: not an accepted, successful call", reply)
	}
	return reply[at:]
}

// skipWcc returns what follows wcc_data: pre_op_attr (a flag, then size,
// mtime and ctime) and post_op_attr (a flag, then an 84-byte fattr3).
func skipWcc(t *testing.T, b []byte) []byte {
	t.Helper()
	for _, size := range []int{24, 84} {
		if len(b) < 4 {
			t.Fatalf("wcc_data cut short: %x", b)
		}
		follows := binary.BigEndian.Uint32(b) != 0
		b = b[4:]
		if follows {
			if len(b) < size {
				t.Fatalf("wcc_data cut short: %x", b)
			}
			b = b[size:]
		}
	}
	return b
}

// TestFsyncFile: the real sync succeeds on an open file and fails on a
// closed one, rather than reporting data stable that it never flushed.
func TestFsyncFile(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("data"); err != nil {
		t.Fatal(err)
	}
	if err := fsyncFile(f); err != nil {
		t.Errorf("fsync an open file: %v", err)
	}
	closeOK(t, f)
	if err := fsyncFile(f); err == nil {
		t.Error("fsync a closed file: no error")
	}
}
