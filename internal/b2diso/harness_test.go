package b2diso

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso/isotest"
)

// Limits every read of one (damaged) ISO must stay within. Time is the
// process's CPU time, which a loaded machine does not inflate as it does
// wall-clock time; wallLimit still catches a reader that blocks.
const (
	timeLimit = 2 * time.Second
	wallLimit = 30 * time.Second
	memLimit  = 64 << 20 // bytes allocated
)

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// readAll is what the driver does with an ISO: inspect it, then read the
// kernel and the initrd to their ends. It returns the bytes read.
func readAll(img []byte) (BootFiles, [2][]byte, error) {
	var files [2][]byte
	bf, err := Inspect(bytes.NewReader(img), "", "")
	if err != nil {
		return bf, files, err
	}
	for i, p := range []string{bf.Kernel, bf.Initrd} {
		r, size, err := Open(bytes.NewReader(img), p)
		if err != nil {
			return bf, files, err
		}
		if files[i], err = io.ReadAll(r); err != nil {
			return bf, files, err
		}
		if int64(len(files[i])) != size {
			return bf, files, fmt.Errorf("read %d bytes of %s, size %d without an error", len(files[i]), p, size)
		}
	}
	return bf, files, nil
}

// bounded runs fn and fails t when fn panics, runs past timeLimit or
// allocates more than memLimit.
func bounded(t testing.TB, name string, fn func()) {
	t.Helper()
	boundedEach(t, 1, func(int) string { return name }, func(int) { fn() })
}

// boundedEach runs fn(0) to fn(n-1) one after the other in a goroutine of
// their own, and fails t when one panics, runs past timeLimit or allocates
// more than memLimit; name(i) names the input of fn(i) in the failure. A call
// that runs too long cannot be stopped, so the test stops at once.
func boundedEach(t testing.TB, n int, name func(i int) string, fn func(i int)) {
	t.Helper()
	var (
		current      atomic.Int64  // index of the running call
		startWall    atomic.Int64  // when it started, in Unix nanoseconds
		startCPU     atomic.Int64  // cpuTime() then
		startAlloced atomic.Uint64 // MemStats.TotalAlloc then
		failure      = make(chan string, 1)
		done         = make(chan struct{})
	)
	start := func(i int) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		startAlloced.Store(ms.TotalAlloc)
		startCPU.Store(int64(cpuTime()))
		startWall.Store(time.Now().UnixNano())
		current.Store(int64(i)) // last: the watchdog reads it first, so it never pairs a call with an older start
	}
	// allocated returns what the running call allocated so far.
	allocated := func() uint64 {
		from := startAlloced.Load()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.TotalAlloc < from { // the next call started in between
			return 0
		}
		return ms.TotalAlloc - from
	}
	start(0)
	go func() {
		defer close(done)
		for i := range n {
			start(i)
			if p := catch(func() { fn(i) }); p != nil {
				failure <- fmt.Sprintf("%s: panic: %v", name(i), p)
				return
			}
			if a := allocated(); a > memLimit {
				failure <- fmt.Sprintf("%s: allocated %d MiB, limit %d MiB", name(i), a>>20, memLimit>>20)
				return
			}
		}
	}()
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case msg := <-failure:
			t.Fatal(msg)
		case <-done:
			select {
			case msg := <-failure:
				t.Fatal(msg)
			default:
			}
			return
		case <-poll.C:
			i := int(current.Load())
			cpu := cpuTime() - time.Duration(startCPU.Load())
			wall := time.Since(time.Unix(0, startWall.Load()))
			if a := allocated(); a > memLimit {
				t.Fatalf("%s: still running after allocating %d MiB, limit %d MiB", name(i), a>>20, memLimit>>20)
			}
			if cpu > timeLimit || wall > wallLimit {
				t.Fatalf("%s: still running after %v of CPU time, %v in all", name(i), cpu.Round(time.Millisecond), wall.Round(time.Millisecond))
			}
		}
	}
}

// catch runs fn and returns what it panicked with.
func catch(fn func()) (p any) {
	defer func() { p = recover() }()
	fn()
	return nil
}

