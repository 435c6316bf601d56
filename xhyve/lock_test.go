package xhyve

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/docker/machine/libmachine/state"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
	"github.com/zchee/docker-machine-driver-xhyve/internal/lockfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/proc"
)

// holderProcs are plugin processes that hold a machine's lock: Is knows
// them as the plugin, and a SIGKILL ends them, releasing the lock.
type holderProcs struct {
	scriptedProcs
	mu      sync.Mutex
	plugins map[int]bool
	killed  []int
	onKill  func(pid int)
}

func (p *holderProcs) Is(pid int, _ proc.Identity) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.plugins[pid]
}

func (p *holderProcs) Signal(pid int, sig syscall.Signal) error {
	p.mu.Lock()
	if sig == syscall.SIGKILL {
		p.killed = append(p.killed, pid)
	}
	onKill := p.onKill
	p.mu.Unlock()
	if sig == syscall.SIGKILL && onKill != nil {
		onKill(pid)
	}
	return nil
}

func (p *holderProcs) kills() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int(nil), p.killed...)
}

// heldLock is the machine's lock taken by the test on behalf of a plugin
// process; record rewrites who holds it, as a new holder would the moment
// the last one let go.
type heldLock struct {
	path string
	l    *lockfile.Lock
	once sync.Once
}

func holdMachineLock(t *testing.T, d *Driver, pid int, since time.Time) *heldLock {
	t.Helper()
	path := d.path(machineLockFile)
	l, err := lockfile.File(path, lockfile.Options{Timeout: time.Second, Flag: os.O_RDWR | os.O_CREATE, Perm: 0o600})
	if err != nil {
		t.Fatal(err)
	}
	h := &heldLock{path: path, l: l}
	h.record(pid, since)
	t.Cleanup(h.release)
	return h
}

func (h *heldLock) record(pid int, since time.Time) {
	recordHolder(h.path, holderRecord(pid, opStart, since))
}

func (h *heldLock) release() {
	h.once.Do(func() {
		recordHolder(h.path, "")
		h.l.Unlock()
	})
}

// lockDriver is a driver whose lock waits 300 ms, polled every 10 ms,
// among the plugin processes pids.
func lockDriver(t *testing.T, pids ...int) (*Driver, *holderProcs) {
	t.Helper()
	p := &holderProcs{plugins: map[int]bool{}}
	for _, pid := range pids {
		p.plugins[pid] = true
	}
	d := scriptedDriver(t, &p.scriptedProcs)
	d.env.procs = p
	d.env.interval, d.env.lockTimeout = 10*time.Millisecond, 300*time.Millisecond
	return d, p
}

// TestRemoveSparesANewHolder: rm ends only a holder that kept the lock for
// its whole wait. One that took it shortly before rm's wait ran out (the
// previous holder finished, or the same process began another command) is
// not the hung one rm waited for.
func TestRemoveSparesANewHolder(t *testing.T) {
	const first, second = 1001, 1002
	for _, tt := range []struct {
		name  string
		after time.Duration // since rm began
		pid   int
	}{
		{"another process, at half the wait", 150 * time.Millisecond, second},
		{"another process, just before the end", 280 * time.Millisecond, second},
		{"the same process again, just before the end", 280 * time.Millisecond, first},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// A loaded machine may wake the swap after rm's wait ran out:
			// that try proves nothing, and is made again.
			for try := 1; ; try++ {
				if spared(t, tt.after, tt.pid) || try == 5 {
					return
				}
			}
		})
	}
}

// spared runs one rm against a holder replaced after the given time by
// one recorded as pid, and reports whether the try was conclusive.
func spared(t *testing.T, after time.Duration, pid int) bool {
	t.Helper()
	const first, second = 1001, 1002
	d, p := lockDriver(t, first, second)
	h := holdMachineLock(t, d, first, time.Now().Add(-time.Hour))
	var swapped atomic.Bool
	killedBeforeSwap := false
	p.onKill = func(int) {
		killedBeforeSwap = !swapped.Load()
		h.release()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(after)
		h.record(pid, time.Now())
		swapped.Store(true)
	}()
	unlock, err := d.lockForRemove()
	<-done
	if err == nil {
		unlock()
	}
	if kills := p.kills(); len(kills) > 0 {
		if killedBeforeSwap {
			t.Logf("the swap came after rm's wait; again")
			return false
		}
		t.Errorf("rm killed %v, which took the lock %s after rm began", kills, after)
		return true
	}
	if !errors.Is(err, lockfile.ErrTimeout) || !strings.Contains(err.Error(), "busy") {
		t.Errorf("rm while a new holder has the lock: %v, want busy", err)
	}
	return true
}

