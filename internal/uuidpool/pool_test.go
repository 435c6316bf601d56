package uuidpool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zchee/docker-machine-driver-xhyve/internal/lockfile"
)

func TestCreateRemoveReusesUUIDs(t *testing.T) {
	s := newFakeStore(t)
	a, reused := s.create("a", false)
	if reused {
		t.Fatal("first create reused a UUID from an empty pool")
	}
	s.remove("a", a, true)
	if e := s.entries(); len(e) != 1 || e[0].UUID != a || e[0].MAC != macOf(a) || e[0].Machine != "a" {
		t.Fatalf("after rm a: pool %+v, want a's UUID", e)
	}
	b, reused := s.create("b", false)
	if !reused || b != a {
		t.Fatalf("create b: UUID %s (reused %v), want a's %s", b, reused, a)
	}
	c, reused := s.create("c", false)
	if reused || c == a {
		t.Fatalf("create c while b holds a's UUID: %s (reused %v)", c, reused)
	}
	s.remove("b", b, true)
	s.remove("c", c, true)
	if e := s.entries(); len(e) != 2 {
		t.Fatalf("after rm b, c: pool %+v, want 2 entries", e)
	}
	d, _ := s.create("d", false)
	e, _ := s.create("e", false)
	f, reused := s.create("f", false)
	if d == e || (d != a && d != c) || (e != a && e != c) || reused {
		t.Fatalf("d, e, f got %s, %s, %s (f reused %v); want a's and c's UUIDs, then a new one", d, e, f, reused)
	}
	// A lease removed by root: nothing is pooled, and the entry goes.
	s.remove("d", d, false)
	for _, en := range s.entries() {
		if en.UUID == d {
			t.Errorf("rm with the lease removed left %s pooled", d)
		}
	}
}

func TestSequentialCyclesUseOneAddress(t *testing.T) {
	s := newFakeStore(t)
	used := map[string]bool{}
	for i := 0; i < 20; i++ {
		name := fmt.Sprintf("m%d", i)
		id, _ := s.create(name, false)
		used[id] = true
		s.remove(name, id, true)
	}
	if len(used) != 1 {
		t.Errorf("20 create/rm cycles used %d UUIDs, want 1", len(used))
	}
}

func TestTakeSkipsWhatMachinesHold(t *testing.T) {
	tests := []struct {
		name  string
		setup func(s *fakeStore, pooled string)
		want  bool // the pooled UUID is taken
	}{
		{"free", func(s *fakeStore, pooled string) {}, true},
		{"UUID in a machine's config", func(s *fakeStore, pooled string) {
			os.MkdirAll(s.dir("explicit"), 0o700)
			s.save("explicit", strings.ToUpper(pooled), "")
		}, false},
		{"MAC in a machine's config", func(s *fakeStore, pooled string) {
			os.MkdirAll(s.dir("other"), 0o700)
			s.save("other", uuid.NewString(), macOf(pooled))
		}, false},
		{"reserved by a live create", func(s *fakeStore, pooled string) {
			os.MkdirAll(s.dir("busy"), 0o700)
			if _, ok, err := s.pool.Take(s.dir("busy")); !ok || err != nil {
				t.Fatalf("busy's Take: %v %v", ok, err)
			}
		}, false},
		{"reserved by a machine directory that is gone", func(s *fakeStore, pooled string) {
			os.MkdirAll(s.dir("gone"), 0o700)
			s.pool.Take(s.dir("gone"))
			os.RemoveAll(s.dir("gone"))
		}, true},
		{"unreadable config is logged and ignored", func(s *fakeStore, pooled string) {
			os.MkdirAll(s.dir("broken"), 0o700)
			os.WriteFile(filepath.Join(s.dir("broken"), "config.json"), []byte("{"), 0o600)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFakeStore(t)
			pooled := uuid.NewString()
			if err := s.pool.Remember(s.dir("old"), Entry{UUID: pooled, MAC: macOf(pooled)}); err != nil {
				t.Fatal(err)
			}
			tt.setup(s, pooled)
			os.MkdirAll(s.dir("new"), 0o700)
			e, ok, err := s.pool.Take(s.dir("new"))
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.want || (ok && e.UUID != pooled) {
				t.Errorf("Take: %+v, %v; want taken %v", e, ok, tt.want)
			}
		})
	}
}

