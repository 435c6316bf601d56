//go:build e2e

package e2e

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/wait"
	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// TestBuiltinNFS: the default --xhyve-nfs-server builtin shares host
// folders with no root, no sudo, no /etc/exports and no nfsd: files go both
// ways (large and many), ownership stays the user's, nothing outside the
// share is reachable, another machine's guest is refused, and the shares
// survive stop/start and a guest reboot.
func TestBuiltinNFS(t *testing.T) {
	sudoCalls := recordSudo(t)
	base := harness.UserTempDir(t)
	one, two := filepath.Join(base, "one"), filepath.Join(base, "two")
	for _, d := range []string{one, two} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		harness.GiveToUser(t, d)
	}
	harness.WriteFile(t, filepath.Join(one, "hello.txt"), "hello from the host\n")
	harness.WriteFile(t, filepath.Join(two, "two.txt"), "machine two's share\n")
	const m1, m2 = "nfsb1", "nfsb2"
	dm(t, "create", "-d", "xhyve", "--xhyve-nfs-share", one, m1)
	g1 := "/nfsshares" + one

	t.Run("host file in the guest and in a container", func(t *testing.T) {
		assertHostFileShared(t, m1, g1)
	})

	t.Run("guest writes are the user's, chown changes nothing", func(t *testing.T) {
		assertGuestWriteIsUsers(t, m1, g1, one, "sudo chown 4321:4321 "+g1+"/guest.txt")
	})

	t.Run("rename and a symlink within the share", func(t *testing.T) {
		ssh(t, m1, "cd "+g1+" && mv guest.txt renamed.txt && ln -s hello.txt link.txt")
		if _, err := os.Stat(filepath.Join(one, "guest.txt")); !os.IsNotExist(err) {
			t.Errorf("renamed file still under its old name: %v", err)
		}
		if target, err := os.Readlink(filepath.Join(one, "link.txt")); err != nil || target != "hello.txt" {
			t.Errorf("the guest's symlink is %q on the host (%v)", target, err)
		}
		if got := ssh(t, m1, "cat "+g1+"/link.txt"); got != "hello from the host" {
			t.Errorf("through the symlink the guest reads %q", got)
		}
	})

	t.Run("256 MB both ways with equal sha256", func(t *testing.T) {
		big := filepath.Join(one, "host-256m.bin")
		want := writeRandom(t, big, 256<<20)
		if got := strings.Fields(ssh(t, m1, "sha256sum "+g1+"/host-256m.bin"))[0]; got != want {
			t.Errorf("guest's sha256 %s, host's %s", got, want)
		}
		got := strings.Fields(ssh(t, m1, "dd if=/dev/urandom of="+g1+"/guest-256m.bin bs=1M count=256 2>/dev/null && sha256sum "+g1+"/guest-256m.bin"))[0]
		if host := sha256File(t, filepath.Join(one, "guest-256m.bin")); host != got {
			t.Errorf("host's sha256 %s, guest's %s", host, got)
		}
		os.Remove(big)
		os.Remove(filepath.Join(one, "guest-256m.bin"))
	})

	t.Run("5000 small files", func(t *testing.T) {
		ssh(t, m1, "mkdir "+g1+"/many && cd "+g1+"/many && i=0; while [ $i -lt 5000 ]; do echo $i > f$i; i=$((i+1)); done")
		entries, err := os.ReadDir(filepath.Join(one, "many"))
		if err != nil || len(entries) != 5000 {
			t.Errorf("the host sees %d of the guest's 5000 files (%v)", len(entries), err)
		}
		if got := ssh(t, m1, "ls "+g1+"/many | wc -l"); got != "5000" {
			t.Errorf("the guest lists %s files", got)
		}
	})

	t.Run("nothing outside the share", func(t *testing.T) {
		harness.WriteFile(t, "/etc/xhyve-e2e-host-secret", "the host's own /etc\n")
		defer os.Remove("/etc/xhyve-e2e-host-secret")
		os.Symlink("/etc", filepath.Join(one, "etc-abs"))
		os.Symlink("../../../../../../../../etc", filepath.Join(one, "etc-rel"))
		for _, link := range []string{"etc-abs", "etc-rel"} {
			if out, err := dmErr(t, "ssh", m1, "cat "+g1+"/"+link+"/xhyve-e2e-host-secret"); err == nil || strings.Contains(out, "the host's own") {
				t.Errorf("through %s the guest read the host's /etc: %q", link, out)
			}
		}
		out, _ := dmErr(t, "ssh", m1, "ls "+g1+"/..")
		if strings.Contains(out, "two") {
			t.Errorf("the guest lists the share's parent on the host: %q", out)
		}
	})

	t.Run("a hostile guest", func(t *testing.T) { assertSurvivesHostileGuest(t, m1, one, g1) })

	t.Run("survives stop, start and a guest reboot to a new address", func(t *testing.T) {
		dm(t, "stop", m1)
		dm(t, "start", m1)
		if got := ssh(t, m1, "cat "+g1+"/hello.txt"); got != "hello from the host" {
			t.Errorf("after start the guest reads %q", got)
		}
		// The supervisor, and its server, live on across the reboot; the
		// guest comes back on another address, which the server follows.
		mac, _ := driverConfig(t, m1)["MACAddress"].(string)
		newIP := pinAddress(t, mac)
		rebootGuest(t, m1)
		if got := machineIP(t, m1); got != newIP {
			t.Fatalf("the guest came back on %s, want the pinned %s", got, newIP)
		}
		waitMounted(t, m1, g1+"/hello.txt", "hello from the host")
	})

	t.Run("another machine's guest is refused", func(t *testing.T) {
		dm(t, "create", "-d", "xhyve", "--xhyve-nfs-share", two, m2)
		addr := nfsAddrOf(t, m1)
		host, port, _ := strings.Cut(addr, ":")
		opts := "nfsvers=3,proto=tcp,mountproto=tcp,nolock,noacl,port=" + port + ",mountport=" + port
		out, err := dmErr(t, "ssh", m2, "sudo mkdir -p /mnt/steal && sudo timeout 20 mount -t nfs -o "+opts+" "+host+":"+one+" /mnt/steal && cat /mnt/steal/hello.txt")
		if err == nil || strings.Contains(out, "hello from the host") {
			t.Errorf("machine two mounted machine one's share: %q", out)
		}
		if log := harness.ReadFile(t, machineFile(m1, "supervisor.log")); !strings.Contains(log, "refused connection from "+machineIP(t, m2)) {
			t.Errorf("machine one's server did not log the refusal:\n%s", log)
		}
		dm(t, "rm", "-y", m1)
		if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
			c.Close()
			t.Errorf("machine one's NFS server still listens on %s after its rm", addr)
		}
		if got := ssh(t, m2, "cat /nfsshares"+two+"/two.txt"); got != "machine two's share" {
			t.Errorf("after machine one's rm, machine two reads %q", got)
		}
		dm(t, "rm", "-y", m2)
	})

	if _, err := os.Stat(harness.ExportsFile); !os.IsNotExist(err) {
		t.Errorf("the built-in server created %s: %v", harness.ExportsFile, err)
	}
	if log, _ := os.ReadFile(filepath.Join(os.Getenv("XHYVE_SANDBOX_STATE"), "nfs", "nfsd.log")); len(log) != 0 {
		t.Errorf("nfsd was called:\n%s", log)
	}
	if calls, _ := os.ReadFile(sudoCalls); len(calls) != 0 {
		t.Errorf("sudo was run:\n%s", calls)
	}
}

