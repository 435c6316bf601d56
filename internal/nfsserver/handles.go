package nfsserver

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"strings"
	"sync"

	billy "github.com/go-git/go-billy/v5"
)

// handleLimit is how many non-root file handles a Server remembers.
// An entry costs about 200 bytes (TestHandleTableMemory), so a full table
// is under 8 MB: a 5,000-file tree fits six times over, and a larger one
// only makes the guest look up again the names it used least recently (it
// gets NFS3ERR_STALE for them and resolves the path anew). A file kept open
// but unused while more than this many others are touched goes stale too,
// which is why the limit is not smaller.
const handleLimit = 32768

// handleLen is the size of every handle given out: an 8-byte epoch and an
// 8-byte id, far below NFSv3's 64-byte maximum.
const handleLen = 16

// errStaleHandle reports a handle this server does not (or no longer) know.
var errStaleHandle = errors.New("stale file handle")

// handleTable maps NFS file handles to share-relative paths.
//
// It replaces go-nfs's helpers.CachingHandler, which scans its whole cache
// on every request (about 1 ms per call at 8,192 entries) and never deletes
// the keys of its reverse map, so a long-lived server grows with every
// distinct path it has ever served (140 MB after a million names).
//
// Share roots have fixed handles, derived from the share's path and not
// stored, so they never expire and stay valid across a restart of the
// server. Other handles carry a random per-process epoch, so a handle from a
// previous process is stale instead of naming whatever file got its id.
//
// A handle names a path, not an inode (go-nfs works with paths): guest
// renames and removals update the table (rootFS.Rename and Remove), but a
// file the host replaces or moves keeps its handle on the old path.
type handleTable struct {
	mu    sync.Mutex
	epoch uint64
	next  uint64
	limit int
	ids   *lru[uint64, pathKey]
	paths map[pathKey]uint64
	roots map[uint64]*rootFS
}

// pathKey names a file: its share and its cleaned share-relative path.
type pathKey struct {
	fs  *rootFS
	rel string
}

func newHandleTable(limit int) (*handleTable, error) {
	var b [8]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("draw handle epoch: %w", err)
		}
		// Epoch 0 marks root handles.
		if binary.BigEndian.Uint64(b[:]) != 0 {
			break
		}
	}
	return &handleTable{
		epoch: binary.BigEndian.Uint64(b[:]),
		limit: limit,
		ids:   newLRU[uint64, pathKey](),
		paths: make(map[pathKey]uint64),
		roots: make(map[uint64]*rootFS),
	}, nil
}

// addRoot gives fs its fixed root handle.
func (t *handleTable) addRoot(fs *rootFS) error {
	h := fnv.New64a()
	if _, err := h.Write([]byte(fs.host)); err != nil {
		return fmt.Errorf("hash share path %s: %w", fs.host, err)
	}
	id := h.Sum64()
	t.mu.Lock()
	defer t.mu.Unlock()
	if other, ok := t.roots[id]; ok {
		return fmt.Errorf("add share %s: root handle collides with %s", fs.host, other.host)
	}
	t.roots[id] = fs
	fs.rootID = id
	return nil
}

func encodeHandle(epoch, id uint64) []byte {
	b := make([]byte, handleLen)
	binary.BigEndian.PutUint64(b[:8], epoch)
	binary.BigEndian.PutUint64(b[8:], id)
	return b
}

// toHandle returns the handle of path in fs, creating it if needed and
// evicting the least recently used one past the limit. Every element of
// path must be one clean name (see cleanName); otherwise toHandle returns
// nil, the empty handle, which is never valid: go-nfs appends the names the
// guest sends unchecked, and a handle stored for "a/.." or "x/../../y" would
// name a path other than the one the guest was told, or one a later
// lookup of the same file would not find.
func (t *handleTable) toHandle(f billy.Filesystem, path []string) []byte {
	fs, ok := f.(*rootFS)
	if !ok {
		// go-nfs asks for the root of a refused mount with a nil
		// filesystem and drops the answer; an empty handle is never valid.
		return nil
	}
	for _, name := range path {
		if !cleanName(name) {
			return nil
		}
	}
	if len(path) == 0 {
		return encodeHandle(0, fs.rootID)
	}
	rel := filepath.Join(path...)
	key := pathKey{fs: fs, rel: rel}
	t.mu.Lock()
	defer t.mu.Unlock()
	if id, ok := t.paths[key]; ok {
		t.ids.get(id)
		return encodeHandle(t.epoch, id)
	}
	t.next++
	id := t.next
	t.ids.put(id, key)
	t.paths[key] = id
	for t.ids.len() > t.limit {
		oldID, oldKey, _ := t.ids.oldest()
		t.ids.remove(oldID)
		delete(t.paths, oldKey)
	}
	return encodeHandle(t.epoch, id)
}

