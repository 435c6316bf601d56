package nfsserver

import (
	"math"
	"path/filepath"
	"runtime/debug"
	"testing"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
)

const nfs3OK = 0

// TestErrorPathsCloseFiles sends calls that open a file and then fail:
// SETATTR to a size beyond int64 (go-nfs opens the file before checking
// the size) and WRITE at an offset beyond int64 (the seek fails). None may
// leave a descriptor open. The garbage collector, which closes a lost
// *os.File eventually, is off meanwhile.
func TestErrorPathsCloseFiles(t *testing.T) {
	share := t.TempDir()
	writeFile(t, filepath.Join(share, "f"), "data")
	ts := startServer(t, []string{share}, nil)
	tgt := mount(t, ts.addr, share)
	_, fh, err := tgt.Lookup("f")
	if err != nil {
		t.Fatal(err)
	}
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	type setattrArgs struct {
		rpc.Header
		FH    []byte
		Sattr nfsc.Sattr3
		Guard nfsc.Sattrguard3
	}
	type writeArgs struct {
		rpc.Header
		FH       []byte
		Offset   uint64
		Count    uint32
		How      uint32
		Contents []byte
	}
	calls := map[string]any{
		"SETATTR size 2^64-1": &setattrArgs{Header: nfsHeader(nfsc.NFSProc3SetAttr), FH: fh, Sattr: nfsc.Sattr3{Size: nfsc.SetSize{SetIt: true, Size: math.MaxUint64}}},
		"WRITE at 2^63":       &writeArgs{Header: nfsHeader(nfsc.NFSProc3Write), FH: fh, Offset: 1 << 63, Count: 1, How: 2, Contents: []byte{1}},
	}
	for name, args := range calls {
		before := countFDs(t)
		for range 50 {
			if st := callStatus(t, tgt, args); st == nfs3OK {
				t.Fatalf("%s succeeded", name)
			}
		}
		if after := countFDs(t); after > before {
			t.Errorf("%s: %d descriptors open after 50 calls, %d before", name, after, before)
		}
	}
}