// waitMounted waits for bootsync.sh, which mounts the shares while the rest
// of the boot goes on, to make file readable with content want.
func waitMounted(t *testing.T, machine, file, want string) {
	t.Helper()
	var got string
	if err := wait.Until(2*time.Minute, 2*time.Second, file+" in "+machine, func() (bool, error) {
		out, err := dmErr(t, "ssh", machine, "cat "+file)
		got = strings.TrimSpace(out)
		return err == nil && got == want, nil
	}); err != nil {
		t.Errorf("after the reboot the guest reads %q from %s, want %q (%v)", got, file, want, err)
	}
}

// jsonFile decodes the JSON file at path into v.
func jsonFile(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// nfsAddrOf is where a machine's built-in server listens.
func nfsAddrOf(t *testing.T, machine string) string {
	t.Helper()
	var st struct {
		NFSAddr string `json:"nfs_addr"`
	}
	if err := jsonFile(machineFile(machine, "supervisor.json"), &st); err != nil || st.NFSAddr == "" {
		t.Fatalf("no nfs_addr in %s's supervisor.json: %v", machine, err)
	}
	return st.NFSAddr
}

// recordSudo puts a sudo that only records its calls at /usr/bin/sudo (an
// overlay in the sandbox's mount namespace) and returns the record's path.
func recordSudo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	record := filepath.Join(dir, "calls")
	upper, work := filepath.Join(dir, "upper"), filepath.Join(dir, "work")
	for _, d := range []string{upper, work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	harness.WriteFile(t, filepath.Join(upper, "sudo"), "#!/bin/sh\necho \"sudo $*\" >> "+record+"\nexit 1\n")
	os.Chmod(filepath.Join(upper, "sudo"), 0o755)
	if out, err := exec.Command("mount", "-t", "overlay", "-o", "lowerdir=/usr/bin,upperdir="+upper+",workdir="+work, "e2e-sudo", "/usr/bin").CombinedOutput(); err != nil {
		t.Fatalf("overlay /usr/bin: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", "/usr/bin").Run() })
	return record
}

func writeRandom(t *testing.T, path string, n int64) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(f, h), rand.Reader, n); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
