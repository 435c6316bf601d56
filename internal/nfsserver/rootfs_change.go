package nfsserver

import (
	"os"
	"time"
)

// Chmod sets the permission bits of name (a final symlink is followed, inside
// the share only).
func (rfs *rootFS) Chmod(name string, mode os.FileMode) error {
	return rfs.root.Chmod(rel(name), mode)
}

// Chtimes sets the access and modification times of name.
func (rfs *rootFS) Chtimes(name string, atime, mtime time.Time) error {
	return rfs.root.Chtimes(rel(name), atime, mtime)
}

// Chown succeeds and changes nothing. The server runs as the user and could
// not give files away anyway; failing would break containers whose
// entrypoint chowns a mounted directory, and the host owner must stay the
// user, as with macOS nfsd's -mapall. The guest sees the host owner.
func (rfs *rootFS) Chown(name string, uid, gid int) error {
	return nil
}

// Lchown succeeds and changes nothing, for the reasons given at Chown.
func (rfs *rootFS) Lchown(name string, uid, gid int) error {
	return nil
}
