//go:build e2e

// Package e2e drives the real docker-machine CLI against the real plugin in
// the Linux sandbox (test/sandbox), where an xhyve stand-in boots a
// boot2docker-compatible guest under QEMU. Run it with `make e2e`.
package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/dhcp"
	"github.com/zchee/docker-machine-driver-xhyve/internal/uuidpool"
	"github.com/zchee/docker-machine-driver-xhyve/internal/wait"
	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

func TestMain(m *testing.M) {
	harness.Main(m, "e2e", "the suite in the sandbox (make e2e)")
}

// dm runs docker-machine and fails the test when it fails.
func dm(t *testing.T, args ...string) string {
	t.Helper()
	out, err := dmErr(t, args...)
	if err != nil {
		t.Fatalf("docker-machine %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func dmErr(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return harness.Run(t, 10*time.Minute, nil, "docker-machine", args...)
}

// ssh runs a command in the guest through `docker-machine ssh`.
func ssh(t *testing.T, machine, command string) string {
	t.Helper()
	return strings.TrimSpace(dm(t, "ssh", machine, command))
}

// docker runs the docker client against the machine, configured by
// `docker-machine env` as a user would.
func docker(t *testing.T, machine string, args ...string) string {
	t.Helper()
	out, err := harness.Run(t, 5*time.Minute, dockerEnv(t, nil, machine), "docker", args...)
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// status is the state `docker-machine status` prints. docker-machine prints
// the plugin's log lines too, prefixed "(MACHINE) ", in any order with the
// state (the warning that says why the last run failed, for one).
func status(t *testing.T, machine string) string {
	t.Helper()
	out, _ := dmErr(t, "status", machine)
	var state []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, "("+machine+") ") {
			state = append(state, strings.TrimSpace(l))
		}
	}
	return strings.Join(state, "\n")
}

func waitStatus(t *testing.T, machine, want string, timeout time.Duration) {
	t.Helper()
	var got string
	if err := wait.Until(timeout, 2*time.Second, machine+" to be "+want, func() (bool, error) {
		got = status(t, machine)
		return got == want, nil
	}); err != nil {
		t.Fatalf("%v: it is %q\nconsole:\n%s", err, got, harness.Tail(machineFile(machine, "console.log"), 3000))
	}
}

func machineDir(machine string) string {
	return filepath.Join(os.Getenv("MACHINE_STORAGE_PATH"), "machines", machine)
}

func machineFile(machine, name string) string {
	return filepath.Join(machineDir(machine), name)
}

// driverConfig reads the driver's saved settings from config.json.
func driverConfig(t *testing.T, machine string) map[string]interface{} {
	t.Helper()
	data, err := os.ReadFile(machineFile(machine, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var host struct {
		Driver map[string]interface{}
	}
	if err := json.Unmarshal(data, &host); err != nil {
		t.Fatal(err)
	}
	return host.Driver
}

// supervisorBoots reads how many times the machine's current supervisor
// started the hypervisor.
func supervisorBoots(t *testing.T, machine string) int {
	t.Helper()
	var st struct{ Boots int }
	data, err := os.ReadFile(machineFile(machine, "supervisor.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	return st.Boots
}

// leaseExpiry is when mac's latest lease in the lease file expires (zero
// without one): a lease the DHCP server renews or gives anew expires later.
func leaseExpiry(t *testing.T, mac string) time.Time {
	t.Helper()
	hw, err := net.ParseMAC(mac)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(harness.LeasesFile)
	if errors.Is(err, os.ErrNotExist) {
		return time.Time{}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	leases, err := dhcp.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	var latest time.Time
	for _, l := range leases {
		if bytes.Equal(l.HWAddress, hw) && l.Expiry.After(latest) {
			latest = l.Expiry
		}
	}
	return latest
}

// leaseCount counts the lease file's entries for mac.
func leaseCount(t *testing.T, mac string) int {
	t.Helper()
	hw, err := net.ParseMAC(mac)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(harness.LeasesFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	leases, err := dhcp.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range leases {
		if bytes.Equal(l.HWAddress, hw) {
			n++
		}
	}
	return n
}

// assertRemoved checks that rm left nothing: directory, processes, lease.
func assertRemoved(t *testing.T, machine, mac string) {
	t.Helper()
	if _, err := os.Stat(machineDir(machine)); !os.IsNotExist(err) {
		t.Errorf("machine directory still there: %v", err)
	}
	if p := harness.ProcessesMentioning(machineDir(machine)); len(p) != 0 {
		t.Errorf("processes of %s left: %q", machine, p)
	}
	if mac != "" {
		assertLeaseFreed(t, os.Getenv("MACHINE_STORAGE_PATH"), mac)
	}
}

// assertLeaseFreed checks that a removed machine's address is not lost: as
// root, rm removes its lease; the user cannot edit the lease file, so a
// lease left behind must be in the store's pool, for the next create to
// reuse with its address.
func assertLeaseFreed(t *testing.T, store, mac string) {
	t.Helper()
	n := leaseCount(t, mac)
	switch {
	case n == 0:
	case harness.AsRoot(t):
		t.Errorf("%d lease entries for %s left in %s", n, mac, harness.LeasesFile)
	case !pooled(t, store, mac):
		t.Errorf("rm left %s's lease in %s and did not pool its UUID in %s", mac, harness.LeasesFile, store)
	}
}

// pooled reports whether the store's UUID pool holds mac.
func pooled(t *testing.T, store, mac string) bool {
	t.Helper()
	entries, err := uuidpool.ForStore(store).Entries()
	if err != nil {
		t.Fatal(err)
	}
	want, err := net.ParseMAC(mac)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if hw, err := net.ParseMAC(e.MAC); err == nil && bytes.Equal(hw, want) {
			return true
		}
	}
	return false
}

// osVersion reads VERSION from the guest's /etc/os-release.
func osVersion(t *testing.T, machine string) string {
	t.Helper()
	for _, line := range strings.Split(ssh(t, machine, "cat /etc/os-release"), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "VERSION="); ok {
			return strings.Trim(v, `"`)
		}
	}
	t.Fatal("no VERSION in /etc/os-release")
	return ""
}

// isoVersion reads the version docker-machine itself reads: the ISO's
// volume id ("b2d-v1.2.3").
func isoVersion(t *testing.T, iso string) string {
	t.Helper()
	id := harness.VolumeID(t, iso)
	_, v, ok := strings.Cut(id, "-v")
	if !ok {
		t.Fatalf("volume id %q has no version", id)
	}
	return v
}

// rebootGuest runs `sudo reboot` in the guest and waits for the supervisor
// to boot it again and for SSH to answer.
func rebootGuest(t *testing.T, machine string) {
	t.Helper()
	before := supervisorBoots(t, machine)
	dmErr(t, "ssh", machine, "sudo reboot") // the session dies with the guest
	if err := wait.Until(4*time.Minute, time.Second, "a new boot after the guest rebooted", func() (bool, error) {
		return supervisorBoots(t, machine) > before, nil
	}); err != nil {
		t.Fatalf("%v\nconsole:\n%s", err, harness.Tail(machineFile(machine, "console.log"), 3000))
	}
	waitStatus(t, machine, "Running", time.Minute)
	if err := wait.Until(3*time.Minute, 3*time.Second, "SSH after the reboot", func() (bool, error) {
		_, err := dmErr(t, "ssh", machine, "true")
		return err == nil, wait.Transient(err)
	}); err != nil {
		t.Fatal(err)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
