//go:build e2e

package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/wait"
	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

var vmnet = &net.IPNet{IP: net.IPv4(192, 168, 64, 0), Mask: net.CIDRMask(24, 32)}

func machineIP(t *testing.T, machine string) string {
	t.Helper()
	ip := strings.TrimSpace(dm(t, "ip", machine))
	if parsed := net.ParseIP(ip); parsed == nil || !vmnet.Contains(parsed) {
		t.Fatalf("ip of %s is %q, want an address in %s", machine, ip, vmnet)
	}
	return ip
}

// TestLifecycle walks one machine with default flags through everything a
// user does, with a second machine (4 GB, 2 CPUs, ISO from a file path)
// running beside it.
func TestLifecycle(t *testing.T) {
	const name = "dev"
	out := dm(t, "create", "-d", "xhyve", name)
	if !strings.Contains(out, "Docker is up and running") {
		t.Fatalf("create did not finish provisioning:\n%s", out)
	}
	cfg := driverConfig(t, name)
	mac, _ := cfg["MACAddress"].(string)
	ip := machineIP(t, name)

	t.Run("ls shows Running with the URL", func(t *testing.T) {
		ls := dm(t, "ls", "--format", "{{.Name}} {{.State}} {{.URL}} {{.DriverName}}")
		want := fmt.Sprintf("%s Running tcp://%s:2376 xhyve", name, ip)
		if !strings.Contains(ls, want) {
			t.Errorf("ls printed %q, want a line %q", ls, want)
		}
		if got := status(t, name); got != "Running" {
			t.Errorf("status %q", got)
		}
		if u := strings.TrimSpace(dm(t, "url", name)); u != "tcp://"+ip+":2376" {
			t.Errorf("url %q", u)
		}
	})

	t.Run("docker over TLS", func(t *testing.T) {
		v := docker(t, name, "version", "--format", "{{.Server.Version}}")
		if strings.TrimSpace(v) == "" {
			t.Error("no server version")
		}
		docker(t, name, "import", harness.GuestFile("image.tar"), "e2e/busybox")
		got := docker(t, name, "run", "--rm", "e2e/busybox", "sh", "-c", "echo hello from $(uname -n)")
		if !strings.Contains(got, "hello from") {
			t.Errorf("docker run printed %q", got)
		}
	})

	t.Run("ssh", func(t *testing.T) {
		if who := ssh(t, name, "whoami"); who != "docker" {
			t.Errorf("whoami = %q", who)
		}
		ssh(t, name, "echo kept-across-boots | sudo tee /var/lib/boot2docker/e2e-marker")
	})

	t.Run("second machine beside it", func(t *testing.T) {
		const big = "big"
		dm(t, "create", "-d", "xhyve", "--xhyve-memory-size", "4096", "--xhyve-cpu-count", "2",
			"--xhyve-boot2docker-url", harness.GuestFile("boot2docker.iso"), big)
		bigIP := machineIP(t, big)
		if bigIP == ip {
			t.Errorf("both machines have %s", ip)
		}
		if got := status(t, name); got != "Running" {
			t.Errorf("%s is %s while %s runs", name, got, big)
		}
		memKB, _ := strconv.Atoi(strings.Fields(ssh(t, big, "grep MemTotal /proc/meminfo"))[1])
		if memKB < 3500*1024 {
			t.Errorf("guest has %d kB, want about 4 GB (--xhyve-memory-size 4096)", memKB)
		}
		if n := ssh(t, big, "nproc"); n != "2" {
			t.Errorf("nproc = %s, want 2", n)
		}
		bigMAC, _ := driverConfig(t, big)["MACAddress"].(string)
		dm(t, "rm", "-y", big)
		assertRemoved(t, big, bigMAC)
		if got := status(t, name); got != "Running" {
			t.Errorf("%s is %s after removing %s", name, got, big)
		}
	})

	t.Run("stop and start keep IP and disk", func(t *testing.T) {
		dm(t, "stop", name)
		if got := status(t, name); got != "Stopped" {
			t.Errorf("status after stop: %q", got)
		}
		ls := dm(t, "ls", "--format", "{{.Name}} {{.State}}")
		if !strings.Contains(ls, name+" Stopped") {
			t.Errorf("ls after stop: %q", ls)
		}
		// A hypervisor that fails after its pidfile (here vmnet refuses,
		// as for a hypervisor without root) is an error with its reason,
		// not a guest that powered off.
		out, err := harness.Run(t, 5*time.Minute, []string{"XHYVE_STANDIN_VMNET=refuse"}, "docker-machine", "start", name)
		if err == nil {
			t.Errorf("start with vmnet refused succeeded:\n%s", out)
		}
		if !strings.Contains(out, "vmnet") {
			t.Errorf("the refused start does not give the hypervisor's reason:\n%s", out)
		}
		out, _ = dmErr(t, "status", name)
		if got := status(t, name); got != "Error" || !strings.Contains(out, "vmnet") {
			t.Errorf("status after a start vmnet refused: %q, want Error and the reason:\n%s", got, out)
		}
		dm(t, "start", name)
		if got := machineIP(t, name); got != ip {
			t.Errorf("IP changed from %s to %s", ip, got)
		}
		if got := ssh(t, name, "cat /var/lib/boot2docker/e2e-marker"); got != "kept-across-boots" {
			t.Errorf("marker after stop/start: %q", got)
		}
		docker(t, name, "version")
	})

	t.Run("restart", func(t *testing.T) {
		dm(t, "restart", name)
		waitStatus(t, name, "Running", time.Minute)
		ssh(t, name, "true")
	})

	t.Run("guest reboot comes back", func(t *testing.T) {
		rebootGuest(t, name)
		if got := ssh(t, name, "cat /var/lib/boot2docker/e2e-marker"); got != "kept-across-boots" {
			t.Errorf("marker after reboot: %q", got)
		}
	})

	t.Run("kill", func(t *testing.T) {
		dm(t, "kill", name)
		if got := status(t, name); got != "Stopped" {
			t.Errorf("status after kill: %q", got)
		}
		assertNoVM(t, name)
		dm(t, "start", name)
		waitStatus(t, name, "Running", time.Minute)
	})

	t.Run("hypervisor killed with -9", func(t *testing.T) {
		data, err := os.ReadFile(machineFile(name, "hypervisor.pid"))
		if err != nil {
			t.Fatal(err)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, name, "Stopped", 30*time.Second)
		dm(t, "start", name)
		if got := ssh(t, name, "cat /var/lib/boot2docker/e2e-marker"); got != "kept-across-boots" {
			t.Errorf("marker after kill -9: %q", got)
		}
	})

	t.Run("the console has every boot", func(t *testing.T) { assertConsoleBoots(t, name) })

	t.Run("rm", func(t *testing.T) {
		if n := leaseCount(t, mac); n == 0 {
			t.Fatalf("no lease for %s before rm", mac)
		}
		dm(t, "rm", "-y", name)
		assertRemoved(t, name, mac)
		// The sandbox starts without /etc/exports, like a fresh Mac.
		if _, err := os.Stat(harness.ExportsFile); !os.IsNotExist(err) {
			t.Errorf("machines without shares touched %s: %v", harness.ExportsFile, err)
		}
	})
}

