//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// TestClockSync: a VM frozen the way a Mac's sleep freezes it wakes up
// behind; with time sync its clock is back within a second of the host's
// within the interval plus a few seconds, over SSH and in a container;
// with --xhyve-time-sync 0 it keeps its lag.
func TestClockSync(t *testing.T) {
	const synced, unsynced = "clock", "noclock"
	const interval = 15
	dm(t, "create", "-d", "xhyve", "--xhyve-time-sync", strconv.Itoa(interval), synced)
	dm(t, "create", "-d", "xhyve", "--xhyve-time-sync", "0", unsynced)
	docker(t, synced, "import", harness.GuestFile("image.tar"), "e2e/busybox")
	for _, m := range []string{synced, unsynced} {
		if lo, hi := guestOffset(t, m); lo > 1 || hi < -1 {
			t.Fatalf("%s starts %d..%d s off the host", m, lo, hi)
		}
	}

	script, err := filepath.Abs("../sleep-vm.sh")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, m := range []string{synced, unsynced} {
		wg.Go(func() {
			if out, err := harness.Run(t, time.Minute, nil, script, m, "30"); err != nil {
				t.Errorf("sleep-vm.sh %s: %v\n%s", m, err, out)
			}
		})
	}
	wg.Wait()
	woke := time.Now()
	for _, m := range []string{synced, unsynced} {
		if lo, hi := guestOffset(t, m); hi > -25 || lo < -40 {
			t.Fatalf("after 30 s asleep %s is %d..%d s off, want about 30 s behind", m, lo, hi)
		}
	}

	deadline := woke.Add((interval + 10) * time.Second)
	for {
		lo, hi := guestOffset(t, synced)
		if lo >= -1 && hi <= 1 {
			t.Logf("%s back within a second %s after waking", synced, time.Since(woke).Round(time.Second))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is still %d..%d s off %s after waking\nsupervisor log:\n%s", synced, lo, hi, time.Since(woke).Round(time.Second), harness.Tail(machineFile(synced, "supervisor.log"), 2000))
		}
		time.Sleep(time.Second)
	}
	before := time.Now().Unix()
	out := docker(t, synced, "run", "--rm", "e2e/busybox", "date", "-u", "+%s")
	after := time.Now().Unix()
	if c, err := strconv.ParseInt(strings.TrimSpace(out), 10, 64); err != nil || c < before-1 || c > after+1 {
		t.Errorf("a container's date says %q, the host %d..%d", out, before, after)
	}
	if log := harness.ReadFile(t, machineFile(synced, "supervisor.log")); !strings.Contains(log, "behind the host; stepped it") {
		t.Errorf("the correction is not logged with its offset:\n%s", log)
	}
	if lo, hi := guestOffset(t, unsynced); hi > -25 {
		t.Errorf("with --xhyve-time-sync 0 the guest came back to %d..%d s off; its lag must stay", lo, hi)
	}
	idleCost(t, synced, interval)
	dm(t, "rm", "-y", synced)
	dm(t, "rm", "-y", unsynced)
}

// guestOffset reads `docker-machine ssh NAME date -u +%s` and returns the
// bounds, in whole seconds, of the guest's offset from the host.
func guestOffset(t *testing.T, machine string) (lo, hi int64) {
	t.Helper()
	t0 := time.Now()
	out := ssh(t, machine, "date -u +%s")
	t1 := time.Now()
	g, err := strconv.ParseInt(out, 10, 64)
	if err != nil {
		t.Fatalf("date in %s printed %q", machine, out)
	}
	return g - t1.Unix() - 1, g + 1 - t0.Unix()
}

// idleCost logs what keeping the clock costs the supervisor: SSH sessions
// an hour at the interval, and its CPU time over a minute, per hour.
func idleCost(t *testing.T, machine string, interval int) {
	t.Helper()
	sup, _ := statusPIDsOf(t, machine)
	cpu0 := cpuSeconds(t, sup)
	time.Sleep(time.Minute)
	cpu1 := cpuSeconds(t, sup)
	t.Logf("time sync cost at a %d s interval: %d SSH sessions/hour (at the default 60 s: 60/hour); supervisor CPU while idle: %.2f s/hour",
		interval, 3600/interval, (cpu1-cpu0)*60)
}

// cpuSeconds is a process's user plus system CPU time.
func cpuSeconds(t *testing.T, pid int) float64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100
}

// statusPIDsOf reads the supervisor's and hypervisor's pids.
func statusPIDsOf(t *testing.T, machine string) (sup, hv int) {
	t.Helper()
	var st struct {
		PID           int `json:"pid"`
		HypervisorPID int `json:"hypervisor_pid"`
	}
	if err := jsonFile(machineFile(machine, "supervisor.json"), &st); err != nil {
		t.Fatal(err)
	}
	return st.PID, st.HypervisorPID
}
