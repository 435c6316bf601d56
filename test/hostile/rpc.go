package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ONC RPC numbers (RFC 5531) and the NFSv3 and MOUNT programs (RFC 1813).
const (
	progNFS     = 100003
	progMount   = 100005
	procNull    = 0
	procSetattr = 2
	procWrite   = 7
	procCreate  = 8
	procMount   = 1
	authNone    = 0
	authUnix    = 1
	lastFrag    = 1 << 31
	maxReply    = 1 << 20 // no reply this client asks for is near this
)

// call builds one RPC call: the header, credential and verifier, then args.
// It does not add the record marker.
type call struct {
	xid, prog, vers, proc uint32
	credFlavor            uint32
	cred                  []byte
	args                  []byte
}

// bytes encodes c.
func (c call) bytes() []byte {
	var b enc
	b.u32(c.xid).u32(0).u32(2).u32(c.prog).u32(c.vers).u32(c.proc)
	b.u32(c.credFlavor).opaque(c.cred)
	b.u32(authNone).u32(0)
	return append(b, c.args...)
}

// record puts the last-fragment record marker in front of body.
func record(body []byte) []byte {
	var b enc
	b.u32(lastFrag | uint32(len(body)))
	return append(b, body...)
}

// unixCred is an AUTH_UNIX credential of root, as the guest's kernel
// sends for its mount.
func unixCred() []byte {
	var b enc
	b.u32(0).str("hostile").u32(0).u32(0).u32(0)
	return b
}

// legit is a well-formed call of the given program and procedure.
func legit(xid, prog, proc uint32, args []byte) []byte {
	vers := uint32(3)
	return record(call{xid: xid, prog: prog, vers: vers, proc: proc, credFlavor: authUnix, cred: unixCred(), args: args}.bytes())
}

// enc is an XDR encoder (RFC 4506): big-endian words, opaque data padded
// to four bytes.
type enc []byte

func (b *enc) u32(v uint32) *enc {
	*b = binary.BigEndian.AppendUint32(*b, v)
	return b
}

func (b *enc) u64(v uint64) *enc {
	*b = binary.BigEndian.AppendUint64(*b, v)
	return b
}

func (b *enc) opaque(p []byte) *enc {
	b.u32(uint32(len(p)))
	*b = append(*b, p...)
	for len(*b)%4 != 0 {
		*b = append(*b, 0)
	}
	return b
}

func (b *enc) str(s string) *enc { return b.opaque([]byte(s)) }

// dec reads XDR from a reply, failing on anything short.
type dec struct {
	p   []byte
	err error
}

func (d *dec) u32() uint32 {
	if d.err != nil || len(d.p) < 4 {
		d.fail()
		return 0
	}
	v := binary.BigEndian.Uint32(d.p)
	d.p = d.p[4:]
	return v
}

func (d *dec) opaque(limit uint32) []byte {
	n := d.u32()
	padded := (uint64(n) + 3) &^ 3
	if d.err != nil || n > limit || uint64(len(d.p)) < padded {
		d.fail()
		return nil
	}
	v := d.p[:n]
	d.p = d.p[padded:]
	return v
}

func (d *dec) fail() {
	if d.err == nil {
		d.err = errors.New("reply too short or malformed")
	}
}

// readReply reads one reply record and returns its results: what follows
// an accepted, successful reply header.
func readReply(r io.Reader, xid uint32) ([]byte, error) {
	var marker [4]byte
	if _, err := io.ReadFull(r, marker[:]); err != nil {
		return nil, fmt.Errorf("read reply: %w", err)
	}
	m := binary.BigEndian.Uint32(marker[:])
	if m&lastFrag == 0 || m&^lastFrag > maxReply {
		return nil, fmt.Errorf("reply record marker %#x", m)
	}
	body := make([]byte, m&^lastFrag)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("read reply: %w", err)
	}
	d := &dec{p: body}
	gotXID, msgType, replyStat := d.u32(), d.u32(), d.u32()
	d.u32()       // verifier flavor
	d.opaque(400) // verifier body
	accept := d.u32()
	switch {
	case d.err != nil:
		return nil, d.err
	case gotXID != xid || msgType != 1:
		return nil, fmt.Errorf("reply xid %d type %d, want xid %d type 1", gotXID, msgType, xid)
	case replyStat != 0 || accept != 0:
		return nil, fmt.Errorf("call not accepted: reply_stat %d accept_stat %d", replyStat, accept)
	}
	return d.p, nil
}
