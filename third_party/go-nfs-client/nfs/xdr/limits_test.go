package xdr_test

// Fork: tests of the bounded decoding.

import (
	"bytes"
	"encoding/binary"
	"io"
	"runtime"
	"testing"

	"github.com/willscott/go-nfs-client/nfs/rpc"
	"github.com/willscott/go-nfs-client/nfs/xdr"
)

func words(ws ...uint32) []byte {
	var b []byte
	for _, w := range ws {
		b = binary.BigEndian.AppendUint32(b, w)
	}
	return b
}

func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestAuditLengths are the audit's cases: a MOUNT path of 4 GiB and a
// credential of 2 GiB, in a few bytes of a record.
func TestAuditLengths(t *testing.T) {
	path := words(0xfffffff0)
	var err error
	grew := allocated(func() { _, err = xdr.ReadOpaque(&io.LimitedReader{R: bytes.NewReader(path), N: 4}) })
	if err == nil || grew > 1<<20 {
		t.Errorf("4 GiB path: allocated %d KiB, %v", grew>>10, err)
	}
	grew = allocated(func() { _, err = xdr.ReadUint32List(bytes.NewReader(words(0x7fffffff, 1))) })
	if err == nil || grew > 1<<20 {
		t.Errorf("2 G-element list: allocated %d KiB, %v", grew>>10, err)
	}
	hdr := words(2, 100003, 3, 0, 1, 0x7fffffff, 0, 0)
	var h rpc.Header
	grew = allocated(func() { err = xdr.Read(bytes.NewReader(hdr), &h) })
	if err == nil || grew > 1<<20 {
		t.Errorf("2 GiB credential: allocated %d KiB, %v", grew>>10, err)
	}
	// 401 bytes are refused even when they are all there.
	hdr = append(words(2, 100003, 3, 0, 1, 401), make([]byte, 404+8)...)
	if err := xdr.Read(bytes.NewReader(hdr), &h); err == nil {
		t.Error("credential of 401 bytes accepted")
	}
}

// TestReadOpaquePadding reads data padded to four bytes and what follows.
func TestReadOpaquePadding(t *testing.T) {
	r := bytes.NewReader(words(5, 0x01020304, 0x05000000, 7))
	b, err := xdr.ReadOpaque(r)
	if err != nil || len(b) != 5 {
		t.Fatalf("opaque: %x, %v", b, err)
	}
	if n, err := xdr.ReadUint32(r); err != nil || n != 7 {
		t.Errorf("after the opaque data: %d, %v; want 7", n, err)
	}
	if _, err := xdr.ReadOpaqueMax(bytes.NewReader(words(65)), 64); err == nil {
		t.Error("65 bytes under a limit of 64 accepted")
	}
}
