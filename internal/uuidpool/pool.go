package uuidpool

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/atomicfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/lockfile"
)

// Names in the store's cache directory.
const (
	// FileName is the pool file.
	FileName = "xhyve-uuid-pool.json"
	// lockName serialises every change to the pool, across processes.
	lockName = "xhyve-uuid-pool.lock"
	// corruptSuffix names where a damaged pool file is moved aside.
	corruptSuffix = ".corrupt"
)

// maxEntries bounds the pool; vmnet has ~253 addresses.
const maxEntries = 512

// DefaultLockTimeout bounds the wait for another process's change to the
// pool, which takes milliseconds: a lock held this long is a stuck process.
const DefaultLockTimeout = 30 * time.Second

// ErrReserved reports a UUID that a create of another machine has taken
// from the pool.
var ErrReserved = errors.New("uuid is reserved by another machine's create")

// Pool is the UUID pool of one docker-machine store.
type Pool struct {
	// Path is the pool file, <store>/cache/FileName.
	Path string
	// Machines is the store's machines directory: each machine's
	// config.json tells which UUID and MAC it holds.
	Machines string
	// LockTimeout bounds the wait for the pool's lock.
	LockTimeout time.Duration
	// Logf receives what the pool repaired or ignored; nil discards it.
	Logf func(format string, args ...any)
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// ForStore is the pool of the docker-machine store at store
// (MACHINE_STORAGE_PATH), kept in its cache directory.
func ForStore(store string) *Pool {
	return &Pool{
		Path:        filepath.Join(store, "cache", FileName),
		Machines:    filepath.Join(store, "machines"),
		LockTimeout: DefaultLockTimeout,
	}
}

// Take reserves a pooled UUID for the create of the machine in machineDir
// and returns it, or false when none is free. A UUID is free when no other
// machine of the store holds it or its MAC in its config.json and no other
// live create reserved it. Two creates never get the same UUID: the choice
// and the reservation happen under the pool's lock.
func (p *Pool) Take(machineDir string) (Entry, bool, error) {
	if !p.exists() {
		return Entry{}, false, nil
	}
	var (
		got   Entry
		found bool
	)
	err := p.update(func(entries []Entry) ([]Entry, error) {
		for _, e := range entries {
			if sameDir(e.ReservedBy, machineDir) {
				got, found = e, true // a retried create keeps its UUID
				return entries, nil
			}
		}
		held, err := p.readClaims(machineDir)
		if err != nil {
			return nil, err
		}
		for i, e := range entries {
			if e.ReservedBy != "" && dirExists(e.ReservedBy) {
				continue
			}
			if dir := held.holder(e); dir != "" {
				continue
			}
			entries[i].ReservedBy = machineDir
			got, found = entries[i], true
			return entries, nil
		}
		return entries, nil
	})
	if err != nil {
		return Entry{}, false, err
	}
	return got, found, nil
}

// Reserve marks uuid, chosen by the user for the machine in machineDir, as
// that machine's when the pool holds it, so no concurrent create takes it.
// It is ErrReserved when another live create took it already.
func (p *Pool) Reserve(machineDir, uuid string) error {
	if !p.exists() {
		return nil
	}
	return p.update(func(entries []Entry) ([]Entry, error) {
		for i, e := range entries {
			if e.UUID != uuid {
				continue
			}
			if e.ReservedBy != "" && !sameDir(e.ReservedBy, machineDir) && dirExists(e.ReservedBy) {
				return nil, fmt.Errorf("%w: %s (%s)", ErrReserved, uuid, e.ReservedBy)
			}
			entries[i].ReservedBy = machineDir
			return entries, nil
		}
		return nil, nil
	})
}

// Remember pools e.UUID: the machine in machineDir is being removed and the
// lease of e.MAC may remain. Reservations of machineDir end (their UUIDs
// stay pooled: a failed create may have leased their address).
func (p *Pool) Remember(machineDir string, e Entry) error {
	if err := e.check(); err != nil {
		return fmt.Errorf("pool uuid: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(p.Path), 0o700); err != nil {
		return fmt.Errorf("create the uuid pool's directory: %w", err)
	}
	e.ReservedBy = ""
	if e.Released.IsZero() {
		e.Released = p.now()
	}
	return p.update(func(entries []Entry) ([]Entry, error) {
		entries = unreserve(entries, machineDir)
		kept := entries[:0]
		for _, old := range entries {
			if old.UUID == e.UUID {
				if e.MAC == "" {
					e.MAC = old.MAC
				}
				continue
			}
			kept = append(kept, old)
		}
		kept = append(kept, e)
		for len(kept) > maxEntries {
			kept = dropOldest(kept)
		}
		return kept, nil
	})
}

// Forget removes uuid from the pool (its lease is gone, or never was) and
// ends the reservations of machineDir. uuid "" only ends the reservations.
func (p *Pool) Forget(machineDir, uuid string) error {
	if !p.exists() {
		return nil
	}
	return p.update(func(entries []Entry) ([]Entry, error) {
		entries = unreserve(entries, machineDir)
		kept := entries[:0]
		for _, e := range entries {
			if uuid == "" || e.UUID != uuid {
				kept = append(kept, e)
			}
		}
		return kept, nil
	})
}

// Entries returns the pool as it is, for messages and tests.
func (p *Pool) Entries() ([]Entry, error) {
	f, err := os.Open(p.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open uuid pool: %w", err)
	}
	defer f.Close()
	entries, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Path, err)
	}
	return entries, nil
}

