//go:build darwin || linux

package nfsserver

import (
	"fmt"

	nfs "github.com/willscott/go-nfs"
	"golang.org/x/sys/unix"
)

// statfs fills st with the sizes of the filesystem holding the share, so
// that df in the guest shows the host's real free space rather than
// go-nfs's placeholder of 2^62 bytes.
func (rfs *rootFS) statfs(st *nfs.FSStat) (err error) {
	f, err := rfs.root.Open(".")
	if err != nil {
		return fmt.Errorf("open share %s for statfs: %w", rfs.host, err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close share %s after statfs: %w", rfs.host, cerr)
		}
	}()
	rc, err := f.SyscallConn()
	if err != nil {
		return fmt.Errorf("reach descriptor of share %s: %w", rfs.host, err)
	}
	var s unix.Statfs_t
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.Fstatfs(int(fd), &s) }); err != nil {
		return fmt.Errorf("reach descriptor of share %s: %w", rfs.host, err)
	}
	if serr != nil {
		return fmt.Errorf("statfs share %s: %w", rfs.host, serr)
	}
	bsize := uint64(s.Bsize)
	st.TotalSize = s.Blocks * bsize
	st.FreeSize = s.Bfree * bsize
	st.AvailableSize = s.Bavail * bsize
	st.TotalFiles = s.Files
	st.FreeFiles = s.Ffree
	st.AvailableFiles = s.Ffree
	return nil
}
