package nfsserver

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
	"github.com/willscott/go-nfs-client/nfs/xdr"
)

// TestReadDirRepliesFitCounts: READDIR and READDIRPLUS replies stay within
// the sizes the client asked for (the Linux client cannot decode a longer
// one), with names short and long, and fill at least half of them when the
// directory has more (go-nfs counted 512 bytes an entry, about a quarter
// of the room).
func TestReadDirRepliesFitCounts(t *testing.T) {
	for _, nameLen := range []int{1, 12, 255} {
		t.Run(fmt.Sprintf("names=%d", nameLen), func(t *testing.T) {
			share := t.TempDir()
			for i := range 600 {
				name := fmt.Sprintf("%04d", i)
				name += strings.Repeat("n", max(0, nameLen-len(name)))
				writeFile(t, filepath.Join(share, name), "x")
			}
			ts := startServer(t, []string{share}, nil)
			tgt := mount(t, ts.addr, share)
			fh := rootHandle(t, tgt)
			for _, c := range []struct{ dir, max uint32 }{{512, 4096}, {1024, 8192}, {8192, 65536}} {
				type plusArgs struct {
					rpc.Header
					FH                 []byte
					Cookie, CookieVerf uint64
					DirCount, MaxCount uint32
				}
				size := replySize(t, tgt, &plusArgs{nfsHeader(nfsc.NFSProc3ReadDirPlus), fh, 0, 0, c.dir, c.max})
				// Long names fill dircount first; 64 KiB holds every entry.
				full := nameLen < 255 && c.max <= 8192
				if size > int(c.max) || full && size < int(c.max)/2 {
					t.Errorf("READDIRPLUS dircount %d maxcount %d: %d-byte reply", c.dir, c.max, size)
				}
				type dirArgs struct {
					rpc.Header
					FH                 []byte
					Cookie, CookieVerf uint64
					Count              uint32
				}
				size = replySize(t, tgt, &dirArgs{nfsHeader(nfsc.NFSProc3ReadDirPlus - 1), fh, 0, 0, c.max})
				if size > int(c.max) || c.max <= 8192 && size < int(c.max)/2 {
					t.Errorf("READDIR count %d: %d-byte reply", c.max, size)
				}
			}
		})
	}
}

// replySize sends a call that must succeed and returns the size of its
// result (status included).
func replySize(t *testing.T, tgt *nfsc.Target, args any) int {
	t.Helper()
	res, err := tgt.Call(args)
	if err != nil {
		t.Fatalf("call %+v: %v", args, err)
	}
	start, _ := res.Seek(0, io.SeekCurrent)
	if st, err := xdr.ReadUint32(res); err != nil || st != 0 {
		t.Fatalf("call %+v: status %d, %v", args, st, err)
	}
	end, err := res.Seek(0, io.SeekEnd)
	if err != nil {
		t.Fatal(err)
	}
	return int(end - start)
}