func TestFailedCreateReleasesItsReservationAtRemove(t *testing.T) {
	s := newFakeStore(t)
	a, _ := s.create("a", false)
	s.remove("a", a, true)
	got, reused := s.create("b", true) // Create failed: config.json never names it
	if !reused || got != a {
		t.Fatalf("create b: %s, %v", got, reused)
	}
	if again, ok, _ := s.pool.Take(s.dir("b")); !ok || again.UUID != a {
		t.Errorf("b's retried Take: %+v %v, want its own reservation", again, ok)
	}
	if c, reused := s.create("c", false); reused {
		t.Fatalf("create c got b's reserved UUID %s", c)
	}
	s.remove("b", "", true) // rm of the failed machine: its config has no UUID
	if d, reused := s.create("d", false); !reused || d != a {
		t.Errorf("create d after rm b: %s (reused %v), want %s", d, reused, a)
	}
}

func TestConcurrentTakesNeverShareAUUID(t *testing.T) {
	s := newFakeStore(t)
	const pooled, creates = 5, 24
	for i := 0; i < pooled; i++ {
		if err := s.pool.Remember(s.dir(fmt.Sprintf("old%d", i)), Entry{UUID: uuid.NewString()}); err != nil {
			t.Fatal(err)
		}
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		given = map[string]string{}
	)
	for i := 0; i < creates; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// Each create has its own Pool, as each runs in its own plugin
			// process: only the file lock is shared.
			p := ForStore(s.root)
			p.LockTimeout = 20 * time.Second
			dir := s.dir(fmt.Sprintf("new%d", i))
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Error(err)
				return
			}
			e, ok, err := p.Take(dir)
			if err != nil {
				t.Error(err)
				return
			}
			if !ok {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if other, dup := given[e.UUID]; dup {
				t.Errorf("UUID %s given to %s and %s", e.UUID, other, dir)
			}
			given[e.UUID] = dir
		}(i)
	}
	wg.Wait()
	if len(given) != pooled {
		t.Errorf("%d creates took %d pooled UUIDs, want all %d", creates, len(given), pooled)
	}
	for _, e := range s.entries() {
		if given[e.UUID] != e.ReservedBy {
			t.Errorf("entry %s reserved by %q, but given to %q", e.UUID, e.ReservedBy, given[e.UUID])
		}
	}
}

func TestCorruptPoolIsMovedAsideAndLogged(t *testing.T) {
	for _, op := range []string{"take", "remember", "forget", "reserve"} {
		t.Run(op, func(t *testing.T) {
			s := newFakeStore(t)
			garbage := []byte("{\"version\":1,\"entries\":[{\"uuid\":") // a crash mid-write of an older tool
			if err := os.WriteFile(s.pool.Path, garbage, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := s.pool.Entries(); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), s.pool.Path) {
				t.Errorf("Entries: %v, want ErrCorrupt naming %s", err, s.pool.Path)
			}
			var err error
			switch op {
			case "take":
				_, ok, terr := s.pool.Take(s.dir("x"))
				if ok {
					t.Error("Take found a UUID in a damaged pool")
				}
				err = terr
			case "remember":
				err = s.pool.Remember(s.dir("x"), Entry{UUID: uuidA})
			case "forget":
				err = s.pool.Forget(s.dir("x"), uuidA)
			case "reserve":
				err = s.pool.Reserve(s.dir("x"), uuidA)
			}
			if err != nil {
				t.Fatalf("%s on a damaged pool: %v", op, err)
			}
			aside, rerr := os.ReadFile(s.pool.Path + corruptSuffix)
			if rerr != nil || string(aside) != string(garbage) {
				t.Errorf("damaged pool not kept aside: %q, %v", aside, rerr)
			}
			if len(s.logs) != 1 || !strings.Contains(s.logs[0], s.pool.Path) || !strings.Contains(s.logs[0], "damaged") {
				t.Errorf("logs %q, want one line naming %s", s.logs, s.pool.Path)
			}
			if _, err := s.pool.Entries(); err != nil {
				t.Errorf("pool after repair: %v", err)
			}
		})
	}
}

