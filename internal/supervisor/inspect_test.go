package supervisor

import (
	"os"
	"strings"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
)

// TestDamagedStatusStillFindsTheVM: a truncated supervisor.json must not
// hide a running VM from stop, kill and rm.
func TestDamagedStatusStillFindsTheVM(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "hyperkit"})
	sup := v.launch()
	// Damaged only once the supervisor has recorded this boot: its save
	// right after starting the hypervisor may come after the pidfile, and
	// would overwrite the damage (1 run in 15 failed so).
	view := v.waitFor("running, the boot recorded", func(view supervisorctl.View) bool {
		return v.running(view) && view.Status.HypervisorPID == view.HypervisorPID
	})
	if err := os.WriteFile(v.layout.Status(), []byte(`{"pid": 12`), 0o600); err != nil {
		t.Fatal(err)
	}
	got := v.view()
	if got.StatusErr == nil || !strings.Contains(got.StatusErr.Error(), v.layout.Status()) {
		t.Errorf("StatusErr %v, want one naming %s", got.StatusErr, v.layout.Status())
	}
	if got.HypervisorPID != view.HypervisorPID || got.SupervisorPID != sup {
		t.Errorf("with a damaged status: hypervisor %d supervisor %d, want %d and %d", got.HypervisorPID, got.SupervisorPID, view.HypervisorPID, sup)
	}
}
