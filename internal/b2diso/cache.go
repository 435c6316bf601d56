package b2diso

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Files of a cache entry: Cache/<key>/ holds one ISO's boot files.
const (
	cacheKernel = "vmlinuz"
	cacheInitrd = "initrd.img"
	cacheRecord = "boot.json"
)

// pruneAge spares entries younger than this: a create may have just
// extracted one and not linked it yet.
const pruneAge = 10 * time.Minute

// cacheKey names the entry of an ISO and its overrides.
func cacheKey(rec Record) string {
	if rec.KernelOverride == "" && rec.InitrdOverride == "" {
		return rec.ISOSHA256
	}
	h := sha256.Sum256([]byte(rec.KernelOverride + "\x00" + rec.InitrdOverride))
	return rec.ISOSHA256 + "-" + hex.EncodeToString(h[:8])
}

// ensureCached makes dst's kernel and initrd hard links to the cache
// entry of the ISO, extracting it first when no machine has yet. Entries
// are made whole in a temporary directory and renamed into place, and
// their files are never written again: a machine whose ISO changes
// (docker-machine upgrade) is linked to another entry, and a running
// hypervisor's kernel stays as it was.
func ensureCached(isoPath string, want Record, dst Dest) (Record, error) {
	entry := filepath.Join(dst.Cache, cacheKey(want))
	rec, err := readRecord(filepath.Join(entry, cacheRecord))
	if err != nil || rec.ISOSHA256 != want.ISOSHA256 {
		if rec, err = fillEntry(isoPath, want, dst.Cache, entry); err != nil {
			return Record{}, err
		}
	}
	for _, l := range []struct{ from, to string }{{cacheKernel, dst.Kernel}, {cacheInitrd, dst.Initrd}} {
		if err := linkInto(filepath.Join(entry, l.from), l.to); err != nil {
			return Record{}, err
		}
	}
	now := time.Now()
	os.Chtimes(entry, now, now) // in use: not pruned for a while
	return rec, nil
}

// fillEntry extracts the ISO's boot files into a new entry.
func fillEntry(isoPath string, want Record, cache, entry string) (Record, error) {
	if err := os.MkdirAll(cache, 0o700); err != nil {
		return Record{}, fmt.Errorf("create boot file cache: %w", err)
	}
	tmp, err := os.MkdirTemp(cache, ".new-")
	if err != nil {
		return Record{}, fmt.Errorf("create boot file cache entry: %w", err)
	}
	defer os.RemoveAll(tmp) // gone after the rename
	rec, err := extract(isoPath, want, filepath.Join(tmp, cacheKernel), filepath.Join(tmp, cacheInitrd))
	if err != nil {
		return Record{}, err
	}
	if err := writeRecord(filepath.Join(tmp, cacheRecord), rec); err != nil {
		return Record{}, err
	}
	os.RemoveAll(entry) // an incomplete entry (no record) of a crashed run
	if err := os.Rename(tmp, entry); err != nil {
		// Another create filled it meanwhile: use theirs.
		if theirs, rerr := readRecord(filepath.Join(entry, cacheRecord)); rerr == nil && theirs.ISOSHA256 == want.ISOSHA256 {
			return theirs, nil
		}
		return Record{}, fmt.Errorf("add boot file cache entry: %w", err)
	}
	return rec, nil
}

// linkInto replaces dst by a hard link to src (a copy where links cannot
// be made), atomically.
func linkInto(src, dst string) error {
	tmp := dst + ".link-" + fmt.Sprint(os.Getpid())
	os.Remove(tmp)
	if err := os.Link(src, tmp); err != nil {
		if err := copyPlain(src, tmp); err != nil {
			return fmt.Errorf("link %s: %w", dst, err)
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("link %s: %w", dst, err)
	}
	return nil
}

func copyPlain(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o600)
}

// PruneCache removes the entries of cache no machine links to any more
// (their kernel has no other link) that were not used for a while, and
// returns how many it removed.
func PruneCache(cache string) (int, error) {
	entries, err := os.ReadDir(cache)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read boot file cache: %w", err)
	}
	removed := 0
	for _, e := range entries {
		dir := filepath.Join(cache, e.Name())
		info, err := os.Stat(dir)
		if err != nil || !info.IsDir() || time.Since(info.ModTime()) < pruneAge {
			continue
		}
		k, err := os.Stat(filepath.Join(dir, cacheKernel))
		if st, ok := sysStat(k, err); ok && st.Nlink > 1 {
			continue // a machine boots it
		}
		if err := os.RemoveAll(dir); err != nil {
			return removed, fmt.Errorf("prune boot file cache: %w", err)
		}
		removed++
	}
	return removed, nil
}

func sysStat(info os.FileInfo, err error) (*syscall.Stat_t, bool) {
	if err != nil {
		return nil, false
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	return st, ok
}