// TestLegacyISOFromHTTPThenSwapped boots the old ISO layout downloaded over
// HTTP with the hyperkit dialect, swaps the machine's ISO for the new layout
// by hand while it is stopped, then upgrades it (to its URL's ISO again):
// each next boot must run the ISO it was given. The rest of the lifecycle
// then runs with the hyperkit dialect too.
func TestLegacyISOFromHTTPThenSwapped(t *testing.T) {
	const name = "legacy"
	srv := httptest.NewServer(http.FileServer(http.Dir(os.Getenv("XHYVE_E2E_GUEST"))))
	defer srv.Close()
	dm(t, "create", "-d", "xhyve", "--xhyve-hypervisor", "hyperkit",
		"--xhyve-boot2docker-url", srv.URL+"/boot2docker-legacy.iso", name)
	if d := driverConfig(t, name)["HypervisorDialect"]; d != "hyperkit" {
		t.Errorf("dialect %v, want hyperkit", d)
	}
	if got, want := osVersion(t, name), isoVersion(t, harness.GuestFile("boot2docker-legacy.iso")); got != want {
		t.Errorf("guest runs %q, want the legacy ISO's %q", got, want)
	}
	dm(t, "stop", name)
	iso := machineFile(name, "boot2docker.iso")
	copyFile(t, harness.GuestFile("boot2docker.iso"), iso)
	dm(t, "start", name)
	if got, want := osVersion(t, name), isoVersion(t, iso); got != want {
		t.Errorf("after swapping the ISO the guest runs %q, want %q", got, want)
	}
	// upgrade: for a machine created from a URL, docker-machine downloads
	// that URL again, into the store's cache (which it overwrites: kept
	// aside and put back for the other tests), and the machine boots it.
	cache := filepath.Join(os.Getenv("MACHINE_STORAGE_PATH"), "cache", "boot2docker.iso")
	saved := filepath.Join(t.TempDir(), "boot2docker.iso")
	copyFile(t, cache, saved)
	defer copyFile(t, saved, cache)
	dm(t, "upgrade", name)
	if got, want := osVersion(t, name), isoVersion(t, harness.GuestFile("boot2docker-legacy.iso")); got != want {
		t.Errorf("after upgrade the guest runs %q, want its URL's %q", got, want)
	}
	// The rest of the lifecycle with the hyperkit dialect.
	docker(t, name, "version")
	dm(t, "restart", name)
	waitStatus(t, name, "Running", time.Minute)
	ssh(t, name, "true")
	dm(t, "kill", name)
	if got := status(t, name); got != "Stopped" {
		t.Errorf("status after kill: %q", got)
	}
	assertNoVM(t, name)
	dm(t, "start", name)
	assertConsoleBoots(t, name)

	// A guest that powers off while it boots (its ISO's kernel command
	// line runs poweroff as init): start fails, and its error carries the
	// console's last lines, the kernel's included.
	dm(t, "stop", name)
	copyFile(t, isoWithAppend(t, harness.GuestFile("boot2docker.iso"), "console=ttyS0 rdinit=/bin/busybox -- poweroff -f"), iso)
	out, err := dmErr(t, "start", name)
	if err == nil {
		t.Errorf("start of a guest that powers off while booting succeeded:\n%s", out)
	}
	if !strings.Contains(out, "reboot: Power down") {
		t.Errorf("the error of a boot that failed does not carry the console's last lines:\n%s", out)
	}
	mac, _ := driverConfig(t, name)["MACAddress"].(string)
	dm(t, "rm", "-y", name)
	assertRemoved(t, name, mac)
}

