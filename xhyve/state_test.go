package xhyve

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docker/machine/libmachine/state"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
	"github.com/zchee/docker-machine-driver-xhyve/internal/proc"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
)

// scriptedProcs is a machine's processes as a table says: a view, and
// what each signal does to it. Nothing is started.
type scriptedProcs struct {
	mu   sync.Mutex
	view supervisorctl.View
	// onSignal turns a signal into the next view (nil: it changes nothing).
	onSignal func(v supervisorctl.View, pid int, sig syscall.Signal) supervisorctl.View
	sent     []string
}

func (p *scriptedProcs) Inspect(supervisorctl.Layout, supervisorctl.Binaries) supervisorctl.View {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.view
}

func (p *scriptedProcs) Launch(string, string, string, []string) (int, error) {
	return 0, errors.New("the table tests launch nothing")
}

func (p *scriptedProcs) Signal(pid int, sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pid <= 0 {
		return nil
	}
	p.sent = append(p.sent, fmt.Sprintf("%s %d", sig, pid))
	if p.onSignal != nil {
		p.view = p.onSignal(p.view, pid, sig)
	}
	return nil
}

func (p *scriptedProcs) SignalGroup(pgid int, sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pgid > 0 {
		p.sent = append(p.sent, fmt.Sprintf("%s group %d", sig, pgid))
	}
	return nil
}

func (p *scriptedProcs) Running(int) bool           { return false }
func (p *scriptedProcs) Is(int, proc.Identity) bool { return false }

func (p *scriptedProcs) signals() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.sent...)
}

