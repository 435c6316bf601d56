//go:build darwin || linux

package nfsserver

import (
	"testing"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
	"github.com/willscott/go-nfs-client/nfs/xdr"
	"golang.org/x/sys/unix"
)

const nfsProc3FSStat = 18

func TestFSStatReportsHostFilesystem(t *testing.T) {
	share := t.TempDir()
	ts := startServer(t, []string{share}, nil)
	tgt := mount(t, ts.addr, share)
	type fsstatArgs struct {
		rpc.Header
		FH []byte
	}
	res, err := tgt.Call(&fsstatArgs{nfsHeader(nfsProc3FSStat), rootHandle(t, tgt)})
	if err != nil {
		t.Fatal(err)
	}
	var reply struct {
		Status                 uint32
		Attr                   nfsc.PostOpAttr
		Tbytes, Fbytes, Abytes uint64
		Tfiles, Ffiles, Afiles uint64
		Invarsec               uint32
	}
	if err := xdr.Read(res, &reply); err != nil {
		t.Fatal(err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(share, &st); err != nil {
		t.Fatal(err)
	}
	if reply.Status != 0 || reply.Tbytes != st.Blocks*uint64(st.Bsize) || reply.Tfiles != st.Files {
		t.Fatalf("FSSTAT: status %d, %d bytes and %d files in all; the host says %d and %d",
			reply.Status, reply.Tbytes, reply.Tfiles, st.Blocks*uint64(st.Bsize), st.Files)
	}
}
