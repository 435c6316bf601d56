package nfsserver

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"time"
)

// ONC RPC (RFC 5531), NFSv3 (RFC 1813) and MOUNT numbers of the raw calls.
const (
	wireProgNFS    = 100003
	wireProgMount  = 100005
	wireProcNull   = 0
	wireProcMount  = 1
	wireProcGetatt = 1
	wireProcSetatt = 2
	wireProcLookup = 3
	wireProcWrite  = 7
	wireAuthNone   = 0
	wireAuthUnix   = 1
	wireLastFrag   = 1 << 31
)

// xdrEnc is an XDR encoder for raw calls: big-endian words, opaque data
// padded to four bytes.
type xdrEnc []byte

func (b xdrEnc) u32(v uint32) xdrEnc { return binary.BigEndian.AppendUint32(b, v) }

func (b xdrEnc) u64(v uint64) xdrEnc { return binary.BigEndian.AppendUint64(b, v) }

func (b xdrEnc) opaque(p []byte) xdrEnc {
	b = append(b.u32(uint32(len(p))), p...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func (b xdrEnc) str(s string) xdrEnc { return b.opaque([]byte(s)) }

// frame puts the last-fragment record marker in front of body.
func frame(body []byte) []byte {
	return append(xdrEnc(nil).u32(wireLastFrag|uint32(len(body))), body...)
}

// unixCred is an AUTH_UNIX credential of root, as a guest's kernel sends.
func unixCred() []byte {
	return xdrEnc(nil).u32(0).str("guest").u32(0).u32(0).u32(1).u32(0)
}

// callRecord is a whole record: a version 3 call of prog's proc with an
// AUTH_UNIX credential, an AUTH_NONE verifier, then args.
func callRecord(xid, prog, proc uint32, args []byte) []byte {
	b := xdrEnc(nil).u32(xid).u32(0).u32(2).u32(prog).u32(3).u32(proc)
	b = b.u32(wireAuthUnix).opaque(unixCred()).u32(wireAuthNone).u32(0)
	return frame(append(b, args...))
}

// The audit's records: a few bytes that announce gigabytes.
var (
	// auditNullHugeCred is a 44-byte NULL call whose AUTH_UNIX credential
	// claims 2 GiB.
	auditNullHugeCred = frame(xdrEnc(nil).u32(1).u32(0).u32(2).u32(wireProgNFS).u32(3).u32(wireProcNull).
				u32(wireAuthUnix).u32(0x7fffffff).u32(wireAuthNone).u32(0))
	// auditMountHugePath is a 48-byte MOUNT call whose path claims 4 GiB.
	auditMountHugePath = frame(xdrEnc(nil).u32(2).u32(0).u32(2).u32(wireProgMount).u32(3).u32(wireProcMount).
				u32(wireAuthNone).u32(0).u32(wireAuthNone).u32(0).u32(0xfffffff0))
	// auditHugeRecord announces a 2 GiB record and sends a NULL call's
	// 40 bytes of it.
	auditHugeRecord = append(xdrEnc(nil).u32(wireLastFrag|0x7fffffff),
		xdrEnc(nil).u32(3).u32(0).u32(2).u32(wireProgNFS).u32(3).u32(wireProcNull).u32(0).u32(0).u32(0).u32(0)...)
)

// stalledWrite is the first 100 bytes of a record of size bytes: a WRITE
// call to fh whose data claims the rest of the record.
func stalledWrite(size uint32, fh []byte) []byte {
	b := xdrEnc(nil).u32(wireLastFrag | size).u32(9).u32(0).u32(2).u32(wireProgNFS).u32(3).u32(wireProcWrite)
	b = b.u32(wireAuthNone).u32(0).u32(wireAuthNone).u32(0)
	b = b.opaque(fh).u64(0).u32(size).u32(2)
	b = b.u32(size - uint32(len(b)))
	for len(b) < 100 {
		b = append(b, 'x')
	}
	return b
}

// exchange writes raw on a new connection, half-closes it and reads until
// the server closes its side, returning what came back. It fails when the
// server neither closes nor resets the connection within wait.
func exchange(addr string, raw []byte, wait time.Duration) ([]byte, error) {
	c, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(wait)); err != nil {
		return nil, err
	}
	if _, err := c.Write(raw); err != nil {
		return nil, nil // closed on us already
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return nil, nil
	}
	got, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return got, fmt.Errorf("server neither closed nor reset the connection within %v: %w", wait, err)
	}
	return got, nil // EOF or reset: closed
}

