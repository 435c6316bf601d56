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

	"github.com/zchee/docker-machine-driver-xhyve/internal/lockfile"
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

// The cache's lock: filling an entry, linking one into a machine and
// pruning all hold it, across the plugin processes of a store, so an entry
// with a valid record is never removed while a create links it.
const cacheLockName = ".lock"

// The wait for the cache's lock, held for a few renames and links (an
// extraction only when an entry vanished between look and lock); tests
// shorten them.
var (
	cacheLockTimeout  = 2 * time.Minute
	cacheLockInterval = 20 * time.Millisecond
)

// lockCache takes the cache's lock, creating the cache. As the store's
// uuid pool lock, it is readable by all and locked read-only: a store used
// once through sudo leaves root's lock behind, and the user's plugin must
// still take it.
func lockCache(cache string) (*lockfile.Lock, error) {
	if err := os.MkdirAll(cache, 0o700); err != nil {
		return nil, fmt.Errorf("create boot file cache: %w", err)
	}
	l, err := lockfile.File(filepath.Join(cache, cacheLockName), lockfile.Options{
		Timeout: cacheLockTimeout, Interval: cacheLockInterval, Flag: os.O_RDONLY | os.O_CREATE, Perm: 0o644,
	})
	if err != nil {
		return nil, fmt.Errorf("lock boot file cache: %w", err)
	}
	return l, nil
}

// ensureCached makes dst's kernel and initrd hard links to the cache
// entry of the ISO, extracting it first when no machine has yet. Entries
// are made whole in a temporary directory and renamed into place, and
// their files are never written again: a machine whose ISO changes
// (docker-machine upgrade) is linked to another entry, and a running
// hypervisor's kernel stays as it was. The extraction runs outside the
// cache's lock; putting the entry in place, linking it and marking it used
// run under it.
func ensureCached(isoPath string, want Record, dst Dest) (rec Record, err error) {
	entry := filepath.Join(dst.Cache, cacheKey(want))
	var fresh string // a filled entry of our own, not yet in place
	if _, ok := validEntry(entry, want); !ok {
		if fresh, err = fillTemp(isoPath, want, dst.Cache); err != nil {
			return Record{}, err
		}
		defer os.RemoveAll(fresh) // gone once renamed
	}
	lock, err := lockCache(dst.Cache)
	if err != nil {
		return Record{}, err
	}
	defer func() {
		if uerr := lock.Unlock(); uerr != nil && err == nil {
			err = fmt.Errorf("unlock boot file cache: %w", uerr)
		}
	}()
	rec, ok := validEntry(entry, want)
	if !ok {
		if fresh == "" { // pruned since we looked
			if fresh, err = fillTemp(isoPath, want, dst.Cache); err != nil {
				return Record{}, err
			}
			defer os.RemoveAll(fresh)
		}
		if rec, err = placeEntry(fresh, entry, want); err != nil {
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

// validEntry reads the record of the entry at dir, and reports whether it
// holds want's boot files. Entries are renamed into place whole, so a
// record means the files are there.
func validEntry(dir string, want Record) (Record, bool) {
	rec, err := ReadRecord(filepath.Join(dir, cacheRecord))
	return rec, err == nil && rec.ISOSHA256 == want.ISOSHA256 &&
		rec.KernelOverride == want.KernelOverride && rec.InitrdOverride == want.InitrdOverride
}

// fillTemp extracts the ISO's boot files and their record into a new
// temporary directory of cache and returns it.
func fillTemp(isoPath string, want Record, cache string) (string, error) {
	if err := os.MkdirAll(cache, 0o700); err != nil {
		return "", fmt.Errorf("create boot file cache: %w", err)
	}
	tmp, err := os.MkdirTemp(cache, ".new-")
	if err != nil {
		return "", fmt.Errorf("create boot file cache entry: %w", err)
	}
	rec, err := extract(isoPath, want, filepath.Join(tmp, cacheKernel), filepath.Join(tmp, cacheInitrd))
	if err == nil {
		err = writeRecord(filepath.Join(tmp, cacheRecord), rec)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	return tmp, nil
}

// placeEntry renames the filled directory fresh to entry, in place of an
// incomplete one (no record: a crashed run), under the cache's lock.
func placeEntry(fresh, entry string, want Record) (Record, error) {
	if err := os.RemoveAll(entry); err != nil {
		return Record{}, fmt.Errorf("remove incomplete boot file cache entry: %w", err)
	}
	if err := os.Rename(fresh, entry); err != nil {
		return Record{}, fmt.Errorf("add boot file cache entry: %w", err)
	}
	rec, ok := validEntry(entry, want)
	if !ok {
		return Record{}, fmt.Errorf("add boot file cache entry %s: its record does not match the ISO", entry)
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
// returns how many it removed. It holds the cache's lock, so no create
// links an entry while it goes.
func PruneCache(cache string) (n int, err error) {
	if _, err := os.Stat(cache); errors.Is(err, os.ErrNotExist) {
		return 0, nil // nothing was ever cached
	}
	lock, err := lockCache(cache)
	if err != nil {
		return 0, err
	}
	defer func() {
		if uerr := lock.Unlock(); uerr != nil && err == nil {
			err = fmt.Errorf("unlock boot file cache: %w", uerr)
		}
	}()
	entries, err := os.ReadDir(cache)
	if err != nil {
		return 0, fmt.Errorf("read boot file cache: %w", err)
	}
	removed := 0
	for _, e := range entries {
		dir := filepath.Join(cache, e.Name())
		info, err := os.Lstat(dir)
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
