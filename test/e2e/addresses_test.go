//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// TestAddressesAreReused: as on a Mac, the user cannot edit vmnet's lease
// file, so a removed machine's lease stays. Its UUID (which fixes its MAC,
// and so its address) goes to the store's pool and a later create reuses it.
// Twenty machines created and removed as the user, at most two alive at
// once, must take at most three addresses that were not leased before.
// Without the pool they would take twenty.
func TestAddressesAreReused(t *testing.T) {
	const total, alive = 20, 2
	dnsmasqLeases := filepath.Join(os.Getenv("XHYVE_SANDBOX_STATE"), "dnsmasq.leases")
	before := leasedAddresses(t, dnsmasqLeases)
	var up []string
	start := time.Now()
	for i := 0; i < total; i++ {
		if len(up) == alive {
			dm(t, "rm", "-y", up[0])
			up = up[1:]
		}
		name := fmt.Sprintf("addr%d", i)
		createUnprovisioned(t, name)
		up = append(up, name)
	}
	for _, name := range up {
		dm(t, "rm", "-y", name)
	}
	var added []string
	for ip := range leasedAddresses(t, dnsmasqLeases) {
		if !before[ip] {
			added = append(added, ip)
		}
	}
	t.Logf("%d machines (at most %d at once) created and removed in %.0fs took %d new addresses: %v",
		total, alive, time.Since(start).Seconds(), len(added), added)
	if len(added) > alive+1 {
		t.Errorf("%d machines, at most %d alive at once, took %d new addresses (want at most %d): removed machines' addresses are not reused",
			total, alive, len(added), alive+1)
	}
}

// createUnprovisioned runs `docker-machine create -d xhyve name` until the
// machine is saved and running, then interrupts it as a user's Ctrl-C would
// (SIGINT to its process group), before provisioning: the address is leased
// at the first boot, and provisioning would add a minute per machine.
func createUnprovisioned(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := harness.Command(t, ctx, "docker-machine", "create", "-d", "xhyve", name)
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// libmachine prints this once the driver's Create returned and the host
	// is saved.
	const saved = "Detecting operating system of created instance"
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), saved) {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	cmd.Wait()
	if !strings.Contains(out.String(), saved) {
		t.Fatalf("create %s never reached %q:\n%s", name, saved, out.String())
	}
	if got := status(t, name); got != "Running" {
		t.Fatalf("%s is %q after its create was interrupted before provisioning:\n%s", name, got, out.String())
	}
}