func TestReserve(t *testing.T) {
	s := newFakeStore(t)
	if err := s.pool.Reserve(s.dir("x"), uuidA); err != nil {
		t.Fatalf("Reserve without a pool: %v", err)
	}
	if _, err := os.Stat(s.pool.Path); !os.IsNotExist(err) {
		t.Errorf("Reserve without a pool wrote one: %v", err)
	}
	s.pool.Remember(s.dir("old"), Entry{UUID: uuidA})
	os.MkdirAll(s.dir("taker"), 0o700)
	if _, ok, _ := s.pool.Take(s.dir("taker")); !ok {
		t.Fatal("Take found nothing")
	}
	if err := s.pool.Reserve(s.dir("explicit"), uuidA); !errors.Is(err, ErrReserved) || !strings.Contains(err.Error(), s.dir("taker")) {
		t.Errorf("Reserve of a UUID a live create took: %v, want ErrReserved naming the taker", err)
	}
	if err := s.pool.Reserve(s.dir("taker"), uuidA); err != nil {
		t.Errorf("Reserve by its own taker: %v", err)
	}
	os.RemoveAll(s.dir("taker"))
	if err := s.pool.Reserve(s.dir("explicit"), uuidA); err != nil {
		t.Errorf("Reserve after the taker is gone: %v", err)
	}
	if e := s.entries(); len(e) != 1 || e[0].ReservedBy != s.dir("explicit") {
		t.Errorf("pool %+v, want the UUID reserved by explicit", e)
	}
}

func TestLockWaitHasADeadline(t *testing.T) {
	s := newFakeStore(t)
	s.pool.Remember(s.dir("old"), Entry{UUID: uuidA})
	l, err := lockfile.File(filepath.Join(s.root, "cache", lockName), lockfile.Options{Timeout: time.Second, Flag: os.O_RDWR | os.O_CREATE})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	s.pool.LockTimeout = 100 * time.Millisecond
	start := time.Now()
	if _, _, err := s.pool.Take(s.dir("x")); !errors.Is(err, lockfile.ErrTimeout) {
		t.Errorf("Take while another process holds the lock: %v, want lockfile.ErrTimeout", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("waited %s for a 100ms deadline", waited)
	}
}

func TestPoolIsBounded(t *testing.T) {
	s := newFakeStore(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	full := make([]Entry, maxEntries)
	for i := range full {
		full[i] = Entry{UUID: uuid.NewString(), Released: base.Add(time.Duration(i) * time.Minute)}
	}
	full[0], full[1] = full[1], full[0] // the oldest is not the first
	f, err := os.Create(s.pool.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Encode(f, full); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for i := 0; i < 3; i++ {
		if err := s.pool.Remember(s.dir("m"), Entry{UUID: uuid.NewString(), Released: base.Add(time.Hour * 24)}); err != nil {
			t.Fatal(err)
		}
	}
	e := s.entries()
	if len(e) != maxEntries {
		t.Fatalf("pool holds %d entries, want %d", len(e), maxEntries)
	}
	for _, en := range e {
		if en.Released.Before(base.Add(3 * time.Minute)) {
			t.Errorf("entry released at %s was kept; the 3 oldest go", en.Released)
		}
	}
	// 0644: every user of the store reads it (TestPoolLeftByAnotherUser).
	if info, err := os.Stat(s.pool.Path); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("pool file mode: %v %v, want 0644", info.Mode(), err)
	}
}

// TestPoolLeftByAnotherUser: a store used once through sudo (root's plugin)
// leaves the pool and its lock behind; the user's plugin must still read,
// lock and replace them (the store's cache directory is the user's). The
// other user is played by a permission check: the files must be readable by
// all, and the lock usable read-only.
func TestPoolLeftByAnotherUser(t *testing.T) {
	s := newFakeStore(t)
	a, _ := s.create("a", false)
	s.remove("a", a, true)
	for _, name := range []string{s.pool.Path, filepath.Join(filepath.Dir(s.pool.Path), lockName)} {
		info, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm&0o044 != 0o044 {
			t.Errorf("%s has mode %v: another user of the store cannot read it", filepath.Base(name), perm)
		}
	}
	// Read-only, as another user would open it: the pool still works.
	lock := filepath.Join(filepath.Dir(s.pool.Path), lockName)
	if err := os.Chmod(lock, 0o444); err != nil {
		t.Fatal(err)
	}
	if b, reused := s.create("b", false); !reused || b != a {
		t.Errorf("with a read-only lock file: create b got %s (reused %v), want a's %s", b, reused, a)
	}
}
