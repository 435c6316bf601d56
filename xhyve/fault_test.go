package xhyve

import (
	"errors"
	"strings"
	"testing"

	"github.com/docker/machine/libmachine/drivers"
	"github.com/docker/machine/libmachine/state"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
)

// vmnetRefused is what xhyve prints, on stdout, when vmnet refuses it.
const vmnetRefused = "virtio_net: Could not create vmnet interface, permission denied or no entitlement?"

// TestFailedRunIsErrorWithReason: a run that failed in device setup makes
// the machine Error, and the error docker-machine ls shows (GetURL's) says
// why, while still meaning "not running".
func TestFailedRunIsErrorWithReason(t *testing.T) {
	failed := &supervisorctl.Exit{Outcome: hypervisor.Failed, Code: 1, Detail: vmnetRefused}
	d := scriptedDriver(t, &scriptedProcs{view: supervisorctl.View{Status: supervisorctl.Status{Done: true, Last: failed}}})
	if s, err := d.GetState(); s != state.Error || err != nil {
		t.Errorf("GetState = %s, %v; want Error", s, err)
	}
	_, err := d.GetURL()
	if err == nil || !strings.Contains(err.Error(), vmnetRefused) || !errors.Is(err, drivers.ErrHostIsNotRunning) {
		t.Errorf("GetURL err = %v, want the reason and ErrHostIsNotRunning", err)
	}
}

// TestCreateFailsInDeviceSetup: vmnet refused after the pidfile existed
// (xhyve exit 1, its poweroff status too): Create fails at once with the
// hypervisor's reason, and the machine is Error, not Stopped.
func TestCreateFailsInDeviceSetup(t *testing.T) {
	for _, dialect := range []string{"xhyve", "hyperkit"} {
		t.Run(dialect, func(t *testing.T) {
			m := newMachine(t, fakehv.Behavior{Dialect: dialect, FailSetup: vmnetRefused}, nil)
			err := m.d.Create()
			if err == nil || !strings.Contains(err.Error(), "failed (exit status 1") || !strings.Contains(err.Error(), vmnetRefused) {
				t.Fatalf("Create err = %v, want the failure and the vmnet message", err)
			}
			if !strings.Contains(err.Error(), "console:") {
				t.Errorf("Create err = %v, want the console's tail", err)
			}
			m.assertState(state.Error)
		})
	}
}
