// Command hostile plays a hostile guest against the driver's built-in NFS
// server (docs/facts.md, "The built-in NFS server"): the e2e and faults
// suites copy it into a VM and run it there, as root (which binds reserved
// source ports, like the guest's own mount) and as an ordinary user.
//
//	hostile nfs ADDR SHARE [HOLD]  every attack below, then a NULL call that
//	                               must still be answered; HOLD (default 10s)
//	                               is how long the stalled records stay open
//	hostile null ADDR              one NULL call: prints "answered" (exit 0)
//	                               or "not served: WHY" (exit 1)
//
// The attacks, each reported on its own line:
//   - a 44-byte NULL call whose credential claims 2 GiB;
//   - a 48-byte MOUNT call whose path claims 4 GiB;
//   - four connections that announce a 2 GiB record, send 100 bytes of it
//     and stall for HOLD;
//   - 1,000 malformed records, each on its own connection, which the server
//     must close (exit 1 when any is left open);
//   - a WRITE whose data claims 4 GiB;
//   - 200 SETATTRs truncating a file to 2^64-1 bytes.
//
// It never checks the server's memory or descriptors: the host side does,
// while this runs.
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	switch {
	case len(os.Args) == 3 && os.Args[1] == "null":
		h := &hostile{d: newDialer(os.Args[2])}
		if err := h.nullCall(); err != nil {
			fmt.Printf("not served: %v\n", err)
			os.Exit(1)
		}
		fmt.Println("answered")
	case (len(os.Args) == 4 || len(os.Args) == 5) && os.Args[1] == "nfs":
		hold := 10 * time.Second
		if len(os.Args) == 5 {
			var err error
			if hold, err = time.ParseDuration(os.Args[4]); err != nil {
				fail(fmt.Errorf("hold %q: %w", os.Args[4], err))
			}
		}
		h := &hostile{d: newDialer(os.Args[2]), share: os.Args[3]}
		if err := h.all(hold); err != nil {
			fail(err)
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: hostile nfs ADDR SHARE [HOLD] | hostile null ADDR")
		os.Exit(2)
	}
}

func fail(err error) {
	fmt.Printf("FAIL: %v\n", err)
	os.Exit(1)
}

// all runs every attack in turn, checking after each that the server still
// answers a well-formed call.
func (h *hostile) all(hold time.Duration) error {
	if !h.d.reserved {
		return fmt.Errorf("run as root: the server serves reserved source ports only")
	}
	if err := h.nullCall(); err != nil {
		return fmt.Errorf("not served before any attack: %w", err)
	}
	release, err := h.stall(4, hold)
	if err != nil {
		return fmt.Errorf("stalled records: %w", err)
	}
	defer release()
	fmt.Printf("stalled records: 4 connections announced 2 GiB each, sent 100 bytes, holding %s\n", hold)
	for _, a := range []struct {
		name string
		raw  []byte
	}{{"null call with a 2 GiB credential", nullHugeCred}, {"mount call with a 4 GiB path", mountHugePath}} {
		closed, err := h.send(a.raw)
		if err != nil {
			return fmt.Errorf("%s: %w", a.name, err)
		}
		fmt.Printf("%s (%d bytes): closed by the server: %t\n", a.name, len(a.raw), closed)
		if err := h.nullCall(); err != nil {
			return fmt.Errorf("not served after the %s: %w", a.name, err)
		}
	}
	open, err := h.malformedRecords(1000, 6)
	fmt.Printf("malformed records: 1000 sent, %d left open by the server\n", open)
	if err != nil || open > 0 {
		return fmt.Errorf("malformed records: %d left open (%v)", open, err)
	}
	if err := h.fileAttacks(); err != nil {
		return err
	}
	if err := h.nullCall(); err != nil {
		return fmt.Errorf("not served after the attacks: %w", err)
	}
	fmt.Println("served after the attacks: yes")
	return nil
}

// fileAttacks are the attacks that need a file handle: the huge SETATTRs,
// then the huge WRITE, which ends the connection.
func (h *hostile) fileAttacks() error {
	c, err := h.d.dial(ioTimeout)
	if err != nil {
		return err
	}
	defer reset(c)
	fh, err := h.file(c, "hostile.bin")
	if err != nil {
		return err
	}
	st, err := h.setattrHugeSize(c, fh, 200)
	if err != nil {
		return err
	}
	fmt.Printf("setattr to 2^64-1 bytes, 200 times: status %d\n", st)
	c.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := c.Write(writeHuge(h.xid.Add(1), fh)); err != nil {
		return fmt.Errorf("send the huge write: %w", err)
	}
	fmt.Printf("write with 4 GiB of data: closed by the server: %t\n", closedByServer(c, 5*time.Second))
	return nil
}
