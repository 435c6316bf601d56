package uuidpool

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// fakeStore plays docker-machine and the driver on a store directory: a
// create takes a pooled UUID or a new one and saves it in config.json; a
// remove pools the UUID when the lease could not be removed.
type fakeStore struct {
	t    *testing.T
	root string
	pool *Pool
	logs []string
	mu   sync.Mutex
}

func newFakeStore(t *testing.T) *fakeStore {
	s := &fakeStore{t: t, root: t.TempDir()}
	s.pool = ForStore(s.root)
	s.pool.LockTimeout = 10 * time.Second
	s.pool.Logf = func(format string, args ...any) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.logs = append(s.logs, fmt.Sprintf(format, args...))
	}
	if err := os.MkdirAll(filepath.Join(s.root, "cache"), 0o700); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *fakeStore) dir(name string) string { return filepath.Join(s.root, "machines", name) }

// create makes the machine's directory (docker-machine's doing), takes a
// UUID and, unless failed, saves it as docker-machine does after Create.
func (s *fakeStore) create(name string, failed bool) (string, bool) {
	s.t.Helper()
	dir := s.dir(name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		s.t.Fatal(err)
	}
	s.save(name, "", "") // saved before Create, with no UUID yet
	e, reused, err := s.pool.Take(dir)
	if err != nil {
		s.t.Fatalf("create %s: %v", name, err)
	}
	id := e.UUID
	if !reused {
		id = uuid.NewString()
	}
	if !failed {
		s.save(name, id, macOf(id))
	}
	return id, reused
}

func (s *fakeStore) save(name, id, mac string) {
	s.t.Helper()
	cfg := map[string]any{"DriverName": "xhyve", "Driver": map[string]string{"UUID": id, "MACAddress": mac}}
	data, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(s.dir(name), "config.json"), data, 0o600); err != nil {
		s.t.Fatal(err)
	}
}

// remove pools the machine's UUID when leaked, else forgets it, then
// deletes the directory as docker-machine does.
func (s *fakeStore) remove(name, id string, leaked bool) {
	s.t.Helper()
	var err error
	if leaked && id != "" {
		err = s.pool.Remember(s.dir(name), Entry{UUID: id, MAC: macOf(id), Machine: name})
	} else {
		err = s.pool.Forget(s.dir(name), id)
	}
	if err != nil {
		s.t.Fatalf("remove %s: %v", name, err)
	}
	if err := os.RemoveAll(s.dir(name)); err != nil {
		s.t.Fatal(err)
	}
}

func (s *fakeStore) entries() []Entry {
	s.t.Helper()
	e, err := s.pool.Entries()
	if err != nil {
		s.t.Fatal(err)
	}
	return e
}

// macOf stands in for vmnet: a MAC that follows the UUID.
func macOf(id string) string {
	u := uuid.MustParse(id)
	return fmt.Sprintf("%x:%x:%x:%x:%x:%x", u[0]|2, u[1], u[2], u[3], u[4], u[5])
}
