package nfs

// Fork: this file is new. It holds the pooled buffers of replies and the
// arguments read without a copy, which keep per-call allocation and
// copying of up to 1 MiB (READ and WRITE data) off the server's hot path.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"

	xdr2 "github.com/rasky/go-xdr/xdr2"
)

const (
	// replyBufferKeep is the largest reply buffer returned to its pool;
	// larger ones (a long READDIR, say) are left to the collector.
	replyBufferKeep = 64 << 10
	// ioBufferMin is the smallest READ served from ioBuffers; smaller
	// ones allocate what they need.
	ioBufferMin = 32 << 10
)

var (
	// replyBuffers hold replies' heads (all but READ's data), each
	// starting with the four bytes of its record marker.
	replyBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 512)) }}
	// ioBuffers hold READ data, MaxIOSize bytes each.
	ioBuffers = sync.Pool{New: func() any { b := make([]byte, MaxIOSize); return &b }}
)

// getReplyBuffer returns an empty head but for the room of its record
// marker, which writeTo fills in: marker and head then go out as one slice.
func getReplyBuffer() *bytes.Buffer {
	b := replyBuffers.Get().(*bytes.Buffer)
	b.Write(markerRoom[:])
	return b
}

var markerRoom [4]byte

// getIOBuffer returns a buffer of n bytes (at most MaxIOSize) and, when it
// comes from ioBuffers, the pooled slice to give back to putIOBuffer.
func getIOBuffer(n int) ([]byte, *[]byte) {
	if n < ioBufferMin {
		return make([]byte, n), nil
	}
	p := ioBuffers.Get().(*[]byte)
	return (*p)[:n], p
}

func putIOBuffer(p *[]byte) {
	if p != nil {
		ioBuffers.Put(p)
	}
}

// reply is one reply on its way to the connection: its head (record
// marker first), then data padded to four bytes (READ's, not copied into
// head).
type reply struct {
	head    *bytes.Buffer
	data    []byte
	dataBuf *[]byte
}

var xdrPadding [3]byte

// writeTo writes the reply as one record: a reply without data in one
// write, one with data in one writev where the connection offers it. One
// write per reply matters on a VM's network: each segment the marker sent
// alone is one more packet, and one more interrupt, for the guest.
func (r *reply) writeTo(conn net.Conn) error {
	head := r.head.Bytes()
	pad := (4 - len(r.data)%4) % 4
	size := len(head) - len(markerRoom) + len(r.data) + pad
	binary.BigEndian.PutUint32(head[:len(markerRoom)], uint32(size)|lastFragment)
	if len(r.data) == 0 {
		_, err := conn.Write(head)
		return err
	}
	bufs := net.Buffers{head, r.data, xdrPadding[:pad]}
	_, err := bufs.WriteTo(underlying(conn))
	return err
}

// underlying is the connection a wrapper holds, when it offers it with a
// NetConn method (as crypto/tls does), for writev: net.Buffers writes
// through a wrapper one buffer at a time.
func underlying(conn net.Conn) net.Conn {
	if w, ok := conn.(interface{ NetConn() net.Conn }); ok {
		return w.NetConn()
	}
	return conn
}

// release gives the reply's buffers back to their pools.
func (r *reply) release() {
	if r.head != nil && r.head.Cap() <= replyBufferKeep {
		r.head.Reset()
		replyBuffers.Put(r.head)
	}
	putIOBuffer(r.dataBuf)
	r.head, r.data, r.dataBuf = nil, nil, nil
}

// setData makes data (in the pooled buf, if not nil) follow the head of
// the reply as the body of an XDR opaque whose length the head ends with.
// The reply owns buf from then on.
func (w *response) setData(data []byte, buf *[]byte) {
	putIOBuffer(w.dataBuf)
	w.data, w.dataBuf = data, buf
}

// takeOpaque reads variable-length opaque data of at most max bytes from
// the call's arguments, and its padding, and returns it without a copy: the
// slice lies in the connection's record buffer and is valid only until the
// handler returns. Errors are go-xdr's, so that they end the connection as
// an undecodable call does.
func (r *request) takeOpaque(max uint32) ([]byte, error) {
	lr, ok := r.Body.(*io.LimitedReader)
	if !ok {
		return nil, fmt.Errorf("%w: arguments not in a record", ErrInputInvalid)
	}
	br, ok := lr.R.(*bytes.Reader)
	if !ok {
		return nil, fmt.Errorf("%w: arguments not in a record", ErrInputInvalid)
	}
	n, err := readUint32(lr)
	if err != nil {
		return nil, err
	}
	if n > max {
		return nil, &xdr2.UnmarshalError{ErrorCode: xdr2.ErrOverflow, Func: "takeOpaque",
			Value: n, Description: fmt.Sprintf("opaque data of %d bytes, over the limit of %d", n, max)}
	}
	padded := int64(n) + int64((4-n%4)%4)
	left := min(lr.N, int64(br.Len()))
	if padded > left {
		return nil, &xdr2.UnmarshalError{ErrorCode: xdr2.ErrIO, Func: "takeOpaque",
			Value: n, Description: fmt.Sprintf("opaque data of %d bytes, %d left in the call", padded, left),
			Err: io.ErrUnexpectedEOF}
	}
	start := int(br.Size()) - br.Len()
	if _, err := br.Seek(padded, io.SeekCurrent); err != nil {
		return nil, err
	}
	lr.N -= padded
	return r.record[start : start+int(n) : start+int(n)], nil
}

// readUint32 reads one XDR unsigned int, with go-xdr's errors.
func readUint32(r io.Reader) (uint32, error) {
	v, _, err := xdr2.NewDecoder(r).DecodeUint()
	return v, err
}
