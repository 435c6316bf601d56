//go:build e2e && bench

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// window is what the supervisor held over one stretch of time, sampled
// every quarter second. A clock check holds an SSH connection for part of
// a second, so one sample may land inside a check: the descriptors'
// floor is what stays open between checks, and a leak raises it.
type window struct {
	rssMax          float64 // MB
	threadsMax      int
	fdFloor, fdPeak int
	checks          int // sockets opened: one per check
}

// sample watches pid until it has seen checks clock checks (0: for d),
// or for at most d.
func sample(t *testing.T, pid, checks int, d time.Duration) window {
	t.Helper()
	w := window{fdFloor: 1 << 30}
	end := time.Now().Add(d)
	var before map[string]bool // the last sample's sockets (inodes are reused)
	for ; time.Now().Before(end) && (checks == 0 || w.checks < checks); time.Sleep(250 * time.Millisecond) {
		rss, threads, fds := procStatus(t, pid)
		w.rssMax = max(w.rssMax, rss)
		w.threadsMax = max(w.threadsMax, threads)
		w.fdFloor = min(w.fdFloor, len(fds))
		w.fdPeak = max(w.fdPeak, len(fds))
		now := map[string]bool{}
		for _, target := range fds {
			if strings.HasPrefix(target, "socket:") {
				now[target] = true
				if !before[target] {
					w.checks++
				}
			}
		}
		before = now
	}
	if checks > 0 && w.checks < checks {
		t.Errorf("saw %d of %d clock checks in %s at a 1 s interval", w.checks, checks, d)
	}
	return w
}

func (w window) String() string {
	return fmt.Sprintf("%.1f MB, %d threads, %d descriptors (%d during a check)", w.rssMax, w.threadsMax, w.fdFloor, w.fdPeak)
}

// benchSupervisor: what the supervisor holds while the VM runs, and over
// an hour of time-sync checks, simulated with a 1 s interval: 20 checks to
// settle, then two runs of 30 compared. The descriptors between checks
// may not grow (nor exceed the idle supervisor's), nor the threads, and
// the memory by no more than 2 MB.
func benchSupervisor(t *testing.T, f *figures, name string) {
	sup, _ := statusPIDsOf(t, name)
	idle := sample(t, sup, 0, 5*time.Second)
	dm(t, "stop", name)
	cfg := harness.ReadFile(t, machineFile(name, "config.json"))
	harness.WriteFile(t, machineFile(name, "config.json"), strings.Replace(cfg, `"TimeSync": 60`, `"TimeSync": 1`, 1))
	dm(t, "start", name)
	sup, _ = statusPIDsOf(t, name)
	sample(t, sup, 20, time.Minute)
	first := sample(t, sup, 30, 2*time.Minute)
	second := sample(t, sup, 30, 2*time.Minute)
	f.add("supervisor", fmt.Sprintf("while the VM runs: %s; over an hour's clock checks (60 at a 1 s interval, after 20 to settle): the first 30, %s; the last 30, %s",
		idle, first, second),
		map[string]float64{"rss_mb": idle.rssMax, "threads": float64(idle.threadsMax), "fds": float64(idle.fdFloor),
			"rss_mb_after_hour": second.rssMax, "threads_after_hour": float64(second.threadsMax), "fds_after_hour": float64(second.fdFloor)})
	if second.fdFloor > first.fdFloor || second.fdFloor > idle.fdFloor || second.threadsMax > first.threadsMax+2 || second.rssMax > first.rssMax+2 {
		t.Errorf("the supervisor grew over the clock checks: %s, then %s", first, second)
	}
}
