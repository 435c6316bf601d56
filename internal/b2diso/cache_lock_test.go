package b2diso

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso/isotest"
	"github.com/zchee/docker-machine-driver-xhyve/internal/lockfile"
)

// TestCacheLockIsBounded: a create or an rm waits for the cache's lock no
// longer than cacheLockTimeout, and says so.
func TestCacheLockIsBounded(t *testing.T) {
	s := newRaceStore(t, isotest.Write(t, oldLayout))
	d, iso := s.machine("m")
	if err := os.MkdirAll(s.cache, 0o700); err != nil {
		t.Fatal(err)
	}
	held, err := lockfile.File(filepath.Join(s.cache, cacheLockName), lockfile.Options{Timeout: time.Second, Flag: os.O_RDONLY | os.O_CREATE, Perm: 0o644})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	timeout := cacheLockTimeout
	cacheLockTimeout = 100 * time.Millisecond
	defer func() { cacheLockTimeout = timeout }()
	start := time.Now()
	if _, _, err := Ensure(iso, "", "", d); !errors.Is(err, lockfile.ErrTimeout) {
		t.Errorf("Ensure while another process holds the cache: %v, want lockfile.ErrTimeout", err)
	}
	if _, err := PruneCache(s.cache); !errors.Is(err, lockfile.ErrTimeout) {
		t.Errorf("PruneCache while another process holds the cache: %v, want lockfile.ErrTimeout", err)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Errorf("waited %s for two 100ms bounds", waited)
	}
}

// TestCacheLockReadOnly: a store used once through sudo leaves root's lock
// behind, readable by all; the user's creates and rms still take it.
func TestCacheLockReadOnly(t *testing.T) {
	s := newRaceStore(t, isotest.Write(t, oldLayout))
	a, isoA := s.machine("a")
	if _, _, err := Ensure(isoA, "", "", a); err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(s.cache, cacheLockName)
	info, err := os.Stat(lock)
	if err != nil || info.Mode().Perm() != 0o644 {
		t.Fatalf("the cache's lock: %v, %v; want mode 0644", info, err)
	}
	if err := os.Chmod(lock, 0o444); err != nil {
		t.Fatal(err)
	}
	b, isoB := s.machine("b")
	if _, _, err := Ensure(isoB, "", "", b); err != nil {
		t.Errorf("create with a read-only lock: %v", err)
	}
	if _, err := PruneCache(s.cache); err != nil {
		t.Errorf("prune with a read-only lock: %v", err)
	}
}

// TestPruneOfNoCache: an rm in a store that never cached creates nothing.
func TestPruneOfNoCache(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "cache", "boot")
	if n, err := PruneCache(cache); n != 0 || err != nil {
		t.Errorf("PruneCache of no cache: %d, %v", n, err)
	}
	if _, err := os.Stat(cache); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("PruneCache made the cache: %v", err)
	}
}
