package xhyve

import (
	"strings"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
)

// TestRemoveKeepsTheLeaseWhileExportsRemain: if the exports cannot be
// removed, the lease must stay taken, or the next VM given this address
// would be given this machine's shares.
func TestRemoveKeepsTheLeaseWhileExportsRemain(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve"}, nil)
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	share := t.TempDir()
	m.d.NFSShares, m.d.NFSShareTargets, m.d.NFSServer = []string{share}, []string{share}, nfsMacOS
	good := m.d.env.exportsPath
	m.d.env.exportsPath = t.TempDir() // a directory: reading it as the exports file fails
	if err := m.d.Remove(); err == nil || !strings.Contains(err.Error(), "exports") {
		t.Fatalf("Remove with unreadable exports: %v", err)
	}
	if n := len(m.leases()); n != 1 {
		t.Errorf("%d leases left after a failed Remove, want the VM's one", n)
	}
	m.d.env.exportsPath = good
	if err := m.d.Remove(); err != nil {
		t.Fatal(err)
	}
	if n := len(m.leases()); n != 0 {
		t.Errorf("%d leases left after Remove", n)
	}
}
