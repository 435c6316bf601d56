package nfsserver

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	nfsc "github.com/willscott/go-nfs-client/nfs"
)

// wireBudget is what the server may allocate for one raw record: the
// largest record it takes is a little over 1 MiB.
const wireBudget = 8 << 20

// startWireServer serves a share holding one file on 127.0.0.1 and returns
// the server, the share and the root handle.
func startWireServer(t testing.TB) (*testServer, string, []byte) {
	t.Helper()
	share := t.TempDir()
	writeFile(t, filepath.Join(share, "file"), "data")
	ts := startServer(t, []string{share}, nil)
	fh, err := mountRaw(ts.addr, share)
	if err != nil {
		t.Fatal(err)
	}
	return ts, share, fh
}

// sendWithinBudget sends raw on its own connection, checks that the server
// allocated less than wireBudget for it and closed the connection, and that
// it still answers a NULL call.
func sendWithinBudget(t *testing.T, ts *testServer, raw []byte) {
	t.Helper()
	var err error
	grew := allocDuring(func() { _, err = exchange(ts.addr, raw, testWait) })
	if err != nil {
		t.Fatalf("record %x: %v", head(raw), err)
	}
	if !testing.Short() {
		t.Logf("record of %d bytes: the process allocated %d KiB", len(raw), grew>>10)
	}
	if grew > wireBudget {
		t.Errorf("record %x (%d bytes): the process allocated %d MiB, want under %d MiB", head(raw), len(raw), grew>>20, wireBudget>>20)
	}
	if ok, err := rawNull(t, ts.addr, nil); err != nil || !ok {
		t.Fatalf("NULL call after record %x: answered %v, %v", head(raw), ok, err)
	}
}

// head is the start of raw, for messages.
func head(raw []byte) []byte { return raw[:min(len(raw), 48)] }

// FuzzRawRecords writes arbitrary bytes to the server as one connection's
// stream: whatever they announce, the server allocates little for them,
// closes the connection, and goes on answering.
func FuzzRawRecords(f *testing.F) {
	ts, share, fh := startWireServer(f)
	for _, s := range wireSeeds(share, fh) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		sendWithinBudget(t, ts, raw)
	})
}

// TestAuditRecords sends the audit's records: each used to make the server
// allocate gigabytes.
func TestAuditRecords(t *testing.T) {
	ts, _, fh := startWireServer(t)
	for name, raw := range map[string][]byte{
		"NULL with a 2 GiB credential": auditNullHugeCred,
		"MOUNT with a 4 GiB path":      auditMountHugePath,
		"a 2 GiB record":               auditHugeRecord,
		"WRITE of 4 GiB": callRecord(3, wireProgNFS, wireProcWrite,
			xdrEnc(nil).opaque(fh).u64(0).u32(0xfffffff0).u32(0).u32(0xfffffff0)),
		"GETATTR with a 4 GiB handle": callRecord(3, wireProgNFS, wireProcGetatt, xdrEnc(nil).u32(0xfffffff0)),
	} {
		t.Run(name, func(t *testing.T) {
			if len(raw) < 64 {
				t.Logf("%d bytes: %x", len(raw), raw)
			}
			sendWithinBudget(t, ts, raw)
		})
	}
}

