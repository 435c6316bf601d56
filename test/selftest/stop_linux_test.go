//go:build selftest

package selftest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// TestSelftestStalePidfile: an existing pidfile makes the start fail with
// status 1 (O_EXCL), "Failed to set up pidfile" and "pidfile error -1" on
// stderr in both dialects, and is left alone. The pidfile is set up after
// the VM is created and before the devices (docs/facts.md §3): no device
// was set up, so no console pty (no COM1 line, which the exit would have
// written out of stdout's buffer) and no QEMU.
func TestSelftestStalePidfile(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.prog, func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "pid")
			harness.WriteFile(t, pidfile, "99999\n")
			v := startHV(t, d.prog, tinyBootArgs(t, uuid.NewString(), pidfile, "autopty", guestCmdline)...)
			const want = "Failed to set up pidfile\npidfile error -1\n"
			if code := v.mustExit(30 * time.Second); code != 1 || v.stderr.String() != want {
				t.Errorf("stale pidfile: status %d, stderr %q; want 1 and %q", code, v.stderr.String(), want)
			}
			if got := v.stdout.String(); got != "" {
				t.Errorf("stale pidfile: stdout %q, want nothing (the devices come after the pidfile)", got)
			}
			if got := harness.ReadFile(t, pidfile); got != "99999\n" {
				t.Errorf("the stale pidfile now holds %q", got)
			}
			if q := anyQEMU(); len(q) != 0 {
				t.Errorf("QEMU started: %q", q)
			}
		})
	}
}

// TestSelftestKilled: SIGKILL ends QEMU too and the tap goes, but the
// pidfile stays, as a killed xhyve leaves it; and what stdout still held
// in C stdio's buffer is lost: through a pipe the COM1 line never comes
// (docs/facts.md §3).
func TestSelftestKilled(t *testing.T) {
	u := uuid.NewString()
	mac := standinMAC(t, "xhyve", u)
	pidfile := filepath.Join(t.TempDir(), "pid")
	v := startHV(t, "xhyve", tinyBootArgs(t, u, pidfile, "autopty", guestCmdline)...)
	waitLease(t, mac, "", 90*time.Second)
	if len(qemuOf(u)) == 0 {
		t.Fatal("no QEMU for the running VM")
	}
	if got := v.stdout.String(); got != "" {
		t.Errorf("stdout is a pipe, yet %q arrived while the VM runs", got)
	}
	start := time.Now()
	v.cmd.Process.Kill()
	v.mustExit(10 * time.Second)
	if !waitFor(5*time.Second, func() bool { return len(qemuOf(u)) == 0 }) {
		t.Errorf("QEMU still there after SIGKILL: %q", qemuOf(u))
	}
	t.Logf("QEMU gone %.1fs after SIGKILL", time.Since(start).Seconds())
	if b, err := os.ReadFile(pidfile); err != nil || len(b) == 0 {
		t.Errorf("pidfile not left behind: %q, %v", b, err)
	}
	if !waitFor(5*time.Second, func() bool { return len(taps()) == 0 }) {
		t.Errorf("taps left: %v", taps())
	}
	if got := v.stdout.String(); got != "" {
		t.Errorf("stdout after SIGKILL: %q, want nothing (the buffer dies with the process)", got)
	}
}

