package nfsserver

import (
	"os"
	"path/filepath"
	"strings"
)

// One-step lookups. os.Root resolves a path one directory at a time (an
// openat and a close per component), which made path walking most of the
// server's system calls: 185,000 openat and as many close for an untar of
// 5,000 files two directories deep. Where the kernel can resolve a whole
// path beneath a directory in one call while refusing every symlink, the
// share does that first (resolve_linux.go); a path with a symlink on it, or
// anything else the one-step call does not settle, is resolved again by
// os.Root, which follows symlinks that stay inside the share. The walk is
// the only resolver where no such call is known to be safe (resolve_other.go).

// fastPath tells whether name takes the one-step lookup: a clean path below
// the share (".." and the share itself go through os.Root) with at least
// minDirs directories before its last element, below which the walk costs
// no more calls than the one-step lookup.
func fastPath(name string, minDirs int) bool {
	return name != "." && filepath.IsLocal(name) && filepath.Clean(name) == name &&
		strings.Count(name, string(filepath.Separator)) >= minDirs
}

// Depths from which the one-step lookup takes fewer calls than the walk,
// which costs an openat and a close per directory: an open is one call
// (openat2) against 1 + 2 per directory; a stat is three (openat2 with
// O_PATH, fstat, close) against 1 + 2 per directory.
const (
	openFastDirs = 1
	statFastDirs = 2
)

// openFast opens name beneath the share's directory in one step, or
// reports ok=false when os.Root must do it.
func (rfs *rootFS) openFast(name string, flag int, perm os.FileMode) (f *os.File, ok bool, err error) {
	if rfs.dir == nil || !fastPath(name, openFastDirs) {
		return nil, false, nil
	}
	return openBeneath(rfs.dir, name, flag, perm)
}

// statFast describes name in one step (with lstat, a final symlink
// itself), or reports ok=false when os.Root must do it.
func (rfs *rootFS) statFast(name string, lstat bool) (fi os.FileInfo, ok bool, err error) {
	if rfs.dir == nil || !fastPath(name, statFastDirs) {
		return nil, false, nil
	}
	return statBeneath(rfs.dir, name, lstat)
}