// cleanName reports whether name is a single clean path element: not empty,
// "." or "..", and without a separator or NUL.
func cleanName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\x00"+string(filepath.Separator))
}

// fromHandle returns the share and path components a handle names.
func (t *handleTable) fromHandle(h []byte) (billy.Filesystem, []string, error) {
	if len(h) != handleLen {
		return nil, nil, fmt.Errorf("decode %d-byte handle: %w", len(h), errStaleHandle)
	}
	epoch := binary.BigEndian.Uint64(h[:8])
	id := binary.BigEndian.Uint64(h[8:])
	t.mu.Lock()
	defer t.mu.Unlock()
	if epoch == 0 {
		fs, ok := t.roots[id]
		if !ok {
			return nil, nil, fmt.Errorf("look up root handle %x: %w", id, errStaleHandle)
		}
		return fs, []string{}, nil
	}
	if epoch != t.epoch {
		return nil, nil, fmt.Errorf("look up handle of another server run: %w", errStaleHandle)
	}
	key, ok := t.ids.get(id)
	if !ok {
		return nil, nil, fmt.Errorf("look up handle %d: %w", id, errStaleHandle)
	}
	// A fresh slice each time: go-nfs appends names to it.
	return key.fs, strings.Split(key.rel, string(filepath.Separator)), nil
}

// forget drops the handle of rel in fs, whose file was removed.
func (t *handleTable) forget(fs *rootFS, rel string) {
	key := pathKey{fs: fs, rel: filepath.Clean(rel)}
	t.mu.Lock()
	defer t.mu.Unlock()
	if id, ok := t.paths[key]; ok {
		t.ids.remove(id)
		delete(t.paths, key)
	}
}

// moved follows a rename of oldRel to newRel in fs: the handles of the
// moved file (and, when tree is set, of everything below it) name it at its
// new path, as NFS handles follow their file, and those that named what the
// rename replaced are dropped, so that no handle silently names a file that
// took the place of the one it was given for.
func (t *handleTable) moved(fs *rootFS, oldRel, newRel string, tree bool) {
	oldRel, newRel = filepath.Clean(oldRel), filepath.Clean(newRel)
	if oldRel == newRel {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var replaced, move []uint64
	if tree {
		// A successful rename never moves a tree into itself, so the
		// two trees are disjoint.
		sep := string(filepath.Separator)
		t.ids.each(func(id uint64, key pathKey) {
			switch {
			case key.fs != fs:
			case key.rel == newRel || strings.HasPrefix(key.rel, newRel+sep):
				replaced = append(replaced, id)
			case key.rel == oldRel || strings.HasPrefix(key.rel, oldRel+sep):
				move = append(move, id)
			}
		})
	} else {
		if id, ok := t.paths[pathKey{fs: fs, rel: newRel}]; ok {
			replaced = append(replaced, id)
		}
		if id, ok := t.paths[pathKey{fs: fs, rel: oldRel}]; ok {
			move = append(move, id)
		}
	}
	for _, id := range replaced {
		if key, ok := t.ids.remove(id); ok {
			delete(t.paths, key)
		}
	}
	for _, id := range move {
		key, _ := t.ids.get(id)
		delete(t.paths, key)
		key.rel = newRel + strings.TrimPrefix(key.rel, oldRel)
		t.ids.put(id, key)
		t.paths[key] = id
	}
}

// size reports how many non-root handles are remembered, for tests.
func (t *handleTable) size() (ids, paths int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ids.len(), len(t.paths)
}
