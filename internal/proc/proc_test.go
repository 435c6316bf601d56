package proc

import (
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestGetSelf(t *testing.T) {
	info, err := Get(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	id := Identity{Exes: []string{exe}, NotAfter: time.Now(), Args: []string{os.Args[0]}}
	if !id.Matches(info) {
		t.Errorf("own process %+v does not match %+v", info, id)
	}
	if time.Since(info.Start) > time.Hour || time.Since(info.Start) < 0 {
		t.Errorf("start time %v is implausible", info.Start)
	}
}

func TestIdentityRejects(t *testing.T) {
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	info := Info{Comm: "docker-machine-", Start: start, Args: []string{"/usr/local/bin/docker-machine-driver-xhyve", "supervise", "/m/vm.json"}}
	good := Identity{Exes: []string{"/usr/local/bin/docker-machine-driver-xhyve"}, NotAfter: start.Add(time.Minute), Args: []string{"supervise", "/m/vm.json"}}
	if !good.Matches(info) {
		t.Fatal("matching identity rejected")
	}
	tests := map[string]Identity{
		"other program":    {Exes: []string{"/usr/bin/sleep"}, NotAfter: good.NotAfter},
		"pid reused later": {Exes: good.Exes, NotAfter: start.Add(-time.Minute), Args: good.Args},
		"other machine":    {Exes: good.Exes, NotAfter: good.NotAfter, Args: []string{"supervise", "/other/vm.json"}},
	}
	for name, id := range tests {
		if id.Matches(info) {
			t.Errorf("%s: matched", name)
		}
	}
	viaLink := Info{Comm: "hyperkit", Start: start}
	link := Identity{Exes: []string{"/usr/local/bin/hyperkit", "/opt/xhyve/bin/xhyve"}, NotAfter: good.NotAfter}
	if !link.Matches(viaLink) {
		t.Error("a process started through a symlink must match by the link's name")
	}
	hidden := info
	hidden.Args = nil
	if !good.Matches(hidden) {
		t.Error("hidden arguments must fall back to name and start time")
	}
}

func TestGone(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if _, err := Get(cmd.Process.Pid); !errors.Is(err, ErrNotRunning) {
		t.Errorf("reaped process: err %v", err)
	}
	if _, err := Get(0); !errors.Is(err, ErrNotRunning) {
		t.Errorf("pid 0: err %v", err)
	}
}

func TestZombieIsGone(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := Get(cmd.Process.Pid); errors.Is(err, ErrNotRunning) {
			return // exited but not reaped: a zombie, reported as gone
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("zombie still reported as running")
}
