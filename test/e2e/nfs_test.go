//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// TestMacOSNFSSharesAsRoot (macOS's nfsd through /etc/exports): host folders
// appear in the VM and in containers, files the guest writes belong to the
// user on the host, the shares survive stop/start,
// a guest reboot and an address change, one machine's rm leaves the others'
// exports alone, and the user's own exports stay byte for byte. As root: the
// plugin edits /etc/exports itself (a user's plugin needs a sudoers rule,
// which the sandbox does not set up).
func TestMacOSNFSSharesAsRoot(t *testing.T) {
	base := t.TempDir()
	userExport := filepath.Join(base, "user-export")
	src := filepath.Join(base, "src")
	home := filepath.Join(base, "Users", "me")
	for _, d := range []string{userExport, src, home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	userLines := "# the user's own exports, kept byte for byte\n" + userExport + " -ro 10.9.8.7\n\n"
	if err := os.WriteFile(harness.ExportsFile, []byte(userLines), 0o644); err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, filepath.Join(src, "hello.txt"), "hello from the host\n")
	harness.WriteFile(t, filepath.Join(home, "profile.txt"), "home share\n")

	const one, two = "nfs1", "nfs2"
	dm(t, "create", "-d", "xhyve", "--xhyve-nfs-server", "macos", "--xhyve-nfs-share", src, one)
	guestSrc := "/nfsshares" + src
	mac, _ := driverConfig(t, one)["MACAddress"].(string)
	ip := machineIP(t, one)
	assertExported(t, src, ip)

	t.Run("host file in the guest and in a container", func(t *testing.T) {
		assertHostFileShared(t, one, guestSrc)
	})

	t.Run("guest writes belong to the user", func(t *testing.T) {
		// The guest's docker user is uid 1000; -mapall makes it the creator.
		assertGuestWriteIsUsers(t, one, guestSrc, src, "")
	})

	t.Run("survives stop and start", func(t *testing.T) {
		dm(t, "stop", one)
		harness.WriteFile(t, filepath.Join(src, "while-stopped.txt"), "written while stopped\n")
		dm(t, "start", one)
		if got := ssh(t, one, "cat "+guestSrc+"/while-stopped.txt"); got != "written while stopped" {
			t.Errorf("after start the guest reads %q", got)
		}
	})

	t.Run("survives a guest reboot", func(t *testing.T) {
		rebootGuest(t, one)
		waitMounted(t, one, guestSrc+"/hello.txt", "hello from the host")
	})

	t.Run("address change is reconciled", func(t *testing.T) {
		dm(t, "stop", one)
		newIP := pinAddress(t, mac)
		dm(t, "start", one)
		if got := machineIP(t, one); got != newIP {
			t.Fatalf("machine came back on %s, want the pinned %s", got, newIP)
		}
		assertExported(t, src, newIP)
		if exports := harness.ReadFile(t, harness.ExportsFile); strings.Contains(exports, " "+ip+"\n") {
			t.Errorf("the old address %s is still exported:\n%s", ip, exports)
		}
		if got := ssh(t, one, "cat "+guestSrc+"/hello.txt"); got != "hello from the host" {
			t.Errorf("after the address change the guest reads %q", got)
		}
		ip = newIP
	})

	t.Run("rm of one machine leaves the other's export", func(t *testing.T) {
		// The home-root share, at the same path in the guest.
		out, err := harness.Run(t, 10*time.Minute, []string{"HOME=" + home}, "docker-machine", "create", "-d", "xhyve", "--xhyve-nfs-server", "macos", "--xhyve-experimental-nfs-share", two)
		if err != nil {
			t.Fatalf("create %s: %v\n%s", two, err, out)
		}
		homeRoot := filepath.Dir(home)
		twoIP := machineIP(t, two)
		assertExported(t, homeRoot, twoIP)
		if got := ssh(t, two, "cat "+home+"/profile.txt"); got != "home share" {
			t.Errorf("%s reads %q from the home root share", two, got)
		}
		dm(t, "rm", "-y", one)
		assertRemoved(t, one, mac)
		if strings.Contains(harness.ReadFile(t, harness.ExportsFile), src) {
			t.Errorf("%s's export survived its rm:\n%s", one, harness.ReadFile(t, harness.ExportsFile))
		}
		assertExported(t, homeRoot, twoIP)
		ssh(t, two, "echo still mounted > "+home+"/after-rm.txt")
		if got := harness.ReadFile(t, filepath.Join(home, "after-rm.txt")); got != "still mounted\n" {
			t.Errorf("%s's share after the other rm: %q", two, got)
		}
		dm(t, "rm", "-y", two)
	})

	if got := harness.ReadFile(t, harness.ExportsFile); got != userLines {
		t.Errorf("exports after every rm:\n%q\nwant the user's lines byte for byte:\n%q", got, userLines)
	}
}