// checkOutcome fails t unless err is nil, ErrNotFound or a *DamagedError
// that was not a recovered panic: bytes.Reader never fails, so any other
// error is misclassified.
func checkOutcome(t testing.TB, name string, err error) {
	t.Helper()
	var de *DamagedError
	switch {
	case err == nil, errors.Is(err, ErrNotFound) && !errors.Is(err, ErrDamaged):
	case errors.Is(err, errPanicked):
		t.Errorf("%s: the reader panicked (recovered at the package boundary): %v", name, err)
	case !errors.As(err, &de):
		t.Errorf("%s: error is neither ErrNotFound nor a *DamagedError: %v", name, err)
	}
}

// base is a valid ISO to derive damaged ones from.
type base struct {
	name   string
	img    []byte
	kernel string // content of the kernel
}

// bases returns valid ISOs of both boot2docker layouts, with Rock Ridge (as
// boot2docker ISOs have) and plain ISO 9660 names.
func bases(t testing.TB) []base {
	t.Helper()
	kernel := string(bytes.Repeat([]byte("kernel!"), 700)) // 3 sectors: truncations fall inside it
	newL := map[string]string{"boot/vmlinuz": kernel, "boot/initrd.img": "new-initrd", "isolinux/isolinux.cfg": newCfg, "version": "18.09.0"}
	oldL := map[string]string{"boot/vmlinuz64": kernel, "boot/initrd.img": "old-initrd", "boot/isolinux/isolinux.cfg": oldCfg}
	var out []base
	for _, l := range []struct {
		name  string
		files map[string]string
	}{{"18.09+", newL}, {"legacy", oldL}} {
		plain, err := os.ReadFile(isotest.Write(t, l.files))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out,
			base{"rock ridge " + l.name, isotest.RockRidge(l.files), kernel},
			base{"plain " + l.name, plain, kernel})
	}
	return out
}

// record is a directory record found in a valid image.
type record struct {
	off, len int    // of the record in the image
	id       string // ISO 9660 identifier
	dir      bool
	loc      uint32 // extent
	size     uint32
	parent   uint32 // extent of the directory holding the record
	susp     []suspEntry
}

// suspEntry is a System Use entry found in a valid image.
type suspEntry struct {
	off int // in the image
	typ string
}

// layout is the structure of a valid image, found with a reader of its own
// so that damage is placed where the reader under test looks.
type layout struct {
	records    []record
	ceAreas    []int // offsets of Continuation Areas
	pathTables [][2]int
}

func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

func parseLayout(img []byte) layout {
	var l layout
	pvd := img[isotest.PVDBlock*isotest.Sector:]
	l.pathTables = [][2]int{
		{int(le32(pvd[140:])) * isotest.Sector, int(le32(pvd[132:]))},
		{int(binary.BigEndian.Uint32(pvd[148:])) * isotest.Sector, int(le32(pvd[132:]))},
	}
	seen := map[uint32]bool{}
	var walk func(loc, size uint32)
	walk = func(loc, size uint32) {
		if seen[loc] {
			return
		}
		seen[loc] = true
		for sec := 0; sec < int(size); sec += isotest.Sector {
			for i := 0; i < isotest.Sector; {
				off := int(loc)*isotest.Sector + sec + i
				n := int(img[off])
				if n == 0 {
					break
				}
				r := img[off : off+n]
				rec := record{off: off, len: n, id: string(r[33 : 33+int(r[32])]), dir: r[25]&2 != 0,
					loc: le32(r[2:]), size: le32(r[10:]), parent: loc}
				su := 33 + int(r[32]) + 1 - int(r[32])%2
				for j := su; j+4 <= n && r[j+2] >= 4; j += int(r[j+2]) {
					rec.susp = append(rec.susp, suspEntry{off + j, string(r[j : j+2])})
					if string(r[j:j+2]) == "CE" {
						l.ceAreas = append(l.ceAreas, int(le32(r[j+4:]))*isotest.Sector+int(le32(r[j+12:])))
					}
				}
				l.records = append(l.records, rec)
				if rec.dir && rec.id != "\x00" && rec.id != "\x01" {
					walk(rec.loc, rec.size)
				}
				i += n
			}
		}
	}
	root := pvd[156:]
	walk(le32(root[2:]), le32(root[10:]))
	return l
}

// find returns the record whose identifier starts with prefix.
func (l layout) find(prefix string) (record, bool) {
	for _, r := range l.records {
		if len(r.id) >= len(prefix) && r.id[:len(prefix)] == prefix {
			return r, true
		}
	}
	return record{}, false
}
