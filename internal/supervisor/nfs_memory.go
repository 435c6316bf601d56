package supervisor

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Memory limits of the serve-nfs child, which answers an untrusted guest:
// whatever it is made to allocate, it must not take the host's memory with
// it. Both count the Go runtime's memory that is mapped and not returned to
// the system, the measure the runtime's own limit uses.
const (
	// nfsSoftMemoryLimit is the runtime's memory limit: near it, the
	// garbage collector works harder (at most half the CPU) to stay below.
	// The server's steady state is a few MiB plus 1 MiB per call in
	// flight, and its handle table under 8 MB.
	nfsSoftMemoryLimit = 256 << 20
	// nfsHardMemoryLimit is the cap the child never outlives: past it,
	// garbage collection could not keep up, and the child exits with
	// nfsExitMemory; the supervisor starts it again.
	nfsHardMemoryLimit = 512 << 20
	// nfsMemoryCheckInterval is how often the watchdog reads the figure.
	// runtime/metrics reads it without stopping the world.
	nfsMemoryCheckInterval = 100 * time.Millisecond
	// nfsExitMemory is the exit status of a child ended by the hard cap,
	// distinct from 1 (any other failure) and 2 (usage).
	nfsExitMemory = 3
)

// errNFSMemory reports a server ended by the hard memory cap.
var errNFSMemory = errors.New("memory over the hard cap")

// memoryWatch ends the server when its memory passes a hard cap.
type memoryWatch struct {
	limit uint64
	every time.Duration
	read  func() uint64 // bytes in use
	logf  func(format string, args ...any)
}

// newMemoryWatch sets the child's soft limit and returns its watchdog.
func newMemoryWatch(logf func(string, ...any)) memoryWatch {
	debug.SetMemoryLimit(nfsSoftMemoryLimit)
	return memoryWatch{limit: nfsHardMemoryLimit, every: nfsMemoryCheckInterval, read: runtimeMemory, logf: logf}
}

// run reads the figure every w.every until ctx ends (then it returns nil)
// or a reading is over the cap (then errNFSMemory, logged).
func (w memoryWatch) run(ctx context.Context) error {
	t := time.NewTicker(w.every)
	defer t.Stop()
	for {
		if n := w.read(); n > w.limit {
			w.logf("memory over the hard cap (%d MiB in use, cap %d MiB); exiting so the supervisor restarts the server", n>>20, w.limit>>20)
			return fmt.Errorf("%w: %d MiB in use, cap %d MiB", errNFSMemory, n>>20, w.limit>>20)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// memoryMetrics are the runtime/metrics whose difference is the memory the
// runtime holds from the system: all it mapped, less what it released.
var memoryMetrics = [...]string{"/memory/classes/total:bytes", "/memory/classes/heap/released:bytes"}

// runtimeMemory returns the bytes the Go runtime holds from the system.
func runtimeMemory() uint64 {
	s := []metrics.Sample{{Name: memoryMetrics[0]}, {Name: memoryMetrics[1]}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return 0 // unknown to this runtime: never over the cap
	}
	return s[0].Value.Uint64() - s[1].Value.Uint64()
}

// nfsExitStatus is ServeNFSMain's status for serveNFS's result.
func nfsExitStatus(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errNFSMemory):
		return nfsExitMemory
	default:
		return 1
	}
}