// closedWithin reports whether the server closes c within wait, reading
// and dropping whatever it sends first.
func closedWithin(c net.Conn, wait time.Duration) bool {
	if err := c.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return true
	}
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// allocDuring returns the bytes the process allocated while fn ran.
func allocDuring(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// liveHeap collects garbage and returns the bytes of live heap objects.
func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// openFDs counts the process's open descriptors (Linux only).
func openFDs() (int, error) {
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, fmt.Errorf("count open descriptors: %w", err)
	}
	return len(es), nil
}

// roundTrip sends one record on a new connection and returns the body of
// the first reply record.
func roundTrip(addr string, rec []byte) ([]byte, error) {
	c, err := net.DialTimeout("tcp", addr, testWait)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(testWait)); err != nil {
		return nil, err
	}
	if _, err := c.Write(rec); err != nil {
		return nil, fmt.Errorf("send call: %w", err)
	}
	var marker [4]byte
	if _, err := io.ReadFull(c, marker[:]); err != nil {
		return nil, fmt.Errorf("read reply marker: %w", err)
	}
	body := make([]byte, binary.BigEndian.Uint32(marker[:])&^wireLastFrag)
	if len(body) > 1<<20 {
		return nil, fmt.Errorf("reply of %d bytes", len(body))
	}
	if _, err := io.ReadFull(c, body); err != nil {
		return nil, fmt.Errorf("read reply: %w", err)
	}
	return body, nil
}

// mountRaw mounts share with a raw MOUNT call and returns the root handle.
func mountRaw(addr, share string) ([]byte, error) {
	reply, err := roundTrip(addr, callRecord(1, wireProgMount, wireProcMount, xdrEnc(nil).str(share)))
	if err != nil {
		return nil, fmt.Errorf("mount %s: %w", share, err)
	}
	// xid, REPLY, MSG_ACCEPTED, verifier (flavor, length), SUCCESS, then
	// the mount status and the handle.
	const at = 6 * 4
	if len(reply) < at+8 {
		return nil, fmt.Errorf("mount %s: short reply %x", share, reply)
	}
	if st := binary.BigEndian.Uint32(reply[at:]); st != 0 {
		return nil, fmt.Errorf("mount %s: status %d", share, st)
	}
	n := binary.BigEndian.Uint32(reply[at+4:])
	if n > 64 || len(reply) < at+8+int(n) {
		return nil, fmt.Errorf("mount %s: handle of %d bytes in %x", share, n, reply)
	}
	return reply[at+8 : at+8+int(n)], nil
}

// wireSeeds are real calls and the audit's records, for the fuzz test.
func wireSeeds(share string, fh []byte) [][]byte {
	null := callRecord(4, wireProgNFS, wireProcNull, nil)
	return [][]byte{
		null,
		callRecord(5, wireProgMount, wireProcNull, nil),
		callRecord(6, wireProgMount, wireProcMount, xdrEnc(nil).str(share)),
		callRecord(7, wireProgNFS, wireProcGetatt, xdrEnc(nil).opaque(fh)),
		callRecord(8, wireProgNFS, wireProcWrite, xdrEnc(nil).opaque(fh).u64(0).u32(5).u32(2).str("hello")),
		callRecord(9, wireProgNFS, wireProcSetatt, xdrEnc(nil).opaque(fh).u32(0).u32(0).u32(0).u32(1).u64(^uint64(0)).u32(0).u32(0).u32(0)),
		append(append([]byte(nil), null...), null...), // two records
		auditNullHugeCred,
		auditMountHugePath,
		auditHugeRecord,
		stalledWrite(1<<30, fh),
		xdrEnc(nil).u32(16).u32(1).u32(0).u32(2).u32(wireProgNFS), // not the last fragment
		frame(xdrEnc(nil).u32(1)),                                 // shorter than any call
		{},
	}
}
