package nfsserver

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

// maxRSS returns the process's peak resident size in bytes.
func maxRSS(t *testing.T) int64 {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss) // bytes there, KiB on Linux
	}
	return int64(ru.Maxrss) * 1024
}

// TestMemoryAfterLargeTree serves a tree of 6,000 files (60 directories of
// 100) through the lookups, listings and reads of a walk, and checks what
// the server keeps afterwards.
func TestMemoryAfterLargeTree(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 6,000 files")
	}
	share := t.TempDir()
	const dirs, files = 60, 100
	for d := range dirs {
		dir := filepath.Join(share, fmt.Sprintf("pkg%02d", d))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for f := range files {
			writeFile(t, filepath.Join(dir, fmt.Sprintf("source-file-%03d.go", f)), "package x\n")
		}
	}
	ts := startServer(t, []string{share}, nil)
	tgt := mount(t, ts.addr, share)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	top, err := tgt.ReadDirPlus(".")
	if err != nil {
		t.Fatal(err)
	}
	listed := 0
	for _, d := range top {
		es, err := tgt.ReadDirPlus(d.Name())
		if err != nil {
			t.Fatal(err)
		}
		listed += len(es)
		// Reading a tenth keeps the race-detector run short; the
		// listing already gave every file a handle.
		for _, e := range es[:len(es)/10] {
			b, err := readAll(tgt, d.Name()+"/"+e.Name())
			if err != nil || string(b) != "package x\n" {
				t.Fatalf("read %s/%s: %q, %v", d.Name(), e.Name(), b, err)
			}
		}
	}
	if listed != dirs*files {
		t.Fatalf("listed %d files, want %d", listed, dirs*files)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	ids, _ := ts.handles.size()
	listings, entries := ts.verifiers.size()
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("handles %d, listings %d (%d entries), heap +%d KiB, peak RSS %d MiB (client and test included)",
		ids, listings, entries, grew>>10, maxRSS(t)>>20)
	if ids < dirs*files || ids > handleLimit {
		t.Errorf("%d handles, want every file's and at most %d", ids, handleLimit)
	}
	if entries > verifierEntryBudget {
		t.Errorf("%d cached listing entries, budget %d", entries, verifierEntryBudget)
	}
	// Handles (~200 B) and listings (~150 B an entry) of 6,000 files.
	if grew > 8<<20 {
		t.Errorf("heap grew by %d MiB serving the tree, want under 8", grew>>20)
	}
}
