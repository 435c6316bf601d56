package nfs

// Fork: this file is new. It holds the limits that the fork puts on what
// a client sends (see README.md of the fork) and reads records within them.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"

	xdr2 "github.com/rasky/go-xdr/xdr2"
)

const (
	// MaxIOSize is the largest READ and WRITE the server serves. FSINFO
	// advertises it as rtmax, rtpref, wtmax and wtpref (upstream: 1 GiB,
	// which Linux clients cut to their own 1 MiB), WRITE data may be no
	// longer, READ counts are cut to it, and READDIR and READDIRPLUS
	// counts too.
	MaxIOSize = 1 << 20
	// DefaultMaxRecordSize is the longest RPC record the server reads when
	// Server.MaxRecordSize is 0: a WRITE of MaxIOSize bytes with the
	// largest call header (credential and verifier of 400 bytes each, a
	// 64-byte handle: 928 bytes in all) fits with room to spare.
	DefaultMaxRecordSize = MaxIOSize + 4<<10
	// Also bounded, with upstream's constants: file handles by FHSize
	// (64, RFC 1813's NFS3_FHSIZE), names by PathNameMax (255), MOUNT
	// paths by MntPathLen (1024, MNTPATHLEN), credentials and verifiers
	// by go-nfs-client's rpc.MaxAuthBytes (400, RFC 5531's MAX_AUTH_BYTES).

	// dtPref is the READDIR size FSINFO advertises: the Linux client
	// asks for READDIRPLUS replies of this many bytes (and a directory
	// part an eighth of it), so 64 KiB lists about 400 entries in one
	// call (upstream's 8 KiB, about 15).
	dtPref = 64 << 10

	// MaxPathLen is the longest symlink text SYMLINK takes. NFSv3 leaves
	// the limit to the server; 4096 is Linux's PATH_MAX, the longest text
	// its client sends.
	MaxPathLen = 4096

	// minCallSize is the shortest call: xid, message type, RPC version,
	// program, version, procedure, and two empty authenticators.
	minCallSize = 40
	// lastFragment marks the last fragment of a record (RFC 5531, 11).
	lastFragment = 1 << 31
	// recordStartSize is the buffer a record starts with; it grows as the
	// record's bytes arrive, so a connection that announces a long record
	// and stalls holds only what it sent.
	recordStartSize = 4 << 10
)

// maxRecordSize is the longest record the server reads.
func (s *Server) maxRecordSize() int {
	if s.MaxRecordSize > 0 {
		return s.MaxRecordSize
	}
	return DefaultMaxRecordSize
}

// readRecord reads one record of at most max bytes. A record sent in more
// than one fragment is refused: NFS clients send one fragment per call
// (upstream refused them too), and a refused record ends the connection.
// io.EOF means the connection closed cleanly between records.
func readRecord(r *bufio.Reader, max int) ([]byte, error) {
	return readRecordInto(r, max, nil)
}

// readRecordInto is readRecord reading into buf when it is large enough.
// buf is a buffer an earlier record of the connection grew, so reusing it
// allocates nothing beyond what was received; when it is too small, the
// record is read as readRecord reads it, into a buffer that grows with the
// bytes that arrive.
//
// Fork: new, so that a connection allocates its record buffers once
// rather than per call (up to 1 MiB per WRITE, with the copies as it
// doubled).
func readRecordInto(r *bufio.Reader, max int, buf []byte) ([]byte, error) {
	var marker [4]byte
	if _, err := io.ReadFull(r, marker[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("read record marker: %w", err)
	}
	m := binary.BigEndian.Uint32(marker[:])
	size := int64(m &^ lastFragment)
	switch {
	case m&lastFragment == 0:
		return nil, fmt.Errorf("%w: record in more than one fragment", ErrInputInvalid)
	case size < minCallSize:
		return nil, fmt.Errorf("%w: record of %d bytes, shorter than any call", ErrInputInvalid, size)
	case size > int64(max):
		return nil, fmt.Errorf("%w: record of %d bytes, over the limit of %d", ErrInputInvalid, size, max)
	}
	// The buffer doubles as it fills, never beyond size: a record costs
	// at most twice its size in allocations, and what was sent.
	if int64(cap(buf)) >= size || cap(buf) >= recordStartSize {
		buf = buf[:0]
	} else {
		buf = make([]byte, 0, min(size, recordStartSize))
	}
	for int64(len(buf)) < size {
		if len(buf) == cap(buf) {
			buf = append(make([]byte, 0, min(size, 2*int64(cap(buf)))), buf...)
		}
		n, err := r.Read(buf[len(buf):min(int64(cap(buf)), size)])
		buf = buf[:len(buf)+n]
		if err == io.EOF && int64(len(buf)) < size {
			err = io.ErrUnexpectedEOF
		}
		if err != nil && int64(len(buf)) < size {
			return nil, fmt.Errorf("read record of %d bytes after %d: %w", size, len(buf), err)
		}
	}
	return buf, nil
}

// isDecodeError reports whether err comes from decoding a call's
// arguments: the connection then ends without a reply.
func isDecodeError(err error) bool {
	var ue *xdr2.UnmarshalError
	return errors.As(err, &ue)
}
