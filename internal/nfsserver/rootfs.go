package nfsserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	billy "github.com/go-git/go-billy/v5"
)

// rootFS is one share as a billy.Filesystem (and billy.Change). Every path
// is relative to the share and resolved by the share's os.Root, which is
// what keeps the guest inside it (see the package doc).
//
// Errors go back as os.Root returns them (*fs.PathError, *os.LinkError):
// go-nfs picks NFS status codes with os.IsNotExist and os.IsPermission,
// which do not see through fmt's %w.
type rootFS struct {
	host    string // the share's host path, which is also its mount path
	root    *os.Root
	dir     *os.File     // the share's directory, for one-step lookups (resolve.go)
	rootID  uint64       // set by handleTable.addRoot
	handles *handleTable // told of renames and removals
	// sync flushes an open file's data to stable storage: fsyncFile,
	// which tests replace to count and fail syncs.
	sync func(*os.File) error
}

var (
	_ billy.Filesystem = (*rootFS)(nil)
	_ billy.Change     = (*rootFS)(nil)
	_ billy.Capable    = (*rootFS)(nil)
)

func openRootFS(host string, handles *handleTable) (*rootFS, error) {
	root, err := os.OpenRoot(host)
	if err != nil {
		return nil, fmt.Errorf("open share %s: %w", host, err)
	}
	dir, err := root.Open(".")
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open share %s: %w", host, err), root.Close())
	}
	return &rootFS{host: host, root: root, dir: dir, handles: handles, sync: fsyncFile}, nil
}

// rel turns go-nfs's joined path (empty for the share root) into a name
// os.Root accepts.
func rel(name string) string {
	if name == "" {
		return "."
	}
	return name
}

// Capabilities leaves out locking: go-nfs never locks, and NLM is not served
// (the guest mounts with nolock).
func (rfs *rootFS) Capabilities() billy.Capability {
	return billy.WriteCapability | billy.ReadCapability | billy.ReadAndWriteCapability |
		billy.SeekCapability | billy.TruncateCapability
}

// Create creates name, keeping the contents if it exists. Unlike billy's
// contract it does not truncate: go-nfs calls it for CREATE in UNCHECKED
// mode, which the Linux client sends for open(O_CREAT) when it believes the
// name absent (a cached negative lookup, say, after the host made the file),
// and truncating there would lose the host's data. A guest that wants the
// file emptied asks for size 0, which go-nfs applies after Create.
func (rfs *rootFS) Create(name string) (billy.File, error) {
	return rfs.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o666)
}

// Open opens name for reading.
func (rfs *rootFS) Open(name string) (billy.File, error) {
	return rfs.OpenFile(name, os.O_RDONLY, 0)
}

// OpenFile opens name inside the share.
func (rfs *rootFS) OpenFile(name string, flag int, perm os.FileMode) (billy.File, error) {
	f, ok, err := rfs.openFast(rel(name), flag, perm)
	if !ok {
		f, err = rfs.root.OpenFile(rel(name), flag, perm)
	}
	if err != nil {
		return nil, err
	}
	return &rootFile{File: f, name: name, sync: rfs.sync}, nil
}

// Stat follows a final symlink, inside the share only.
func (rfs *rootFS) Stat(name string) (os.FileInfo, error) {
	if fi, ok, err := rfs.statFast(rel(name), false); ok {
		return fi, err
	}
	return rfs.root.Stat(rel(name))
}

// Lstat describes name itself, symlink or not.
func (rfs *rootFS) Lstat(name string) (os.FileInfo, error) {
	if fi, ok, err := rfs.statFast(rel(name), true); ok {
		return fi, err
	}
	return rfs.root.Lstat(rel(name))
}

// Rename moves oldpath to newpath and updates the handle table to match.
func (rfs *rootFS) Rename(oldpath, newpath string) error {
	if err := rfs.root.Rename(rel(oldpath), rel(newpath)); err != nil {
		return err
	}
	// Only a directory has handles below it worth a scan of the table;
	// if the moved file cannot be stated, scan to be safe.
	fi, err := rfs.root.Lstat(rel(newpath))
	rfs.handles.moved(rfs, rel(oldpath), rel(newpath), err != nil || fi.IsDir())
	return nil
}

// Remove deletes a file, a symlink or an empty directory.
func (rfs *rootFS) Remove(name string) error {
	if err := rfs.root.Remove(rel(name)); err != nil {
		return err
	}
	rfs.handles.forget(rfs, rel(name))
	return nil
}

// Join joins path elements the way os.Root reads them.
func (rfs *rootFS) Join(elem ...string) string {
	return filepath.Join(elem...)
}

// TempFile is not needed by go-nfs.
func (rfs *rootFS) TempFile(dir, prefix string) (billy.File, error) {
	return nil, fmt.Errorf("create temp file in %s: %w", dir, billy.ErrNotSupported)
}

// MkdirAll creates name and its missing parents inside the share.
func (rfs *rootFS) MkdirAll(name string, perm os.FileMode) error {
	return rfs.root.MkdirAll(rel(name), perm)
}

// Symlink creates link with the text target, unchecked: the target is only
// ever returned by READLINK or followed inside the share.
func (rfs *rootFS) Symlink(target, link string) error {
	return rfs.root.Symlink(target, rel(link))
}

// Readlink returns the text of a symlink.
func (rfs *rootFS) Readlink(link string) (string, error) {
	return rfs.root.Readlink(rel(link))
}

// Chroot is not needed by go-nfs: each share is its own filesystem.
func (rfs *rootFS) Chroot(path string) (billy.Filesystem, error) {
	return nil, fmt.Errorf("chroot to %s: %w", path, billy.ErrNotSupported)
}

// Root returns the share's host path.
func (rfs *rootFS) Root() string {
	return rfs.host
}

// close releases the share's directory.
func (rfs *rootFS) close() error {
	if err := errors.Join(rfs.dir.Close(), rfs.root.Close()); err != nil {
		return fmt.Errorf("close share %s: %w", rfs.host, err)
	}
	return nil
}