// isoWithAppend is a copy of the ISO src whose isolinux.cfg gives the kernel
// the command line appendLine instead of its own.
func isoWithAppend(t *testing.T, src, appendLine string) string {
	t.Helper()
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	if out, err := exec.Command("xorriso", "-osirrox", "on", "-indev", src, "-extract", "/", tree).CombinedOutput(); err != nil {
		t.Fatalf("extract %s: %v\n%s", src, err, out)
	}
	cfg := filepath.Join(tree, "isolinux", "isolinux.cfg")
	if err := os.Chmod(cfg, 0o644); err != nil { // extracted read-only
		t.Fatal(err)
	}
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "append ") {
			l = "  append " + appendLine
		}
		lines = append(lines, l)
	}
	if err := os.WriteFile(cfg, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	iso := filepath.Join(dir, "append.iso")
	volid := "b2d-v" + isoVersion(t, src)
	if out, err := exec.Command("xorriso", "-as", "mkisofs", "-quiet", "-R", "-V", volid, "-o", iso, tree).CombinedOutput(); err != nil {
		t.Fatalf("make %s: %v\n%s", iso, err, out)
	}
	return iso
}

// assertNoVM checks that no process of the machine's VM is left: neither the
// hypervisor nor what it runs (here QEMU, root's, started for the user).
func assertNoVM(t *testing.T, machine string) {
	t.Helper()
	disk := machineFile(machine, "disk.img")
	var left []string
	if err := wait.Until(10*time.Second, 200*time.Millisecond, "the VM's processes to end", func() (bool, error) {
		left = harness.ProcessesMentioning(disk)
		return len(left) == 0, nil
	}); err != nil {
		t.Errorf("%v: processes of %s's VM left: %q", err, machine, left)
	}
}

// bootStart is the line the supervisor opens each boot's section of
// console.log with.
var bootStart = regexp.MustCompile(`\n=== boot [0-9]+: hypervisor pid `)

// assertConsoleBoots checks that console.log has the guest's boot banner for
// every boot the supervisors started: the console must work whoever owns the
// hypervisor (setuid root here, as on a Mac). Like boot2docker, the guest
// boots with loglevel=3, so its kernel prints only errors on the serial
// console; its init announces each boot there with the kernel's version. A
// boot that failed in device setup (the supervisor closes each boot's
// section with how it ended) never ran the guest.
func assertConsoleBoots(t *testing.T, machine string) {
	t.Helper()
	data, err := os.ReadFile(machineFile(machine, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	boots := bootStart.Split(string(data), -1)[1:]
	if len(boots) == 0 {
		t.Fatalf("console.log of %s records no boot:\n%s", machine, harness.TailString(string(data), 2000))
	}
	failed := 0
	for i, b := range boots {
		if strings.Contains(b, " ended: failed ") {
			failed++
			continue
		}
		if !strings.Contains(b, "boot2docker: booting ") {
			first, _, _ := strings.Cut(b, "\n")
			t.Errorf("boot %d of %d (%s) has no boot banner in console.log:\n%s", i+1, len(boots), first, harness.TailString(b, 1500))
		}
	}
	t.Logf("console.log of %s: %d boots, %d failed in device setup, the others each with the guest's boot banner", machine, len(boots), failed)
}

// TestFailedCreateLeavesNothing: bad hypervisors fail the create before
// anything is made, and rm removes whatever the store kept.
func TestFailedCreateLeavesNothing(t *testing.T) {
	notHV := filepath.Join(harness.UserTempDir(t), "not-a-hypervisor")
	if err := os.WriteFile(notHV, []byte("#!/bin/sh\necho hello\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, hv := range []string{"/no/such/xhyve", notHV} {
		name := fmt.Sprintf("broken%d", i)
		out, err := dmErr(t, "create", "-d", "xhyve", "--xhyve-hypervisor", hv, name)
		if err == nil {
			t.Fatalf("create with --xhyve-hypervisor %s succeeded", hv)
		}
		if !strings.Contains(out, "hypervisor") {
			t.Errorf("create error does not name the problem:\n%s", out)
		}
		if _, err := os.Stat(machineDir(name)); err == nil {
			dm(t, "rm", "-y", name)
		}
		assertRemoved(t, name, "")
		if _, err := os.Stat(filepath.Join(machineDir(name), "disk.img")); err == nil {
			t.Error("a disk was created")
		}
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	if out, err := exec.Command("cp", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	harness.GiveToUser(t, dst)
}
