package dhcp

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/zchee/docker-machine-driver-xhyve/internal/atomicfile"
)

// RemoveMAC returns the lease file without the entries of mac, keeping every
// other byte as it was, and how many entries it dropped. A file that does not
// parse is an error and nothing is returned.
func RemoveMAC(r io.Reader, mac net.HardwareAddr) ([]byte, int, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, 0, fmt.Errorf("read leases: %w", err)
	}
	var (
		p       parser
		out     bytes.Buffer
		start   = -1 // offset of the open entry's first byte
		removed int
	)
	for off := 0; off < len(data); {
		end := len(data)
		if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
			end = off + i + 1
		}
		line := data[off:end]
		wasOutside, closed := p.cur == nil, len(p.leases)
		if err := p.feed(string(bytes.TrimRight(line, "\n"))); err != nil {
			return nil, 0, err
		}
		switch {
		case wasOutside && p.cur != nil:
			start = off
		case len(p.leases) > closed:
			if bytes.Equal(p.leases[closed].HWAddress, mac) {
				removed++
			} else {
				out.Write(data[start:end])
			}
			start = -1
		case start < 0:
			out.Write(line)
		}
		off = end
	}
	if err := p.end(); err != nil {
		return nil, 0, err
	}
	return out.Bytes(), removed, nil
}

// RemoveMACFromFile drops mac's entries from the lease file at path, replacing
// it atomically (write then rename, as bootpd does) and keeping its mode. A
// missing file has nothing to remove.
func RemoveMACFromFile(path string, mac net.HardwareAddr) (int, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("open leases: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("stat leases: %w", err)
	}
	kept, removed, err := RemoveMAC(f, mac)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", path, err)
	}
	if removed == 0 {
		return 0, nil
	}
	if err := atomicfile.WriteFile(path, kept, info.Mode().Perm()); err != nil {
		return 0, err
	}
	return removed, nil
}

// LookupFile finds mac's current lease in the lease file at path. A missing
// file means vmnet has handed out no address yet (ErrNotFound).
func LookupFile(path string, mac net.HardwareAddr) (Lease, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return Lease{}, fmt.Errorf("%w %s (%s does not exist yet)", ErrNotFound, mac, path)
	}
	if err != nil {
		return Lease{}, fmt.Errorf("open leases: %w", err)
	}
	defer f.Close()
	leases, err := Parse(f)
	if err != nil {
		return Lease{}, fmt.Errorf("parse %s: %w", path, err)
	}
	return Find(leases, mac)
}
