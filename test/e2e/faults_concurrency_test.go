//go:build e2e && faults

package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// faultConcurrentShares: five creates with NFS shares at once, from an ISO
// no machine has booted (so all five fill the boot-file cache at once),
// then five removes at once. Every machine gets its own address and
// exactly its own export; the user's lines in /etc/exports stay byte for
// byte.
func faultConcurrentShares(t *testing.T, l *ledger) {
	base := t.TempDir()
	userDir := filepath.Join(base, "user")
	if err := os.Mkdir(userDir, 0o755); err != nil {
		t.Fatal(err)
	}
	userLines := "# the user's own exports\n" + userDir + " -ro 10.9.8.7\n"
	harness.WriteFile(t, harness.ExportsFile, userLines)
	defer os.Remove(harness.ExportsFile)

	names := []string{"cc1", "cc2", "cc3", "cc4", "cc5"}
	shares := map[string]string{}
	for _, n := range names {
		shares[n] = filepath.Join(base, n)
		if err := os.Mkdir(shares[n], 0o755); err != nil {
			t.Fatal(err)
		}
		harness.WriteFile(t, filepath.Join(shares[n], "whose.txt"), n+"\n")
	}
	iso := freshISO(t)
	parallel(t, names, func(n string) (string, error) {
		return dmErr(t, "create", "-d", "xhyve", "--xhyve-boot2docker-url", iso, "--xhyve-memory-size", "768", "--xhyve-nfs-server", "macos", "--xhyve-nfs-share", shares[n], n)
	})
	l.fault()

	ips := map[string]string{}
	macs := map[string]string{}
	for _, n := range names {
		ip := machineIP(t, n)
		if other, dup := ips[ip]; dup {
			l.lose(t, n, fmt.Sprintf("got %s's address %s", other, ip))
		}
		ips[ip] = n
		macs[n], _ = driverConfig(t, n)["MACAddress"].(string)
		if got := ssh(t, n, "cat /nfsshares"+shares[n]+"/whose.txt"); got != n {
			l.lose(t, n, fmt.Sprintf("reads %q from its share", got))
		}
	}
	exports := harness.ReadFile(t, harness.ExportsFile)
	rest := exports
	for ip, n := range ips {
		begin := "# BEGIN: docker-machine-driver-xhyve " + machineDir(n) + " "
		if c := strings.Count(exports, begin); c != 1 {
			l.lose(t, n, fmt.Sprintf("%d export blocks, want 1:\n%s", c, exports))
			continue
		}
		i := strings.Index(rest, begin)
		j := strings.Index(rest[i:], "# END: ")
		k := strings.IndexByte(rest[i+j:], '\n')
		block := rest[i : i+j+k+1]
		if !strings.Contains(block, " "+ip+"\n") || !strings.Contains(block, shares[n]) {
			l.lose(t, n, "its export block names another address or path:\n"+block)
		}
		rest = rest[:i] + rest[i+j+k+1:]
	}
	if rest != userLines {
		t.Errorf("/etc/exports without the machines' blocks is %q, want the user's %q", rest, userLines)
	}

	parallel(t, names, func(n string) (string, error) { return dmErr(t, "rm", "-y", n) })
	l.fault()
	if got := harness.ReadFile(t, harness.ExportsFile); got != userLines {
		t.Errorf("/etc/exports after the removes is %q, want the user's lines %q byte for byte", got, userLines)
	}
	for _, n := range names {
		assertRemoved(t, n, macs[n])
	}
}

// parallel runs fn for every name at once and fails the test with the
// output of each that failed.
func parallel(t *testing.T, names []string, fn func(string) (string, error)) {
	t.Helper()
	var wg sync.WaitGroup
	outs := make([]string, len(names))
	errs := make([]error, len(names))
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = fn(n)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v\n%s", names[i], err, outs[i])
		}
	}
}

// faultLoops: start, stop, status and kill loop concurrently on one machine
// for a minute. At no moment may two hypervisors run its disk, and at the
// end its status must match its processes, and it must start and answer.
func faultLoops(t *testing.T, l *ledger) {
	const name = "loopy"
	dm(t, "create", "-d", "xhyve", name)
	mac, _ := driverConfig(t, name)["MACAddress"].(string)
	disk := machineFile(name, "disk.img")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var (
		wg         sync.WaitGroup
		mu         sync.Mutex
		ops        = map[string]int{}
		failures   = map[string]int{}
		worst      int
		worstPIDs  []int
		violations int
	)
	loop := func(cmd string, pause time.Duration) {
		defer wg.Done()
		for ctx.Err() == nil {
			c := harness.Command(t, nil, "docker-machine", cmd, name)
			out, err := c.CombinedOutput()
			mu.Lock()
			ops[cmd]++
			if err != nil {
				failures[cmd]++
				t.Logf("%s (concurrent): %v: %s", cmd, err, strings.TrimSpace(string(out)))
			}
			mu.Unlock()
			time.Sleep(pause)
		}
	}
	for cmd, pause := range map[string]time.Duration{"start": 0, "stop": 2 * time.Second, "status": 200 * time.Millisecond, "kill": 7 * time.Second} {
		wg.Add(1)
		go loop(cmd, pause)
	}
	wg.Add(1)
	go func() { // the monitor
		defer wg.Done()
		for ctx.Err() == nil {
			if pids := hypervisorsOn(disk); len(pids) > 1 {
				mu.Lock()
				violations++
				if len(pids) > worst {
					worst, worstPIDs = len(pids), pids
				}
				mu.Unlock()
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	wg.Wait()
	l.mu.Lock()
	l.faults += ops["kill"] + ops["start"] + ops["stop"]
	l.mu.Unlock()
	t.Logf("a minute of concurrent commands: %v (failed: %v)", ops, failures)
	if violations > 0 {
		l.lose(t, name, fmt.Sprintf("two hypervisors ran its disk at once (%d samples; at worst %v)", violations, worstPIDs))
	}

	// Settled: status and processes agree.
	time.Sleep(2 * time.Second)
	got, running := status(t, name), len(hypervisorsOn(disk))
	if !(got == "Running" && running == 1 || got == "Stopped" && running == 0) {
		l.lose(t, name, fmt.Sprintf("status %q with %d hypervisors", got, running))
	}
	if out, err := dmErr(t, "start", name); err != nil && !strings.Contains(out, "already running") {
		l.lose(t, name, fmt.Sprintf("start after the loops: %v: %s", err, out))
	}
	if got := status(t, name); got != "Running" {
		l.lose(t, name, "after the loops start left it "+got)
	}
	ssh(t, name, "true")
	dm(t, "rm", "-y", name)
	assertRemoved(t, name, mac)
}

// freshISO is the guest's ISO with 2 KiB of random bytes after its end,
// which ISO readers ignore: the same boot files under a sha256 that no
// boot-file cache entry has.
func freshISO(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(harness.GuestFile("boot2docker.iso"))
	if err != nil {
		t.Fatal(err)
	}
	tail := make([]byte, 2048)
	rand.Read(tail)
	iso := filepath.Join(t.TempDir(), "fresh.iso")
	if err := os.WriteFile(iso, append(data, tail...), 0o644); err != nil {
		t.Fatal(err)
	}
	return iso
}