func scriptedDriver(t *testing.T, p *scriptedProcs) *Driver {
	t.Helper()
	store := t.TempDir()
	d := NewDriver("dev", store)
	d.env = testEnv(t, store)
	d.env.procs = p
	d.env.stopTimeout, d.env.killTimeout = 100*time.Millisecond, 100*time.Millisecond
	d.Hypervisor, d.HypervisorDialect = "/usr/local/bin/hyperkit", hypervisor.HyperKit
	if err := os.MkdirAll(d.path(""), 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}

// gone is what a signal that ends both processes leaves.
func gone(v supervisorctl.View, _ int, _ syscall.Signal) supervisorctl.View {
	v.SupervisorPID, v.HypervisorPID = 0, 0
	return v
}

func TestGetStateTable(t *testing.T) {
	crash := &supervisorctl.Exit{Outcome: hypervisor.Crash, Code: 3}
	poweroff := &supervisorctl.Exit{Outcome: hypervisor.PowerOff}
	for _, tt := range []struct {
		name string
		view supervisorctl.View
		want state.State
		err  string
	}{
		{"hypervisor up", supervisorctl.View{SupervisorPID: 10, HypervisorPID: 11}, state.Running, ""},
		{"orphaned hypervisor", supervisorctl.View{HypervisorPID: 11}, state.Running, ""},
		{"between two boots", supervisorctl.View{SupervisorPID: 10}, state.Starting, ""},
		{"crashed", supervisorctl.View{Status: supervisorctl.Status{Done: true, Last: crash}}, state.Error, ""},
		{"powered off", supervisorctl.View{Status: supervisorctl.Status{Done: true, Last: poweroff}}, state.Stopped, ""},
		{"never started", supervisorctl.View{}, state.Stopped, ""},
		{"damaged status", supervisorctl.View{HypervisorPID: 11, StatusErr: errors.New("decode supervisor.json: unexpected end")}, state.Error, "docker-machine kill dev"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := scriptedDriver(t, &scriptedProcs{view: tt.view})
			got, err := d.GetState()
			if got != tt.want || (tt.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.err) {
				t.Errorf("GetState = %s, %v; want %s, %q", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestStopKillTable(t *testing.T) {
	running := supervisorctl.View{SupervisorPID: 10, HypervisorPID: 11}
	for _, tt := range []struct {
		name     string
		op       func(*Driver) error
		view     supervisorctl.View
		onSignal func(supervisorctl.View, int, syscall.Signal) supervisorctl.View
		want     []string
	}{
		{"stop powers off through the supervisor", (*Driver).Stop, running, gone,
			[]string{"terminated 10"}},
		{"stop of an orphaned hypervisor signals it", (*Driver).Stop, supervisorctl.View{HypervisorPID: 11}, gone,
			[]string{"terminated 11"}},
		{"stop past its deadline kills, hypervisor first", (*Driver).Stop, running,
			func(v supervisorctl.View, pid int, sig syscall.Signal) supervisorctl.View {
				if sig == syscall.SIGKILL {
					return gone(v, pid, sig)
				}
				return v // the guest ignores the power button
			},
			[]string{"terminated 10", "killed 11", "killed group 10"}},
		{"kill: hypervisor first", (*Driver).Kill, running, gone,
			[]string{"killed 11", "killed group 10"}},
		{"kill between two boots", (*Driver).Kill, supervisorctl.View{SupervisorPID: 10}, gone,
			[]string{"killed 10", "killed group 10"}},
		{"kill of a stopped machine does nothing", (*Driver).Kill, supervisorctl.View{}, nil, nil},
		{"kill of survivors tries both again", (*Driver).Kill, running, nil,
			[]string{"killed 11", "killed 11", "killed 10"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := &scriptedProcs{view: tt.view, onSignal: tt.onSignal}
			d := scriptedDriver(t, p)
			err := tt.op(d)
			if got := p.signals(); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("signals %q, want %q (err %v)", got, tt.want, err)
			}
			survived := tt.onSignal == nil && tt.view.Alive()
			if survived != (err != nil) {
				t.Errorf("err %v; the processes survived: %v", err, survived)
			}
		})
	}
}

// TestKillClearsADamagedStatus: once nothing runs, a status file that
// could not be read is removed, so the next GetState is honest again.
func TestKillClearsADamagedStatus(t *testing.T) {
	p := &scriptedProcs{view: supervisorctl.View{HypervisorPID: 11, StatusErr: errors.New("damaged")}, onSignal: func(v supervisorctl.View, pid int, sig syscall.Signal) supervisorctl.View {
		return supervisorctl.View{StatusErr: v.StatusErr}
	}}
	d := scriptedDriver(t, p)
	if err := os.WriteFile(d.layout().Status(), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := d.Kill(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d.layout().Status()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the damaged status file is still there: %v", err)
	}
}

// TestDamagedStateFiles: truncated vm.json or supervisor.json (a crash
// mid-write, a user's edit) never hide the running VM from stop, kill and
// rm; status says what is wrong and how to recover.
func TestDamagedStateFiles(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "hyperkit", PowerOffMS: 50}, nil)
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(m.d.layout().Spec(), []byte(`{"hypervisor": "/usr/lo`), 0o600); err != nil {
		t.Fatal(err)
	}
	m.assertState(state.Running)
	if err := m.d.Stop(); err != nil {
		t.Fatalf("Stop with a damaged %s: %v", "vm.json", err)
	}
	m.assertState(state.Stopped)
	if err := m.d.Start(); err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(m.d.layout().Status(), []byte(`{"pid": 4`), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := m.d.GetState()
	if s != state.Error || err == nil || !strings.Contains(err.Error(), "supervisor.json") || !strings.Contains(err.Error(), "docker-machine kill dev") {
		t.Errorf("GetState with a damaged %s: %s, %v; want Error naming the file and the fix", "supervisor.json", s, err)
	}
	if err := m.d.Kill(); err != nil {
		t.Fatalf("Kill with a damaged %s: %v", "supervisor.json", err)
	}
	if hv := m.hypervisors(); len(hv) != 0 {
		t.Errorf("hypervisors left after kill: %v", hv)
	}
	m.assertState(state.Stopped)
	if err := m.d.Start(); err != nil {
		t.Fatal(err)
	}
	m.assertState(state.Running)

	if err := os.WriteFile(m.d.layout().Status(), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := m.d.Remove(); err != nil {
		t.Fatalf("Remove with an empty %s: %v", "supervisor.json", err)
	}
	if hv := m.hypervisors(); len(hv) != 0 {
		t.Errorf("rm left hypervisors behind: %v", hv)
	}
}
