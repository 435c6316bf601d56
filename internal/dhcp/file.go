package dhcp

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
)

// RemoveMAC returns the lease file without the entries of mac, keeping every
// other byte as it was, and how many entries it dropped. The input must parse.
func RemoveMAC(r io.Reader, mac net.HardwareAddr) ([]byte, int, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, 0, fmt.Errorf("read leases: %w", err)
	}
	if _, err := Parse(bytes.NewReader(data)); err != nil {
		return nil, 0, err
	}
	var (
		out     bytes.Buffer
		entry   []byte // raw bytes of the open entry, braces included
		inEntry bool
		removed int
	)
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line = data[:i+1]
		}
		data = data[len(line):]
		trimmed := string(bytes.TrimSpace(line))
		switch {
		case !inEntry && trimmed == "{":
			inEntry, entry = true, append(entry[:0], line...)
		case inEntry:
			entry = append(entry, line...)
			if trimmed != "}" {
				continue
			}
			inEntry = false
			leases, err := Parse(bytes.NewReader(entry))
			if err != nil {
				return nil, 0, err
			}
			if len(leases) == 1 && bytes.Equal(leases[0].HWAddress, mac) {
				removed++
				continue
			}
			out.Write(entry)
		default:
			out.Write(line)
		}
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
	tmp, err := os.CreateTemp(filepath.Dir(path), ".dhcpd_leases.*")
	if err != nil {
		return 0, fmt.Errorf("create temporary leases file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(kept); err != nil {
		tmp.Close()
		return 0, fmt.Errorf("write temporary leases file: %w", err)
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return 0, fmt.Errorf("chmod temporary leases file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return 0, fmt.Errorf("close temporary leases file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, fmt.Errorf("replace leases file: %w", err)
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
