package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ioTimeout bounds every exchange with the server.
const ioTimeout = 10 * time.Second

// The audit's calls: a few bytes that announce gigabytes.
var (
	// nullHugeCred is a 44-byte NULL call whose AUTH_UNIX credential
	// claims 2 GiB.
	nullHugeCred = func() []byte {
		var b enc
		b.u32(1).u32(0).u32(2).u32(progNFS).u32(3).u32(procNull)
		b.u32(authUnix).u32(0x7fffffff).u32(authNone).u32(0)
		return record(b)
	}()
	// mountHugePath is a 48-byte MOUNT call whose path claims 4 GiB.
	mountHugePath = func() []byte {
		var b enc
		b.u32(2).u32(0).u32(2).u32(progMount).u32(3).u32(procMount)
		b.u32(authNone).u32(0).u32(authNone).u32(0).u32(0xfffffff0)
		return record(b)
	}()
)

// malformed returns the i-th malformed record, cycling through its kinds.
func malformed(i int) []byte {
	var b enc
	b.u32(uint32(i)) // xid
	switch i % 5 {
	case 0: // a fragment that is not the last, which nothing ever follows
		b.u32(0).u32(2).u32(progNFS)
		var m enc
		m.u32(uint32(len(b)))
		return append(m, b...)
	case 1: // a reply where a call belongs
		b.u32(1).u32(0).u32(0).u32(0).u32(0)
	case 2: // RPC version 3
		b.u32(0).u32(3).u32(progNFS).u32(3).u32(procNull).u32(0).u32(0).u32(0).u32(0)
	case 3: // a record shorter than any call header
		b.u32(0)
	default: // noise
		for range 12 {
			b.u32(rand.Uint32())
		}
	}
	return record(b)
}

// hostile runs the attacks against the server at d.addr sharing share.
type hostile struct {
	d     *dialer
	share string
	xid   atomic.Uint32
}

// nullCall makes one well-formed NULL call on a new connection.
func (h *hostile) nullCall() error {
	c, err := h.d.dial(ioTimeout)
	if err != nil {
		return err
	}
	defer reset(c)
	_, err = h.roundTrip(c, progNFS, procNull, nil)
	return err
}

// roundTrip makes one well-formed call on c and returns its results.
func (h *hostile) roundTrip(c *net.TCPConn, prog, proc uint32, args []byte) ([]byte, error) {
	xid := h.xid.Add(1)
	c.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := c.Write(legit(xid, prog, proc, args)); err != nil {
		return nil, fmt.Errorf("send call: %w", err)
	}
	return readReply(c, xid)
}

// send writes raw on a new connection and reports whether the server
// closed it.
func (h *hostile) send(raw []byte) (bool, error) {
	c, err := h.d.dial(ioTimeout)
	if err != nil {
		return false, err
	}
	defer reset(c)
	c.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := c.Write(raw); err != nil {
		return true, nil // already closed on us
	}
	return closedByServer(c, 5*time.Second), nil
}

// malformedRecords sends n malformed records, each on its own connection,
// width at a time, and returns how many connections the server left open.
func (h *hostile) malformedRecords(n, width int) (int, error) {
	var open atomic.Int32
	var mu sync.Mutex
	var errs []error
	sem := make(chan struct{}, width)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			closed, err := h.send(malformed(i))
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			} else if !closed {
				open.Add(1)
			}
		})
	}
	wg.Wait()
	return int(open.Load()), errors.Join(errs...)
}

// stall opens count connections that announce a 2 GiB record, send 100
// bytes of it and then nothing until hold ends.
func (h *hostile) stall(count int, hold time.Duration) (func(), error) {
	var conns []*net.TCPConn
	release := func() {
		for _, c := range conns {
			reset(c)
		}
	}
	for range count {
		c, err := h.d.dial(ioTimeout)
		if err != nil {
			release()
			return nil, err
		}
		conns = append(conns, c)
		var b enc
		b.u32(lastFrag | 0x7fffffff)
		b = append(b, make([]byte, 100)...)
		c.SetWriteDeadline(time.Now().Add(ioTimeout))
		if _, err := c.Write(b); err != nil {
			release()
			return nil, fmt.Errorf("send the stalled record's start: %w", err)
		}
	}
	timer := time.AfterFunc(hold, release)
	return func() {
		if timer.Stop() {
			release()
		}
	}, nil
}

// file mounts the share and creates name in it, returning its handle.
func (h *hostile) file(c *net.TCPConn, name string) ([]byte, error) {
	var args enc
	args.str(h.share)
	res, err := h.roundTrip(c, progMount, procMount, args)
	if err != nil {
		return nil, fmt.Errorf("mount %s: %w", h.share, err)
	}
	d := &dec{p: res}
	if st := d.u32(); d.err != nil || st != 0 {
		return nil, fmt.Errorf("mount %s: status %d %v", h.share, st, d.err)
	}
	root := d.opaque(64)
	args = nil
	args.opaque(root).str(name).u32(0) // UNCHECKED
	args.u32(0).u32(0).u32(0).u32(0).u32(0).u32(0)
	if res, err = h.roundTrip(c, progNFS, procCreate, args); err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	d = &dec{p: res}
	st, follows := d.u32(), d.u32()
	fh := d.opaque(64)
	if d.err != nil || st != 0 || follows != 1 {
		return nil, fmt.Errorf("create %s: status %d, handle %d %v", name, st, follows, d.err)
	}
	return fh, nil
}

// setattrHugeSize asks n times on c to truncate fh to 2^64-1 bytes and
// returns the status of the last answer.
func (h *hostile) setattrHugeSize(c *net.TCPConn, fh []byte, n int) (uint32, error) {
	var st uint32
	for range n {
		var args enc
		args.opaque(fh).u32(0).u32(0).u32(0).u32(1).u64(^uint64(0)).u32(0).u32(0).u32(0)
		res, err := h.roundTrip(c, progNFS, procSetattr, args)
		if err != nil {
			return 0, fmt.Errorf("setattr: %w", err)
		}
		d := &dec{p: res}
		if st = d.u32(); d.err != nil {
			return 0, fmt.Errorf("setattr: %w", d.err)
		}
	}
	return st, nil
}

// writeHuge is a WRITE call to fh whose data claims 4 GiB.
func writeHuge(xid uint32, fh []byte) []byte {
	var args enc
	args.opaque(fh).u64(0).u32(0xfffffff0).u32(0).u32(0xfffffff0)
	return legit(xid, progNFS, procWrite, args)
}
