//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// procStatus reads VmRSS (MB), Threads and the open descriptors' targets
// of pid.
func procStatus(t *testing.T, pid int) (rss float64, threads int, fds []string) {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	rss = statusMB(data, "VmRSS")
	for _, line := range strings.Split(string(data), "\n") {
		fmt.Sscanf(line, "Threads: %d", &threads)
	}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if target, err := os.Readlink(dir + "/" + e.Name()); err == nil {
			fds = append(fds, target)
		}
	}
	return rss, threads, fds
}

// nfsChildOf is the pid of the serve-nfs child of supervisor sup.
func nfsChildOf(t *testing.T, sup int) int {
	t.Helper()
	for _, p := range processes() {
		if p.ppid == sup && slices.Contains(p.argv, "serve-nfs") {
			return p.pid
		}
	}
	t.Fatalf("no serve-nfs child of supervisor %d", sup)
	return 0
}

// proc is one process of the sandbox, from /proc.
type proc struct {
	pid, ppid int
	argv      []string
}

func processes() []proc {
	var out []proc
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err1 := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		stat, err2 := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err1 != nil || err2 != nil || len(cmdline) == 0 {
			continue
		}
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 2 || fields[0] == "Z" {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		out = append(out, proc{pid: pid, ppid: ppid, argv: strings.Split(strings.TrimSuffix(string(cmdline), "\x00"), "\x00")})
	}
	return out
}

// fdsOf lists pid's open descriptors.
func fdsOf(pid int) []os.DirEntry {
	entries, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return entries
}

// watchRSS samples pid's RSS every 50 ms until the returned function is
// called, which returns the highest in MB.
func watchRSS(pid int) func() float64 {
	stop := make(chan struct{})
	done := make(chan float64)
	go func() {
		var peak float64
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
			peak = max(peak, statusMB(data, "VmRSS"))
			select {
			case <-stop:
				done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() float64 { close(stop); return <-done }
}

// statusMB is field (VmRSS, VmHWM, ...) of a /proc/PID/status in MB, or 0
// when it has none.
func statusMB(status []byte, field string) float64 {
	for _, line := range strings.Split(string(status), "\n") {
		var kb float64
		if _, err := fmt.Sscanf(line, field+": %f kB", &kb); err == nil {
			return kb / 1024
		}
	}
	return 0
}
