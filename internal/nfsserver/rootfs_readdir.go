package nfsserver

import (
	"errors"
	"io/fs"
	"os"
	"time"

	nfsfile "github.com/willscott/go-nfs/file"
)

// ReadDir lists a directory of the share without following symlinks. Each
// entry is stated relative to the directory's own descriptor (an os.Root
// opened on it), never by a path that a concurrent rename could redirect.
// Entries that vanish while being listed are left out.
func (rfs *rootFS) ReadDir(name string) (_ []os.FileInfo, err error) {
	dir, err := rfs.root.OpenRoot(rel(name))
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := dir.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	f, err := dir.Open(".")
	if err != nil {
		return nil, err
	}
	names, err := f.Readdirnames(-1)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	out := make([]os.FileInfo, 0, len(names))
	for _, n := range names {
		fi, err := dir.Lstat(n)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, newDirInfo(rfs.host, fi))
	}
	return out, nil
}

// dirInfo is a listed entry in about half the memory of the os.FileInfo it
// copies (whose Sys is a full syscall.Stat_t): listings stay cached between
// the calls that page through them. Sys gives go-nfs what it reads from a
// stat: link count, owner, device numbers and inode.
type dirInfo struct {
	name   string
	share  string // host path of the share, for the listing's verifier
	size   int64
	mode   fs.FileMode
	mtime  time.Time
	sys    nfsfile.FileInfo
	hasSys bool
}

func newDirInfo(share string, fi os.FileInfo) *dirInfo {
	d := &dirInfo{name: fi.Name(), share: share, size: fi.Size(), mode: fi.Mode(), mtime: fi.ModTime()}
	if s := nfsfile.GetInfo(fi); s != nil {
		d.sys, d.hasSys = *s, true
	}
	return d
}

// Name is the entry's base name.
func (d *dirInfo) Name() string { return d.name }

// Size is the entry's length in bytes.
func (d *dirInfo) Size() int64 { return d.size }

// Mode is the entry's type and permission bits.
func (d *dirInfo) Mode() fs.FileMode { return d.mode }

// ModTime is the entry's modification time.
func (d *dirInfo) ModTime() time.Time { return d.mtime }

// IsDir reports whether the entry is a directory.
func (d *dirInfo) IsDir() bool { return d.mode.IsDir() }

// Sys returns a *nfsfile.FileInfo, the form go-nfs reads first, or nil.
func (d *dirInfo) Sys() any {
	if !d.hasSys {
		return nil
	}
	return &d.sys
}