// TestStalledRecords opens connections that announce a large record, send
// 100 bytes of it and stall: the server holds little for them.
func TestStalledRecords(t *testing.T) {
	ts, _, fh := startWireServer(t)
	before := liveHeap()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	// Four announce 1 GiB, four the largest record the server takes.
	for i := range 8 {
		size := uint32(1 << 30)
		if i >= 4 {
			size = 1<<20 + 4<<10
		}
		c, err := net.DialTimeout("tcp", ts.addr, testWait)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if _, err := c.Write(stalledWrite(size, fh)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond) // the server reads what came
	grew := int64(liveHeap()) - int64(before)
	t.Logf("8 stalled records: live heap %+d KiB", grew>>10)
	if grew > 4<<20 {
		t.Errorf("8 stalled records hold %d MiB of heap, want under 4 MiB", grew>>20)
	}
	for i, c := range conns[:4] {
		if !closedWithin(c, testWait) {
			t.Errorf("connection %d announcing 1 GiB still open after %v", i, testWait)
		}
	}
	if ok, err := rawNull(t, ts.addr, nil); err != nil || !ok {
		t.Fatalf("NULL call beside stalled records: answered %v, %v", ok, err)
	}
}

// malformedRecord returns the i-th malformed record, cycling through kinds.
func malformedRecord(i int) []byte {
	b := xdrEnc(nil).u32(uint32(i)) // xid
	switch i % 6 {
	case 0: // a fragment that is not the last, which nothing ever follows
		b = b.u32(0).u32(2).u32(wireProgNFS)
		return append(xdrEnc(nil).u32(uint32(len(b))), b...)
	case 1: // a reply where a call belongs
		b = b.u32(1).u32(0).u32(0).u32(0).u32(0)
	case 2: // RPC version 3
		b = b.u32(0).u32(3).u32(wireProgNFS).u32(3).u32(wireProcNull).u32(0).u32(0).u32(0).u32(0)
	case 3: // shorter than any call header
		b = b.u32(0)
	case 4: // a credential longer than the record
		b = b.u32(0).u32(2).u32(wireProgNFS).u32(3).u32(wireProcNull).u32(wireAuthUnix).u32(400).u32(0).u32(0)
	default: // noise
		for range 12 {
			b = b.u32(rand.Uint32())
		}
	}
	return frame(b)
}

// TestMalformedRecordsLeaveNoDescriptor sends 1,000 malformed records, each
// on its own connection; half the clients keep their side open. The server
// closes every connection.
func TestMalformedRecordsLeaveNoDescriptor(t *testing.T) {
	ts, _, _ := startWireServer(t)
	fdsBefore, fdErr := openFDs()
	const n, width = 1000, 8 // width stays under the per-address cap
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		leftOpen []int
	)
	sem := make(chan struct{}, width)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp", ts.addr, testWait)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			if _, err := c.Write(malformedRecord(i)); err != nil || i%2 == 1 {
				return // closed on us, or a client that leaves at once
			}
			if !closedWithin(c, 2*time.Second) {
				mu.Lock()
				leftOpen = append(leftOpen, i)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(leftOpen) > 0 {
		t.Errorf("%d of %d waiting clients saw no close within 2s, records %v...", len(leftOpen), n/2, leftOpen[:min(len(leftOpen), 12)])
	}
	if fdErr != nil {
		t.Skipf("no descriptor count on %s: %v", runtime.GOOS, fdErr)
	}
	fds, deadline := 0, time.Now().Add(testWait)
	for {
		fds, _ = openFDs()
		if fds <= fdsBefore || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("open descriptors: %d before, %d after", fdsBefore, fds)
	if fds > fdsBefore {
		t.Errorf("%d descriptors still open %v after 1,000 malformed records", fds-fdsBefore, testWait)
	}
	if ok, err := rawNull(t, ts.addr, nil); err != nil || !ok {
		t.Fatalf("NULL call after the malformed records: answered %v, %v", ok, err)
	}
}

// TestSetattrHugeSizeLeavesNoFileOpen truncates a file to 2^64-1 bytes 200
// times: each is refused, and none leaves the file open.
func TestSetattrHugeSizeLeavesNoFileOpen(t *testing.T) {
	if _, err := openFDs(); err != nil {
		t.Skipf("counts descriptors in /proc/self/fd, which %s lacks: %v", runtime.GOOS, err)
	}
	ts, share, _ := startWireServer(t)
	tgt := mount(t, ts.addr, share)
	// A leaked *os.File is closed by its finalizer: no collection while
	// counting.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	before, _ := openFDs()
	for range 200 {
		err := tgt.Setattr("file", nfsc.Sattr3{Size: nfsc.SetSize{SetIt: true, Size: math.MaxUint64}})
		if err == nil {
			t.Fatal("SETATTR to 2^64-1 bytes succeeded")
		}
	}
	after, _ := openFDs()
	t.Logf("open descriptors: %d before, %d after 200 SETATTRs", before, after)
	if after > before {
		t.Errorf("%d descriptors left open by 200 SETATTRs of size 2^64-1", after-before)
	}
	if b, err := os.ReadFile(filepath.Join(share, "file")); err != nil || string(b) != "data" {
		t.Errorf("file after the SETATTRs: %q, %v", b, err)
	}
}

// TestHandleOverFHSize sends GETATTR with a 65-byte handle: more than
// NFSv3's FHSIZE3 is a malformed call, and the server drops the connection.
func TestHandleOverFHSize(t *testing.T) {
	ts, _, _ := startWireServer(t)
	reply, err := exchange(ts.addr, callRecord(3, wireProgNFS, wireProcGetatt, xdrEnc(nil).opaque(make([]byte, 65))), testWait)
	if err != nil {
		t.Fatal(err)
	}
	if len(reply) != 0 {
		t.Errorf("reply %x to a 65-byte handle, want the connection closed", reply)
	}
	ts.log.waitFor(t, "closing connection from 127.0.0.1", "64")
}

// TestLargestWriteServed writes the 1 MiB FSINFO advertises in one call,
// within the record limit and the budget; one byte more is refused.
func TestLargestWriteServed(t *testing.T) {
	ts, share, root := startWireServer(t)
	reply, err := roundTrip(ts.addr, callRecord(2, wireProgNFS, wireProcLookup, xdrEnc(nil).opaque(root).str("file")))
	if err != nil || len(reply) < 32 || binary.BigEndian.Uint32(reply[24:]) != 0 {
		t.Fatalf("LOOKUP file: %x, %v", head(reply), err)
	}
	n := binary.BigEndian.Uint32(reply[28:])
	if n > 64 || len(reply) < 32+int(n) {
		t.Fatalf("LOOKUP file: handle of %d bytes in %x", n, head(reply))
	}
	fh := reply[32 : 32+n]
	data := make([]byte, 1<<20)
	call := callRecord(3, wireProgNFS, wireProcWrite, xdrEnc(nil).opaque(fh).u64(0).u32(1<<20).u32(2).opaque(data))
	grew := allocDuring(func() { reply, err = roundTrip(ts.addr, call) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("WRITE of 1 MiB: the process allocated %d KiB", grew>>10)
	if len(reply) < 28 || binary.BigEndian.Uint32(reply[24:]) != 0 {
		t.Fatalf("WRITE of 1 MiB: reply %x", head(reply))
	}
	if fi, err := os.Stat(filepath.Join(share, "file")); err != nil || fi.Size() != 1<<20 {
		t.Errorf("file after the WRITE: %v, %v", fi, err)
	}
	if grew > wireBudget {
		t.Errorf("WRITE of 1 MiB allocated %d MiB, want under %d MiB", grew>>20, wireBudget>>20)
	}
	over := callRecord(4, wireProgNFS, wireProcWrite, xdrEnc(nil).opaque(fh).u64(0).u32(1<<20+1).u32(2).opaque(append(data, 0)))
	if reply, err := exchange(ts.addr, over, testWait); err != nil || len(reply) != 0 {
		t.Errorf("WRITE of 1 MiB + 1: reply %x, %v; want the connection closed", head(reply), err)
	}
}