// TestRemoveEndsAStuckHolder: a holder that kept the lock for rm's whole
// wait, past the bound, is ended and rm goes on.
func TestRemoveEndsAStuckHolder(t *testing.T) {
	const stuck = 1001
	d, p := lockDriver(t, stuck)
	h := holdMachineLock(t, d, stuck, time.Now())
	p.onKill = func(int) { h.release() }
	unlock, err := d.lockForRemove()
	if err != nil {
		t.Fatalf("rm with a stuck holder: %v", err)
	}
	defer unlock()
	if kills := p.kills(); fmt.Sprint(kills) != fmt.Sprint([]int{stuck}) {
		t.Errorf("rm killed %v, want the stuck holder %d", kills, stuck)
	}
}

// TestHolderRecord: a record reads back as the same holder, whatever its
// zone; older plugins' whole-second records read too.
func TestHolderRecord(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/machine.lock"
	since := time.Date(2026, 12, 1, 10, 0, 0, 123456789, time.FixedZone("", 5*3600+1800))
	for _, text := range []string{holderRecord(42, opStart, since), "pid 42 is running start since 2026-12-01T10:00:00+05:30"} {
		if err := os.WriteFile(path, []byte(text+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		h, ok := readHolder(path)
		if !ok || h.pid != 42 || h.op != opStart || !h.since.Equal(since.Truncate(time.Second)) && !h.since.Equal(since) {
			t.Errorf("%q reads as %+v, %v", text, h, ok)
		}
		again, _ := readHolder(path)
		if !h.same(again) {
			t.Errorf("%q: two readings differ: %+v, %+v", text, h, again)
		}
	}
	for _, text := range []string{"", "another process holds its lock", "pid x is running start since now", "pid 42 is running start since"} {
		os.WriteFile(path, []byte(text), 0o600)
		if h, ok := readHolder(path); ok {
			t.Errorf("%q reads as holder %+v", text, h)
		}
	}
	if h, ok := readHolder(dir + "/none"); ok {
		t.Errorf("no lock file reads as holder %+v", h)
	}
}

// twin is a second driver for m's machine, as a second docker-machine
// command (another plugin process) would load it from config.json.
func (m *machine) twin() *Driver {
	m.t.Helper()
	raw, err := json.Marshal(m.d)
	if err != nil {
		m.t.Fatal(err)
	}
	d := NewDriver(m.d.MachineName, m.d.StorePath)
	if err := json.Unmarshal(raw, d); err != nil {
		m.t.Fatal(err)
	}
	d.env = m.d.env
	return d
}

// TestConcurrentStartsBootOnce: two `docker-machine start` at once must end
// with one hypervisor on the disk, visible to status, kill and rm.
func TestConcurrentStartsBootOnce(t *testing.T) {
	// Setup before the pidfile, as vmnet's takes a moment on a Mac.
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve", PowerOffMS: 50, SetupMS: 300}, nil)
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	if err := m.d.Stop(); err != nil {
		t.Fatal(err)
	}
	boots := fakehv.Boots(m.hv)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		d := m.twin()
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.Start()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("start %d: %v", i, err)
		}
	}
	if n := fakehv.Boots(m.hv) - boots; n != 1 {
		t.Errorf("%d hypervisors booted for 3 concurrent starts, want 1", n)
	}
	m.assertState(state.Running)
	if hv := m.hypervisors(); len(hv) != 1 {
		t.Errorf("hypervisors on the disk: %v", hv)
	}
	if err := m.twin().Kill(); err != nil {
		t.Fatal(err)
	}
	m.assertState(state.Stopped)
	if hv := m.hypervisors(); len(hv) != 0 {
		t.Errorf("hypervisors left after kill: %v", hv)
	}
}

// TestBusyMachineNamesTheHolder: a state change waits a bounded time for
// the machine's lock and then names who holds it; reads never wait.
func TestBusyMachineNamesTheHolder(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve"}, nil)
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	unlock, err := m.d.lock(opStart)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	other := m.twin()
	other.env.lockTimeout = 300 * time.Millisecond
	start := time.Now()
	if s, err := other.GetState(); err != nil || s != state.Running {
		t.Errorf("GetState while locked: %s, %v", s, err)
	}
	if _, err := other.GetURL(); err != nil {
		t.Errorf("GetURL while locked: %v", err)
	}
	if waited := time.Since(start); waited > 250*time.Millisecond {
		t.Errorf("reads waited %s for the lock", waited)
	}
	for name, op := range map[string]func() error{"stop": other.Stop, "kill": other.Kill, "start": other.Start, "restart": other.Restart} {
		err := op()
		want := fmt.Sprintf("pid %d is running start", os.Getpid())
		if err == nil || !strings.Contains(err.Error(), "busy") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s while another start holds the machine: %v, want busy and %q", name, err, want)
		}
	}
	m.assertState(state.Running)
}
