package supervisor

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"
)

// memLog collects a watchdog's messages.
type memLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *memLog) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func TestMemoryWatchEndsOverTheCap(t *testing.T) {
	readings := []uint64{100 << 20, 300 << 20, nfsHardMemoryLimit, nfsHardMemoryLimit + 1<<20, 0}
	var mu sync.Mutex
	read := 0
	log := &memLog{}
	w := memoryWatch{limit: nfsHardMemoryLimit, every: time.Millisecond, logf: log.logf, read: func() uint64 {
		mu.Lock()
		defer mu.Unlock()
		read++
		return readings[read-1]
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := w.run(ctx)
	if !errors.Is(err, errNFSMemory) {
		t.Fatalf("run: %v, want errNFSMemory", err)
	}
	if read != 4 {
		t.Fatalf("ended after %d readings, want 4 (the first over the cap; the cap itself is allowed)", read)
	}
	if got := nfsExitStatus(fmt.Errorf("serve: %w", err)); got != nfsExitMemory {
		t.Fatalf("exit status %d, want %d", got, nfsExitMemory)
	}
	want := "memory over the hard cap (513 MiB in use, cap 512 MiB); exiting so the supervisor restarts the server"
	if len(log.lines) != 1 || log.lines[0] != want {
		t.Fatalf("log %q, want %q", log.lines, want)
	}
}

func TestMemoryWatchStopsWithContext(t *testing.T) {
	w := memoryWatch{limit: nfsHardMemoryLimit, every: time.Millisecond, logf: t.Logf, read: func() uint64 { return 1 << 20 }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.run(ctx) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the watchdog did not stop with its context")
	}
}

func TestNFSExitStatus(t *testing.T) {
	for err, want := range map[error]int{nil: 0, errors.New("take the listener"): 1, errors.Join(errNFSMemory, nil): nfsExitMemory} {
		if got := nfsExitStatus(err); got != want {
			t.Errorf("nfsExitStatus(%v) = %d, want %d", err, got, want)
		}
	}
	if nfsExitMemory == 1 || nfsExitMemory == 2 {
		t.Errorf("nfsExitMemory %d is not distinct from failure (1) and usage (2)", nfsExitMemory)
	}
}

func TestNewMemoryWatchSetsTheLimits(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(old)
	w := newMemoryWatch(t.Logf)
	if got := debug.SetMemoryLimit(-1); got != nfsSoftMemoryLimit {
		t.Fatalf("soft limit %d, want %d", got, nfsSoftMemoryLimit)
	}
	if w.limit != nfsHardMemoryLimit || w.every != nfsMemoryCheckInterval || w.limit <= nfsSoftMemoryLimit {
		t.Fatalf("watchdog %+v, want the hard cap %d above the soft limit every %v", w, nfsHardMemoryLimit, nfsMemoryCheckInterval)
	}
}

// TestRuntimeMemoryGrows: the real reading sees an allocation.
func TestRuntimeMemoryGrows(t *testing.T) {
	before := runtimeMemory()
	if before == 0 || before > math.MaxInt64 { // zero or wrapped around
		t.Fatalf("runtimeMemory() = %d", before)
	}
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	after := runtimeMemory()
	runtime.KeepAlive(buf)
	if after < before+32<<20 { // half of it: the collector may free other memory meanwhile
		t.Fatalf("runtimeMemory() %d MiB after a 64 MiB allocation, %d MiB before", after>>20, before>>20)
	}
}
