//go:build selftest

package selftest

// The selftests' view of the network: the stand-in's MACs, the lease file
// bootpd (dnsmasq here) keeps, the taps and QEMUs that a VM leaves.

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// standinMAC is what `xhyve -M` prints for uuid (docs/facts.md §3).
func standinMAC(t *testing.T, prog, uuid string) string {
	t.Helper()
	out, err := exec.Command(prog, "-M", "-U", uuid, "-s", "2:0,virtio-net", "-f", "kexec,/dev/null,,").CombinedOutput()
	mac, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "MAC: ")
	if err != nil || !ok {
		t.Fatalf("%s -M: %q, %v", prog, out, err)
	}
	return mac
}

// bootpdMAC writes a MAC as /var/db/dhcpd_leases does: octets without
// zero padding (docs/facts.md §4).
func bootpdMAC(t *testing.T, mac string) string {
	t.Helper()
	hw, err := net.ParseMAC(mac)
	if err != nil {
		t.Fatal(err)
	}
	parts := make([]string, len(hw))
	for i, b := range hw {
		parts[i] = fmt.Sprintf("%x", b)
	}
	return strings.Join(parts, ":")
}

// leaseEntries reads /var/db/dhcpd_leases as bootpd writes it: brace
// blocks of key=value lines (docs/facts.md §4), newest first. Each entry
// also keeps its whole text under "text".
func leaseEntries(t *testing.T) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(harness.LeasesFile)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, block := range strings.SplitAfter(string(data), "}\n") {
		text := strings.TrimLeft(block, "\n")
		if !strings.HasPrefix(text, "{\n") || !strings.HasSuffix(text, "}\n") {
			continue
		}
		e := map[string]string{"text": text}
		for _, line := range strings.Split(text[2:len(text)-2], "\n") {
			if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
				e[k] = v
			}
		}
		out = append(out, e)
	}
	return out
}

// leaseOf returns the first (newest) lease entry of a MAC, nil if none.
func leaseOf(t *testing.T, mac string) map[string]string {
	t.Helper()
	hw := "1," + bootpdMAC(t, mac)
	for _, e := range leaseEntries(t) {
		if e["hw_address"] == hw {
			return e
		}
	}
	return nil
}

// waitLease waits for a lease of mac, optionally for a given address.
func waitLease(t *testing.T, mac, ip string, timeout time.Duration) map[string]string {
	t.Helper()
	var e map[string]string
	if !waitFor(timeout, func() bool { e = leaseOf(t, mac); return e != nil && (ip == "" || e["ip_address"] == ip) }) {
		t.Fatalf("no lease for %s (%q) after %s:\n%s", mac, ip, timeout, harness.Tail(harness.LeasesFile, 2000))
	}
	return e
}

// taps lists the stand-in's tap interfaces ("xh-..."), with the bridge each
// is a port of ("" when none). From `ip`: the sandbox's /sys belongs to the
// host's network namespace.
func taps() map[string]string {
	out := map[string]string{}
	b, _ := exec.Command("ip", "-o", "link", "show").Output()
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || !strings.HasPrefix(f[1], "xh-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
		out[name] = ""
		for i := 2; i+1 < len(f); i++ {
			if f[i] == "master" {
				out[name] = f[i+1]
			}
		}
	}
	return out
}

// qemuOf lists the QEMU processes of the VM with this UUID.
func qemuOf(uuid string) []string {
	var out []string
	for _, p := range harness.ProcessesMentioning(uuid) {
		if strings.Contains(p, "qemu-system") {
			out = append(out, p)
		}
	}
	return out
}

// anyQEMU lists every QEMU process in the sandbox.
func anyQEMU() []string { return harness.ProcessesMentioning("qemu-system") }

// pingable sends one ICMP echo (busybox ping, from the sandbox's packages).
func pingable(ip string) bool {
	return exec.Command("busybox", "ping", "-q", "-c1", "-W5", ip).Run() == nil
}
