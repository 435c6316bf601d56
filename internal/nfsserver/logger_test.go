package nfsserver

import (
	"testing"

	nfsc "github.com/willscott/go-nfs-client/nfs"
)

func TestGoNFSLogsReachLogf(t *testing.T) {
	ts := startServer(t, []string{t.TempDir()}, nil)
	// MOUNT EXPORT (showmount -e) has no handler in go-nfs, which logs it.
	if replied, err := rawCall(t, ts.addr, loopback, nfsc.MountProg, nfsc.MountProc3Export); err != nil || !replied {
		t.Fatalf("EXPORT call: replied=%v err=%v", replied, err)
	}
	ts.log.waitFor(t, "nfs: go-nfs: No handler for 100005.5")
}