// update runs change on the pool's entries under its lock and replaces the
// file atomically when change returns non-nil entries that differ.
func (p *Pool) update(change func([]Entry) ([]Entry, error)) (err error) {
	timeout := p.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	// Readable by all and locked through a read-only descriptor: a store
	// used once through sudo leaves root's pool and lock behind, and the
	// user's plugin must still use them (the cache directory is the user's,
	// so the atomic replace works whoever owns the old file). The pool holds
	// nothing secret: UUIDs, MACs and machine names.
	lock, err := lockfile.File(filepath.Join(filepath.Dir(p.Path), lockName), lockfile.Options{
		Timeout: timeout, Interval: 20 * time.Millisecond, Flag: os.O_RDONLY | os.O_CREATE, Perm: 0o644,
	})
	if err != nil {
		return fmt.Errorf("lock uuid pool: %w", err)
	}
	defer func() {
		if uerr := lock.Unlock(); uerr != nil && err == nil {
			err = fmt.Errorf("unlock uuid pool: %w", uerr)
		}
	}()
	entries, raw, err := p.load()
	if err != nil {
		return err
	}
	next, err := change(entries)
	if err != nil || next == nil {
		return err
	}
	var buf bytes.Buffer
	if err := Encode(&buf, next); err != nil {
		return err
	}
	if bytes.Equal(buf.Bytes(), raw) {
		return nil
	}
	if err := atomicfile.WriteFile(p.Path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("save uuid pool: %w", err)
	}
	return nil
}

// load reads the pool file. A damaged one is moved aside (Path.corrupt,
// for whoever wants to look) and logged, and the pool starts empty: its
// UUIDs are not reused, which costs addresses but never gives one UUID to
// two machines.
func (p *Pool) load() ([]Entry, []byte, error) {
	raw, err := os.ReadFile(p.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return []Entry{}, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read uuid pool: %w", err)
	}
	entries, err := Parse(bytes.NewReader(raw))
	if err == nil {
		return entries, raw, nil
	}
	if !errors.Is(err, ErrCorrupt) {
		return nil, nil, fmt.Errorf("%s: %w", p.Path, err)
	}
	aside := p.Path + corruptSuffix
	if rerr := os.Rename(p.Path, aside); rerr != nil {
		return nil, nil, fmt.Errorf("%s: %w; moving it aside failed (%w): delete it", p.Path, err, rerr)
	}
	p.logf("uuid pool %s is damaged (%v): moved it to %s and started an empty pool; the UUIDs it listed are not reused, so their addresses stay leased", p.Path, err, aside)
	return []Entry{}, nil, nil
}

// exists reports whether the pool file is there; without it Take, Reserve
// and Forget have nothing to do and take no lock.
func (p *Pool) exists() bool {
	_, err := os.Lstat(p.Path)
	return err == nil
}

func (p *Pool) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Pool) logf(format string, args ...any) {
	if p.Logf != nil {
		p.Logf(format, args...)
	}
}

// unreserve ends the reservations of machineDir.
func unreserve(entries []Entry, machineDir string) []Entry {
	for i := range entries {
		if sameDir(entries[i].ReservedBy, machineDir) {
			entries[i].ReservedBy = ""
		}
	}
	return entries
}

// dropOldest removes the earliest released unreserved entry (the first
// entry when all are reserved).
func dropOldest(entries []Entry) []Entry {
	oldest := -1
	for i, e := range entries {
		if e.ReservedBy == "" && (oldest < 0 || e.Released.Before(entries[oldest].Released)) {
			oldest = i
		}
	}
	if oldest < 0 {
		oldest = 0
	}
	return append(entries[:oldest], entries[oldest+1:]...)
}
