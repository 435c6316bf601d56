package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A small ONC RPC (RFC 5531) client over TCP: enough to ask rpcbind where a
// program listens and to ask mountd what it exports (what `showmount -e`
// does), so nfsd can check what the server really serves.

const (
	progPortmap = 100000
	progMount   = 100005
	progStatd   = 100024
	progNLM     = 100021
	ipprotoTCP  = 6
	ipprotoUDP  = 17
)

type xdrWriter []byte

func (w *xdrWriter) u32(v uint32) { *w = binary.BigEndian.AppendUint32(*w, v) }

type xdrReader struct {
	b   []byte
	err error
}

func (r *xdrReader) u32() uint32 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 4 {
		r.err = io.ErrUnexpectedEOF
		return 0
	}
	v := binary.BigEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *xdrReader) opaque() []byte {
	n := r.u32()
	if r.err != nil {
		return nil
	}
	padded := (int(n) + 3) &^ 3
	if n > 1<<20 || len(r.b) < padded {
		r.err = io.ErrUnexpectedEOF
		return nil
	}
	v := r.b[:n]
	r.b = r.b[padded:]
	return v
}

var xid = uint32(time.Now().UnixNano())

// rpcCall makes one call with AUTH_SYS (uid 0) and returns the results.
func rpcCall(addr string, prog, vers, proc uint32, args []byte, timeout time.Duration) ([]byte, error) {
	// From 127.0.0.1: the server's exports name that address (see
	// verifierClient), so its mountd lists all of them to us.
	d := net.Dialer{Timeout: timeout, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	xid++
	var m xdrWriter
	m.u32(xid)
	m.u32(0) // CALL
	m.u32(2) // RPC version
	m.u32(prog)
	m.u32(vers)
	m.u32(proc)
	// credentials: AUTH_SYS { stamp, machinename "nfsd", uid 0, gid 0, no gids }
	var cred xdrWriter
	cred.u32(0) // stamp
	cred.u32(4)
	cred = append(cred, "nfsd"...)
	cred.u32(0) // uid
	cred.u32(0) // gid
	cred.u32(0) // no gids
	m.u32(1)
	m.u32(uint32(len(cred)))
	m = append(m, cred...)
	m.u32(0) // verifier AUTH_NONE
	m.u32(0)
	m = append(m, args...)
	rec := binary.BigEndian.AppendUint32(nil, 0x80000000|uint32(len(m)))
	if _, err := conn.Write(append(rec, m...)); err != nil {
		return nil, err
	}
	var reply []byte
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return nil, err
		}
		h := binary.BigEndian.Uint32(hdr[:])
		n := h & 0x7fffffff
		if n > 16<<20 {
			return nil, fmt.Errorf("rpc reply fragment too large (%d)", n)
		}
		frag := make([]byte, n)
		if _, err := io.ReadFull(conn, frag); err != nil {
			return nil, err
		}
		reply = append(reply, frag...)
		if h&0x80000000 != 0 {
			break
		}
	}
	r := &xdrReader{b: reply}
	if got := r.u32(); got != xid {
		return nil, fmt.Errorf("rpc: reply xid %d, want %d", got, xid)
	}
	if r.u32() != 1 {
		return nil, errors.New("rpc: not a reply")
	}
	if st := r.u32(); st != 0 {
		return nil, fmt.Errorf("rpc: call denied (%d)", st)
	}
	r.u32()    // verifier flavor
	r.opaque() // verifier body
	if st := r.u32(); st != 0 {
		return nil, fmt.Errorf("rpc: program %d v%d procedure %d not accepted (accept_stat %d)", prog, vers, proc, st)
	}
	if r.err != nil {
		return nil, r.err
	}
	return r.b, nil
}

// getPort asks rpcbind (portmapper v2) on host where prog/vers listens.
func getPort(host string, prog, vers, proto uint32) (int, error) {
	var a xdrWriter
	a.u32(prog)
	a.u32(vers)
	a.u32(proto)
	a.u32(0)
	res, err := rpcCall(net.JoinHostPort(host, "111"), progPortmap, 2, 3, a, 3*time.Second)
	if err != nil {
		return 0, fmt.Errorf("rpcbind on %s: %w", host, err)
	}
	r := &xdrReader{b: res}
	port := r.u32()
	if r.err != nil {
		return 0, r.err
	}
	if port == 0 {
		return 0, fmt.Errorf("program %d version %d is not registered with rpcbind on %s", prog, vers, host)
	}
	return int(port), nil
}

// Served is one export as mountd lists it.
type Served struct {
	Path    string
	Clients []string
}

// servedExports asks the server's mountd (located through rpcbind, MOUNT v3
// EXPORT) what it exports, sorted by path.
func servedExports(host string) ([]Served, error) {
	port, err := getPort(host, progMount, 3, ipprotoTCP)
	if err != nil {
		return nil, err
	}
	res, err := rpcCall(net.JoinHostPort(host, strconv.Itoa(port)), progMount, 3, 5, nil, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("mountd on %s: %w", host, err)
	}
	out, err := decodeExports(res)
	if err != nil {
		return nil, fmt.Errorf("mountd on %s: %w", host, err)
	}
	return out, nil
}

// decodeExports reads a MOUNT EXPORT result (a list of directories, each
// with a list of group names).
func decodeExports(res []byte) ([]Served, error) {
	r := &xdrReader{b: res}
	var out []Served
	for r.u32() == 1 && r.err == nil {
		s := Served{Path: string(r.opaque())}
		for r.u32() == 1 && r.err == nil {
			// ganesha names a host a.b.c.d/32
			if c := strings.TrimSuffix(string(r.opaque()), "/32"); c != verifierClient {
				s.Clients = append(s.Clients, c)
			}
		}
		sort.Strings(s.Clients)
		out = append(out, s)
	}
	if r.err != nil {
		return nil, r.err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}
