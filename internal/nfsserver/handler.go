package nfsserver

import (
	"context"
	"io/fs"
	"net"
	"path"

	billy "github.com/go-git/go-billy/v5"
	nfs "github.com/willscott/go-nfs"
)

// handler is the Server as go-nfs sees it: nfs.Handler plus
// nfs.CachingHandler for directory listings.
type handler struct {
	s *Server
}

var (
	_ nfs.Handler        = (*handler)(nil)
	_ nfs.CachingHandler = (*handler)(nil)
)

// Mount grants a share to a MOUNT request naming its exact host path (a
// trailing slash aside); a parent, a subdirectory or any other path is
// refused with MNT3ERR_ACCES.
func (h *handler) Mount(ctx context.Context, conn net.Conn, req nfs.MountRequest) (nfs.MountStatus, billy.Filesystem, []nfs.AuthFlavor) {
	asked := string(req.Dirpath)
	share, ok := h.s.shares[path.Clean(asked)]
	if !ok || !path.IsAbs(asked) {
		h.s.logf("nfs: refused mount of %q from %s: not a share", asked, conn.RemoteAddr())
		return nfs.MountStatusErrAcces, nil, nil
	}
	h.s.logf("nfs: mounted %s for %s", share.host, conn.RemoteAddr())
	// AUTH_UNIX, the Linux client's default: credentials are read by no
	// one, since every file is accessed as the server's user.
	return nfs.MountStatusOk, share, []nfs.AuthFlavor{nfs.AuthFlavorUnix}
}

// Change makes shares writable, with chmod and utimes.
func (h *handler) Change(f billy.Filesystem) billy.Change {
	if c, ok := f.(billy.Change); ok {
		return c
	}
	return nil
}

// FSStat reports the free space of the filesystem holding the share.
func (h *handler) FSStat(ctx context.Context, f billy.Filesystem, st *nfs.FSStat) error {
	rfs, ok := f.(*rootFS)
	if !ok {
		return nil
	}
	if err := rfs.statfs(st); err != nil {
		h.s.logf("nfs: %v", err)
		return err
	}
	return nil
}

// ToHandle returns the handle of path in f.
func (h *handler) ToHandle(f billy.Filesystem, path []string) []byte {
	return h.s.handles.toHandle(f, path)
}

// FromHandle returns the share and path a handle names.
func (h *handler) FromHandle(fh []byte) (billy.Filesystem, []string, error) {
	return h.s.handles.fromHandle(fh)
}

// InvalidateHandle does nothing: go-nfs calls it after REMOVE and RENAME,
// whose rootFS methods have already updated the handle table, and dropping
// the handle here would break one that followed its file across a rename.
func (h *handler) InvalidateHandle(f billy.Filesystem, fh []byte) error {
	return nil
}

// HandleLimit is the size of the handle table; go-nfs returns at most half
// of it in one READDIRPLUS reply.
func (h *handler) HandleLimit() int {
	return h.s.handles.limit
}

// VerifierFor remembers a directory listing and returns its cookie verifier.
func (h *handler) VerifierFor(path string, contents []fs.FileInfo) uint64 {
	return h.s.verifiers.verifierFor(path, contents)
}

// DataForVerifier returns a remembered listing, or nil.
func (h *handler) DataForVerifier(path string, id uint64) []fs.FileInfo {
	return h.s.verifiers.dataForVerifier(path, id)
}