// assertHostFileShared: the guest, and a container bind-mounting the
// share, read the host's hello.txt through the share mounted at guestDir.
func assertHostFileShared(t *testing.T, machine, guestDir string) {
	t.Helper()
	if got := ssh(t, machine, "cat "+guestDir+"/hello.txt"); got != "hello from the host" {
		t.Errorf("guest reads %q", got)
	}
	docker(t, machine, "import", harness.GuestFile("image.tar"), "e2e/busybox")
	got := docker(t, machine, "run", "--rm", "-v", guestDir+":/src", "e2e/busybox", "cat", "/src/hello.txt")
	if strings.TrimSpace(got) != "hello from the host" {
		t.Errorf("container reads %q", got)
	}
}

// assertGuestWriteIsUsers: a file the guest writes into the share (then
// runs then on, e.g. a chown) appears on the host in hostDir, owned by the
// user who runs the VM.
func assertGuestWriteIsUsers(t *testing.T, machine, guestDir, hostDir, then string) {
	t.Helper()
	cmd := "echo from the guest > " + guestDir + "/guest.txt"
	if then != "" {
		cmd += " && " + then
	}
	ssh(t, machine, cmd)
	p := filepath.Join(hostDir, "guest.txt")
	if got := harness.ReadFile(t, p); got != "from the guest\n" {
		t.Errorf("host reads %q", got)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	uid, gid := pluginUser(t)
	if sys := st.Sys().(*syscall.Stat_t); int(sys.Uid) != uid || int(sys.Gid) != gid {
		t.Errorf("guest.txt is %d:%d on the host, want the user's %d:%d", sys.Uid, sys.Gid, uid, gid)
	}
}

// assertExported checks /etc/exports exports dir to ip in one of the
// driver's marked blocks.
func assertExported(t *testing.T, dir, ip string) {
	t.Helper()
	exports := harness.ReadFile(t, harness.ExportsFile)
	for _, line := range strings.Split(exports, "\n") {
		if strings.HasPrefix(line, dir+" ") && strings.Contains(line, "-mapall=") && strings.HasSuffix(line, " "+ip) {
			if !strings.Contains(exports, "# BEGIN: docker-machine-driver-xhyve ") {
				t.Errorf("export of %s is not in a marked block:\n%s", dir, exports)
			}
			return
		}
	}
	t.Errorf("%s is not exported to %s:\n%s", dir, ip, exports)
}

// pinned holds the addresses pinAddress gave out in this run.
var pinned = map[string]bool{}

// pinAddress makes the sandbox's DHCP server give mac a new address on its
// next boot, as vmnet may after a lease expires, and returns the address.
// dnsmasq gives out addresses upwards from .2 and will not hand a pinned
// address to its MAC while another MAC leases it, so the pin is the highest
// address that no lease holds and no earlier pin took.
func pinAddress(t *testing.T, mac string) string {
	t.Helper()
	state := os.Getenv("XHYVE_SANDBOX_STATE")
	leased := leasedAddresses(t, filepath.Join(state, "dnsmasq.leases"))
	ip := ""
	for n := 254; n > 1 && ip == ""; n-- {
		if a := fmt.Sprintf("192.168.64.%d", n); !leased[a] && !pinned[a] {
			ip = a
		}
	}
	if ip == "" {
		t.Fatal("pin an address: every address of 192.168.64.0/24 is leased")
	}
	pinned[ip] = true
	f, err := os.OpenFile(filepath.Join(state, "dhcp-hosts"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(mac + "," + ip + "\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	harness.ReloadDHCP(t)
	return ip
}

// leasedAddresses reads dnsmasq's lease file (one lease a line: expiry,
// MAC, address, name, client id) and returns the addresses in it.
func leasedAddresses(t *testing.T, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatalf("read the DHCP leases: %v", err)
	}
	leased := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 3 {
			leased[f[2]] = true
		}
	}
	return leased
}
