package nfsserver

import (
	"os"
	"testing"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
	"github.com/willscott/go-nfs-client/nfs/xdr"
)

// TestCreateSendsDirPreOpAttrs: CREATE and MKDIR of a new name send the
// directory's attributes from before the change in dir_wcc, so the Linux
// client keeps its caches of the directory (without them it dropped them,
// ACCESS rights included, after every file of an untar).
func TestCreateSendsDirPreOpAttrs(t *testing.T) {
	share := t.TempDir()
	ts := startServer(t, []string{share}, nil)
	tgt := mount(t, ts.addr, share)
	fh := rootHandle(t, tgt)
	type how struct {
		Mode uint32
		Attr nfsc.Sattr3
	}
	type createArgs struct {
		rpc.Header
		Where nfsc.Diropargs3
		How   how
	}
	type mkdirArgs struct {
		rpc.Header
		Where nfsc.Diropargs3
		Attr  nfsc.Sattr3
	}
	for _, c := range []struct {
		what string
		args any
	}{
		{"CREATE", &createArgs{nfsHeader(nfsc.NFSProc3Create), nfsc.Diropargs3{FH: fh, Filename: "f"}, how{Mode: 1}}},
		{"MKDIR", &mkdirArgs{nfsHeader(nfsc.NFSProc3Mkdir), nfsc.Diropargs3{FH: fh, Filename: "d"}, nfsc.Sattr3{Mode: nfsc.SetMode{SetIt: true, Mode: 0o755}}}},
	} {
		before, err := os.Stat(share)
		if err != nil {
			t.Fatal(err)
		}
		res, err := tgt.Call(c.args)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		var reply struct {
			Status uint32
			FH     nfsc.PostOpFH3
			Attr   nfsc.PostOpAttr
			DirWcc nfsc.WccData
		}
		if err := xdr.Read(res, &reply); err != nil || reply.Status != 0 {
			t.Fatalf("%s: status %d, %v", c.what, reply.Status, err)
		}
		pre := reply.DirWcc.Before
		mt := before.ModTime()
		if !pre.IsSet || pre.MTime.Seconds != uint32(mt.Unix()) || pre.MTime.Nseconds != uint32(mt.Nanosecond()) {
			t.Errorf("%s: dir_wcc before %+v, want the directory's mtime %v", c.what, pre, mt)
		}
		if !reply.DirWcc.After.IsSet {
			t.Errorf("%s: dir_wcc without attributes after", c.what)
		}
	}
}