// TestSelftestSIGTERMWithoutACPI: before the guest has enabled ACPI, and
// always without -A, SIGTERM kills the stand-in at once, by the signal
// (docs/facts.md §3).
func TestSelftestSIGTERMWithoutACPI(t *testing.T) {
	t.Run("before the guest enabled ACPI", func(t *testing.T) {
		pidfile := filepath.Join(t.TempDir(), "pid")
		v := startHV(t, "xhyve", tinyBootArgs(t, uuid.NewString(), pidfile, "autopty", guestCmdline)...)
		if !waitFor(30*time.Second, func() bool { _, err := os.Stat(pidfile); return err == nil }) {
			t.Fatal("no pidfile")
		}
		start := time.Now()
		v.cmd.Process.Signal(syscall.SIGTERM)
		if code := v.mustExit(10 * time.Second); code != 128+int(syscall.SIGTERM) {
			t.Errorf("early SIGTERM: status %d, want %d (killed by SIGTERM)", code, 128+int(syscall.SIGTERM))
		}
		t.Logf("killed %.2fs after SIGTERM", time.Since(start).Seconds())
		if b, err := os.ReadFile(pidfile); err != nil || len(b) == 0 {
			t.Errorf("pidfile not left behind (a killed xhyve leaves it): %v", err)
		}
		if !waitFor(5*time.Second, func() bool { return len(anyQEMU()) == 0 }) {
			t.Errorf("QEMU left: %q", anyQEMU())
		}
	})
	t.Run("no -A", func(t *testing.T) {
		var args []string
		for _, a := range tinyBootArgs(t, uuid.NewString(), "", "autopty", guestCmdline) {
			if a != "-A" {
				args = append(args, a)
			}
		}
		v := startHVWith(t, hvOpts{wiring: terminal}, "xhyve", args...)
		v.attachPTY(30 * time.Second)
		if !v.waitConsole(guestReady, 90*time.Second) {
			t.Fatal("the guest without ACPI is not ready")
		}
		v.cmd.Process.Signal(syscall.SIGTERM)
		if code := v.mustExit(10 * time.Second); code != 128+int(syscall.SIGTERM) {
			t.Errorf("no -A: SIGTERM gives status %d, want %d", code, 128+int(syscall.SIGTERM))
		}
	})
}

// TestSelftestTwoVMs: two VMs at once (one per dialect) get two taps and
// two addresses, and both power off. Their stdout is a pipe: nothing of it
// arrives while they run, and the exit writes out C stdio's buffer, with
// hyperkit's "linkname (null)" for plain autopty first (docs/facts.md §3).
func TestSelftestTwoVMs(t *testing.T) {
	kernel, initrd := tinyGuest(t)
	start := time.Now()
	var vms []*hv
	var macs []string
	for _, d := range dialects {
		u := uuid.NewString()
		macs = append(macs, standinMAC(t, d.prog, u))
		vms = append(vms, startHV(t, d.prog, "-A", "-U", u, "-c", "1", "-m", "256", "-s", "0:0,hostbridge", "-s", "31,lpc",
			"-l", "com1,autopty", "-s", "2:0,virtio-net", "-f", "kexec,"+kernel+","+initrd+","+guestCmdline))
	}
	ip1 := waitLease(t, macs[0], "", 90*time.Second)["ip_address"]
	ip2 := waitLease(t, macs[1], "", 90*time.Second)["ip_address"]
	t.Logf("leases %s and %s after %.1fs", ip1, ip2, time.Since(start).Seconds())
	if ip1 == ip2 {
		t.Errorf("both VMs got %s", ip1)
	}
	if tp := taps(); len(tp) != 2 {
		t.Errorf("taps %v, want 2", tp)
	}
	for i, d := range dialects {
		if got := vms[i].stdout.String(); got != "" {
			t.Errorf("%s: stdout is a pipe, yet %q arrived while the VM runs", d.prog, got)
		}
	}
	// The power button works once the guest has enabled ACPI, which it
	// has done long before it asks for a lease.
	for _, v := range vms {
		v.cmd.Process.Signal(syscall.SIGTERM)
	}
	atExit := map[string]*regexp.Regexp{
		"xhyve":    regexp.MustCompile(`^COM1 connected to /dev/pts/[0-9]+\n$`),
		"hyperkit": regexp.MustCompile(`^linkname \(null\)\nCOM1 connected to /dev/pts/[0-9]+\n$`),
	}
	for i, d := range dialects {
		if code := vms[i].mustExit(60 * time.Second); code != d.poweroff {
			t.Errorf("%s: status %d after SIGTERM, want %d", d.prog, code, d.poweroff)
		}
		if got := vms[i].stdout.String(); !atExit[d.prog].MatchString(got) {
			t.Errorf("%s: stdout after the exit %q, want it to match %s", d.prog, got, atExit[d.prog])
		}
	}
}

