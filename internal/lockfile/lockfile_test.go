package lockfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFileLockExcludesAndTimesOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	opts := Options{Timeout: 200 * time.Millisecond, Interval: 10 * time.Millisecond, Flag: os.O_RDWR | os.O_CREATE}
	l, err := File(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := File(path, opts); !errors.Is(err, ErrTimeout) {
		t.Fatalf("second lock: %v, want ErrTimeout", err)
	}
	if waited := time.Since(start); waited < opts.Timeout || waited > 5*time.Second {
		t.Errorf("waited %s for a %s timeout", waited, opts.Timeout)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l2, err := File(path, opts)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	l2.Unlock()
}

func TestLockNeverFollowsSymlinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	link := filepath.Join(dir, "lock")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	_, err := File(link, Options{Timeout: time.Second, Flag: os.O_RDWR | os.O_CREATE})
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("lock through a symlink: %v", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the symlink's target was created: %v", err)
	}
}

func TestDirLock(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(t.TempDir(), "etc")
	if err := os.Symlink(dir, link); err != nil { // like macOS's /etc -> private/etc
		t.Fatal(err)
	}
	opts := Options{Timeout: 100 * time.Millisecond, Interval: 10 * time.Millisecond}
	l, err := Dir(link, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if _, err := Dir(dir, opts); !errors.Is(err, ErrTimeout) {
		t.Errorf("the same directory by its real path: %v, want ErrTimeout", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("locking a directory created %d entries in it", len(entries))
	}
}
