package b2diso

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso/isotest"
)

func inode(t *testing.T, p string) (uint64, uint64) {
	t.Helper()
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	st := info.Sys().(*syscall.Stat_t)
	return uint64(st.Ino), uint64(st.Nlink)
}

// cacheEntries lists the entries of cache: its directories (the lock is a
// file).
func cacheEntries(t *testing.T, cache string) []string {
	t.Helper()
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(cache, e.Name()))
		}
	}
	return dirs
}

// TestCacheSharesBootFiles: machines of one store booting the same ISO
// share one extracted copy; an upgraded machine gets a new entry and the
// old one stays as it was for the machines still on it; entries no machine
// uses are pruned.
func TestCacheSharesBootFiles(t *testing.T) {
	store := t.TempDir()
	cache := filepath.Join(store, "cache")
	oldISO := isotest.Write(t, oldLayout) // once: an ISO's bytes include when it was made
	machine := func(name string) (Dest, string) {
		dir := filepath.Join(store, name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		iso := filepath.Join(dir, "boot2docker.iso")
		copyFile(t, oldISO, iso)
		d := testDest(dir, false)
		d.Cache = cache
		return d, iso
	}
	a, isoA := machine("a")
	b, isoB := machine("b")
	if _, extracted, err := Ensure(isoA, "", "", a); err != nil || !extracted {
		t.Fatalf("first machine: %v %v", extracted, err)
	}
	if _, _, err := Ensure(isoB, "", "", b); err != nil {
		t.Fatal(err)
	}
	inoA, links := inode(t, a.Kernel)
	inoB, _ := inode(t, b.Kernel)
	if inoA != inoB || links != 3 {
		t.Errorf("the machines' kernels are inodes %d and %d with %d links; want one inode, linked from the cache and both", inoA, inoB, links)
	}

	copyFile(t, isotest.Write(t, newLayout), isoB) // docker-machine upgrade b
	if _, extracted, err := Ensure(isoB, "", "", b); err != nil || !extracted {
		t.Fatalf("upgraded machine: %v %v", extracted, err)
	}
	assertFile(t, b.Kernel, "new-kernel")
	assertFile(t, a.Kernel, "old-kernel") // never written in place
	if n := len(cacheEntries(t, cache)); n != 2 {
		t.Errorf("%d cache entries after an upgrade, want 2", n)
	}

	// a goes away: its entry is unused, but only pruned once it is old.
	if err := os.RemoveAll(filepath.Dir(a.Kernel)); err != nil {
		t.Fatal(err)
	}
	if n, err := PruneCache(cache); err != nil || n != 0 {
		t.Errorf("pruned %d fresh entries (%v)", n, err)
	}
	old := time.Now().Add(-time.Hour)
	for _, e := range cacheEntries(t, cache) {
		os.Chtimes(e, old, old)
	}
	if n, err := PruneCache(cache); err != nil || n != 1 {
		t.Errorf("pruned %d entries, want the unused one (%v)", n, err)
	}
	assertFile(t, b.Kernel, "new-kernel")
	if _, _, err := Ensure(isoB, "", "", b); err != nil {
		t.Errorf("the machine in use lost its boot files: %v", err)
	}
}
