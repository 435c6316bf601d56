//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
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
	for _, line := range strings.Split(string(data), "\n") {
		var kb float64
		if _, err := fmt.Sscanf(line, "VmRSS: %f kB", &kb); err == nil {
			rss = kb / 1024
		}
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
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		// stat: pid (comm) state ppid ...; comm may hold spaces.
		if i := bytes.LastIndexByte(stat, ')'); i > 0 {
			f := strings.Fields(string(stat[i+1:]))
			if len(f) > 1 && f[1] == strconv.Itoa(sup) && bytes.Contains(cmdline, []byte("serve-nfs")) {
				return pid
			}
		}
	}
	t.Fatalf("no serve-nfs child of supervisor %d", sup)
	return 0
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
			for _, line := range strings.Split(string(data), "\n") {
				var kb float64
				if _, err := fmt.Sscanf(line, "VmRSS: %f kB", &kb); err == nil && kb/1024 > peak {
					peak = kb / 1024
				}
			}
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
