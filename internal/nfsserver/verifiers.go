package nfsserver

import (
	"crypto/sha256"
	"encoding/binary"
	"io/fs"
	"sync"
)

// Directory listings are remembered between the READDIR(PLUS) calls that
// page through them: without that go-nfs reads the whole directory again
// for every page. The budget counts entries over all remembered listings
// (about 120 bytes each, see dirInfo), so they stay near 2 MB; the newest
// listing is always kept, however long, so that a huge directory still
// pages in linear time.
const (
	verifierEntryBudget = 16384
	verifierMaxListings = 64
)

// verifierCache implements go-nfs's CachingHandler: a cookie verifier per
// directory listing, and the listing for a verifier.
type verifierCache struct {
	mu      sync.Mutex
	entries int
	byID    *lru[uint64, listing]
}

type listing struct {
	path     string
	contents []fs.FileInfo
}

func newVerifierCache() *verifierCache {
	return &verifierCache{byID: newLRU[uint64, listing]()}
}

// verifierFor remembers contents and returns their verifier, which depends
// only on the share, the path and the names, so an unchanged directory keeps
// its verifier and a guest paging through it never sees NFS3ERR_BAD_COOKIE.
//
// go-nfs passes only the share-relative path; the share comes from the
// entries (an empty listing looks the same in every share).
func (c *verifierCache) verifierFor(path string, contents []fs.FileInfo) uint64 {
	h := sha256.New()
	var n [8]byte
	// Lengths before strings, so no two different listings hash alike by
	// shifting a boundary ("ab"+"c" against "a"+"bc").
	write := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:]) // hash.Hash writes never fail
		h.Write([]byte(s))
	}
	if len(contents) > 0 {
		if d, ok := contents[0].(*dirInfo); ok {
			write(d.share)
		}
	}
	write(path)
	for _, fi := range contents {
		write(fi.Name())
	}
	id := binary.BigEndian.Uint64(h.Sum(nil)[:8])
	if id == 0 {
		id = 1 // 0 is the "no verifier" of a first READDIR call
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.byID.remove(id); ok {
		c.entries -= len(old.contents)
	}
	c.byID.put(id, listing{path: path, contents: contents})
	c.entries += len(contents)
	for c.byID.len() > 1 && (c.entries > verifierEntryBudget || c.byID.len() > verifierMaxListings) {
		oldID, old, _ := c.byID.oldest()
		c.byID.remove(oldID)
		c.entries -= len(old.contents)
	}
	return id
}

// dataForVerifier returns the listing of path remembered under id, or nil.
func (c *verifierCache) dataForVerifier(path string, id uint64) []fs.FileInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.byID.get(id)
	// The id covers the share; the path check is cheap insurance.
	if !ok || l.path != path {
		return nil
	}
	return l.contents
}

// size reports the remembered listings and their entries, for tests.
func (c *verifierCache) size() (listings, entries int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID.len(), c.entries
}
