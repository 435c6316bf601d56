package b2diso

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso/isotest"
)

// raceStore is a store whose machines all boot one ISO.
type raceStore struct {
	t     *testing.T
	root  string
	cache string
	iso   string // the ISO every machine copies
}

func newRaceStore(t *testing.T, iso string) *raceStore {
	root := t.TempDir()
	return &raceStore{t: t, root: root, cache: filepath.Join(root, "cache", "boot"), iso: iso}
}

// machine makes a machine directory holding a copy of the ISO and returns
// its boot files' destination and ISO path.
func (s *raceStore) machine(name string) (Dest, string) {
	dir := filepath.Join(s.root, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		s.t.Fatal(err)
	}
	iso := filepath.Join(dir, "boot2docker.iso")
	copyFile(s.t, s.iso, iso)
	d := testDest(dir, false)
	d.Cache = s.cache
	return d, iso
}

// quickLock polls the cache's lock every millisecond for the test: the
// races run hundreds of rounds.
func quickLock(t *testing.T) {
	interval := cacheLockInterval
	cacheLockInterval = time.Millisecond
	t.Cleanup(func() { cacheLockInterval = interval })
}

// checkBootFiles says what is wrong with a machine's boot files, if anything.
func checkBootFiles(d Dest) error {
	for p, want := range map[string]string{d.Kernel: "old-kernel", d.Initrd: "old-initrd"} {
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, []byte(want)) {
			return fmt.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	return nil
}

// together runs fns at once and returns their errors.
func together(fns ...func() error) []error {
	errs := make([]error, len(fns))
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i, fn := range fns {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			errs[i] = fn()
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}

const (
	concurrentRounds   = 40
	concurrentMachines = 4
	pruneRounds        = 200
)

// TestConcurrentFirstCreates: four creates of machines on one ISO that no
// machine of the store used yet all fill the cache at once; each must end
// with its boot files (before the cache's lock, a later filler removed the
// entry an earlier one was linking: "link .../vmlinuz: no such file").
func TestConcurrentFirstCreates(t *testing.T) {
	quickLock(t)
	iso := isotest.Write(t, oldLayout)
	failed := 0
	for round := range concurrentRounds {
		s := newRaceStore(t, iso)
		var fns []func() error
		for i := range concurrentMachines {
			d, machineISO := s.machine(fmt.Sprintf("m%d", i))
			fns = append(fns, func() error {
				if _, _, err := Ensure(machineISO, "", "", d); err != nil {
					return err
				}
				return checkBootFiles(d)
			})
		}
		if errs := nonNil(together(fns...)); len(errs) > 0 {
			failed++
			t.Logf("round %d: %v", round, errs)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d rounds of %d concurrent first creates failed", failed, concurrentRounds, concurrentMachines)
	}
}

// ensureHelperEnv makes the test binary a create of one machine: Ensure
// of the ISO, destination and cache the variable names, separated by
// newlines.
const ensureHelperEnv = "B2DISO_TEST_ENSURE"

// TestEnsureHelperProcess is the create TestConcurrentFirstCreatesAcrossProcesses
// runs in each process; it does nothing when run otherwise.
func TestEnsureHelperProcess(t *testing.T) {
	spec := os.Getenv(ensureHelperEnv)
	if spec == "" {
		return
	}
	f := strings.Split(spec, "\n")
	d := testDest(f[1], false)
	d.Cache = f[2]
	if _, _, err := Ensure(f[0], "", "", d); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := checkBootFiles(d); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// TestConcurrentFirstCreatesAcrossProcesses: the same race between plugin
// processes, as docker-machine runs one per command.
func TestConcurrentFirstCreatesAcrossProcesses(t *testing.T) {
	quickLock(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	iso := isotest.Write(t, oldLayout)
	failed := 0
	for round := range concurrentRounds {
		s := newRaceStore(t, iso)
		var cmds []*exec.Cmd
		for i := range concurrentMachines {
			d, machineISO := s.machine(fmt.Sprintf("m%d", i))
			cmd := exec.Command(exe, "-test.run=^TestEnsureHelperProcess$")
			// GORACE: a race-enabled child would sleep a second at exit.
			cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0", ensureHelperEnv+"="+machineISO+"\n"+filepath.Dir(d.Kernel)+"\n"+d.Cache)
			cmds = append(cmds, cmd)
		}
		outs := make([][]byte, len(cmds))
		var fns []func() error
		for i, cmd := range cmds {
			fns = append(fns, func() error {
				var err error
				outs[i], err = cmd.CombinedOutput()
				return err
			})
		}
		if errs := together(fns...); len(nonNil(errs)) > 0 {
			failed++
			for i, err := range errs {
				if err != nil {
					t.Logf("round %d, machine %d: %v: %s", round, i, err, bytes.TrimSpace(outs[i]))
				}
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d rounds of %d concurrent first creates (processes) failed", failed, concurrentRounds, concurrentMachines)
	}
}

// TestPruneRacingCreate: an rm prunes the store's idle entries while a
// create links the one of its ISO; the create must end with its boot files
// (before the lock, the prune removed the entry under the link).
func TestPruneRacingCreate(t *testing.T) {
	quickLock(t)
	iso := isotest.Write(t, oldLayout)
	failed := 0
	for round := range pruneRounds {
		s := newRaceStore(t, iso)
		first, firstISO := s.machine("first")
		if _, _, err := Ensure(firstISO, "", "", first); err != nil {
			t.Fatal(err)
		}
		// first is removed: its entry is idle, and old enough to prune.
		if err := os.RemoveAll(filepath.Dir(first.Kernel)); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour)
		entries, _ := os.ReadDir(s.cache)
		for _, e := range entries {
			os.Chtimes(filepath.Join(s.cache, e.Name()), old, old)
		}
		d, machineISO := s.machine("next")
		errs := together(
			func() error {
				if _, _, err := Ensure(machineISO, "", "", d); err != nil {
					return err
				}
				return checkBootFiles(d)
			},
			func() error { _, err := PruneCache(s.cache); return err },
		)
		if errs := nonNil(errs); len(errs) > 0 {
			failed++
			t.Logf("round %d: %v", round, errs)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d rounds of a prune racing a create failed", failed, pruneRounds)
	}
}

func nonNil(errs []error) []error {
	var out []error
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// TestCreatesUpgradesAndPrunesTogether: creates on an old ISO, an upgrade
// of a machine to a new one and rms pruning idle, aged entries, all at
// once: every machine ends with its ISO's boot files.
func TestCreatesUpgradesAndPrunesTogether(t *testing.T) {
	quickLock(t)
	oldISO, newISO := isotest.Write(t, oldLayout), isotest.Write(t, newLayout)
	for round := range concurrentRounds {
		s := newRaceStore(t, oldISO)
		up, upISO := s.machine("up")
		if _, _, err := Ensure(upISO, "", "", up); err != nil {
			t.Fatal(err)
		}
		gone, goneISO := s.machine("gone")
		copyFile(t, newISO, goneISO)
		if _, _, err := Ensure(goneISO, "", "", gone); err != nil {
			t.Fatal(err)
		}
		os.RemoveAll(filepath.Dir(gone.Kernel)) // the new ISO's entry is idle
		old := time.Now().Add(-time.Hour)
		entries, _ := os.ReadDir(s.cache)
		for _, e := range entries {
			os.Chtimes(filepath.Join(s.cache, e.Name()), old, old)
		}
		copyFile(t, newISO, upISO) // docker-machine upgrade up
		a, aISO := s.machine("a")
		b, bISO := s.machine("b")
		prune := func() error { _, err := PruneCache(s.cache); return err }
		errs := nonNil(together(
			func() error { _, _, err := Ensure(aISO, "", "", a); return err },
			func() error { _, _, err := Ensure(bISO, "", "", b); return err },
			func() error { _, _, err := Ensure(upISO, "", "", up); return err },
			prune, prune,
		))
		errs = append(errs, nonNil([]error{checkBootFiles(a), checkBootFiles(b)})...)
		for p, want := range map[string]string{up.Kernel: "new-kernel", up.Initrd: "new-initrd"} {
			if got, err := os.ReadFile(p); err != nil || string(got) != want {
				errs = append(errs, fmt.Errorf("%s = %q, %v; want %q", p, got, err, want))
			}
		}
		if len(errs) > 0 {
			t.Errorf("round %d: %v", round, errs)
		}
	}
}