// TestSelftestDisks: virtio-blk, ahci-cd, ahci-hd and virtio-rnd reach the
// guest as vda, sr0, sda and a hw_random source.
func TestSelftestDisks(t *testing.T) {
	dir := t.TempDir()
	disk, ahci, iso := filepath.Join(dir, "disk.raw"), filepath.Join(dir, "ahci.raw"), filepath.Join(dir, "cd.iso")
	for p, size := range map[string]int64{disk: 64 << 20, ahci: 16 << 20} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(p, size); err != nil {
			t.Fatal(err)
		}
	}
	content := filepath.Join(dir, "cd")
	harness.WriteTree(t, content, map[string]string{"hello": "hello\n"})
	if out, err := exec.Command("xorriso", "-as", "mkisofs", "-quiet", "-V", "STANDIN-ISO", "-o", iso, content).CombinedOutput(); err != nil {
		t.Fatalf("xorriso: %v\n%s", err, out)
	}
	v := bootTiny(t, "xhyve", tinyBootArgs(t, uuid.NewString(), "", "autopty", guestCmdline,
		"-s", "3,ahci-cd,"+iso, "-s", "4,virtio-blk,"+disk, "-s", "5,ahci-hd,"+ahci, "-s", "6,virtio-rnd"))
	v.typeLine(`for d in /sys/block/*; do echo "blk ${d##*/} $(cat $d/size)"; done; cat /sys/class/misc/hw_random/rng_available; echo disks-$((40+2))`)
	if !v.waitConsole("disks-42", 30*time.Second) {
		t.Fatal("the guest did not list its disks")
	}
	got := v.console.String()
	for what, want := range map[string]string{
		"virtio-blk is vda (64M)":          "blk vda 131072",
		"ahci-cd is sr0":                   "blk sr0 ",
		"ahci-hd is sda (16M)":             "blk sda 32768",
		"virtio-rnd is a hw_random source": "virtio_rng",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("%s: no %q on the console", what, want)
		}
	}
	v.cmd.Process.Signal(syscall.SIGTERM)
	v.mustExit(60 * time.Second)
}

// TestSelftestDHCPPin: the recipe of sandbox.sh's header; a MAC pinned in
// dhcp-hosts (and SIGHUP to dnsmasq) gets that address at the VM's next
// boot, with one lease entry left for the MAC.
func TestSelftestDHCPPin(t *testing.T) {
	const pin = "192.168.64.200"
	state := os.Getenv("XHYVE_SANDBOX_STATE")
	hosts := filepath.Join(state, "dhcp-hosts")
	u := uuid.NewString()
	mac := standinMAC(t, "xhyve", u)
	args := tinyBootArgs(t, u, "", "autopty", guestCmdline)
	v := bootTiny(t, "xhyve", args)
	ip1 := waitLease(t, mac, "", 60*time.Second)["ip_address"]
	if ip1 == pin {
		t.Fatalf("first boot already has the pinned %s", pin)
	}
	before := harness.ReadFile(t, hosts)
	harness.WriteFile(t, hosts, before+mac+","+pin+"\n")
	t.Cleanup(func() { harness.WriteFile(t, hosts, before); harness.ReloadDHCP(t) })
	harness.ReloadDHCP(t)
	v.cmd.Process.Signal(syscall.SIGTERM)
	v.mustExit(60 * time.Second)

	start := time.Now()
	v = bootTiny(t, "xhyve", args)
	waitLease(t, mac, pin, 60*time.Second)
	t.Logf("first boot %s, second boot %s (pinned) after %.1fs", ip1, pin, time.Since(start).Seconds())
	n := 0
	for _, e := range leaseEntries(t) {
		if e["hw_address"] == "1,"+bootpdMAC(t, mac) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d entries for %s in %s, want 1", n, mac, harness.LeasesFile)
	}
	if !pingable(pin) {
		t.Errorf("the guest does not answer at %s", pin)
	}
	v.cmd.Process.Signal(syscall.SIGTERM)
	v.mustExit(60 * time.Second)
}
