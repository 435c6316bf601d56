package dhcp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/atomicfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/lockfile"
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

// ErrChanged reports that the lease file kept changing under an edit: bootpd
// (which takes no lock of ours) rewrote it every time it was about to be
// replaced.
var ErrChanged = errors.New("lease file kept changing while it was edited")

// maxAttempts bounds the re-reads after bootpd rewrote the file.
const maxAttempts = 10

// Seams for tests. lockWait bounds the wait for another driver process's
// edit: an edit takes milliseconds, so a lock held this long belongs to a
// stuck process. afterRead runs between reading the file and checking that it
// is unchanged, where a test plays bootpd.
var (
	lockWait  = 30 * time.Second
	afterRead = func() {}
)

// RemoveMACFromFile drops mac's entries from the lease file at path, replacing
// it atomically (write then rename, as bootpd does) and keeping its mode. A
// missing file has nothing to remove.
//
// Every driver process serialises its edits with a lock on the file's
// directory: /var/db is root's, so nobody can plant a lock file there, and a
// directory lock creates nothing. bootpd takes no such lock, so the file is
// re-checked just before the rename and the edit starts over when bootpd
// replaced it meanwhile; its new lease is never dropped.
func RemoveMACFromFile(path string, mac net.HardwareAddr) (n int, err error) {
	lock, err := lockfile.Dir(filepath.Dir(path), lockfile.Options{Timeout: lockWait, Interval: 20 * time.Millisecond})
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil // no directory, so no lease file either
	}
	if err != nil {
		return 0, fmt.Errorf("edit %s: %w", path, err)
	}
	defer func() {
		if uerr := lock.Unlock(); uerr != nil && err == nil {
			err = fmt.Errorf("unlock the directory of %s: %w", path, uerr)
		}
	}()
	for attempt := 0; attempt < maxAttempts; attempt++ {
		removed, rerr := removeOnce(path, mac)
		if !errors.Is(rerr, errStale) {
			return removed, rerr
		}
	}
	return 0, fmt.Errorf("edit %s: %w (%d attempts)", path, ErrChanged, maxAttempts)
}

// errStale makes removeOnce's caller start over from the file's new contents.
var errStale = errors.New("lease file changed since it was read")

// removeOnce does one read-edit-replace; errStale means the file changed
// after it was read, and nothing was written.
func removeOnce(path string, mac net.HardwareAddr) (int, error) {
	before, err := readSnapshot(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	kept, removed, err := RemoveMAC(bytes.NewReader(before.data), mac)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", path, err)
	}
	if removed == 0 {
		return 0, nil
	}
	afterRead()
	// The check runs inside fill, once the new contents are written, so only
	// the rename follows it: the window for bootpd is as small as it gets.
	err = atomicfile.Write(path, before.info.Mode().Perm(), func(w io.Writer) error {
		if _, err := w.Write(kept); err != nil {
			return err
		}
		return before.check(path)
	})
	if err != nil {
		return 0, err
	}
	return removed, nil
}

// snapshot is the lease file as read, to tell whether it changed since.
type snapshot struct {
	info fs.FileInfo
	data []byte
}

func readSnapshot(path string) (snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return snapshot{}, fmt.Errorf("open leases: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return snapshot{}, fmt.Errorf("stat leases: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return snapshot{}, fmt.Errorf("read leases: %w", err)
	}
	return snapshot{info: info, data: data}, nil
}

// check returns errStale unless path is still the same file (bootpd renames
// a new one over it) with the same size, mtime and bytes (an in-place
// writer keeps the inode).
func (s snapshot) check(path string) error {
	now, err := readSnapshot(path)
	if errors.Is(err, fs.ErrNotExist) {
		return errStale
	}
	if err != nil {
		return err
	}
	if !os.SameFile(s.info, now.info) || s.info.Size() != now.info.Size() ||
		!s.info.ModTime().Equal(now.info.ModTime()) || !bytes.Equal(s.data, now.data) {
		return errStale
	}
	return nil
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
