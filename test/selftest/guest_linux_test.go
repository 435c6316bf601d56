//go:build selftest

package selftest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso"
	"github.com/zchee/docker-machine-driver-xhyve/internal/disk"
	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// The guest smoke test (`make guest-smoke`, TestGuestSmoke*): the guest of
// test/guest on its own, booted the way the driver boots it (its
// b2diso extraction, its disk with the userdata tar, its hypervisor
// command line) through the stand-in in the sandbox, and checked for what
// docker-machine and the driver rely on (docs/facts.md §2, §5, §6). No
// docker-machine-driver-xhyve is involved until the real CLI provisions a
// fresh VM with its generic driver at the end.

// guestSmoke is the state the boots share: one disk, one VM at a time.
type guestSmoke struct {
	work, key, certs string
	disk             string
	uuid, mac, ip    string
	vm               *hv
	timings          []string
}

func newGuestSmoke(t *testing.T) *guestSmoke {
	// docker and docker-machine run as the sandbox's user (test/harness/user.go):
	// the key, the certificates and the store they read are the user's.
	g := &guestSmoke{work: harness.UserTempDir(t)}
	g.key = filepath.Join(g.work, "id_rsa")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "smoke", "-f", g.key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	harness.GiveToUser(t, g.key)
	harness.GiveToUser(t, g.key+".pub")
	g.newDisk(t)
	return g
}

// newDisk makes a fresh 20 GB disk, as the driver does (sparse, starting
// with the "format-me" userdata tar), for a new VM identity.
func (g *guestSmoke) newDisk(t *testing.T) {
	t.Helper()
	g.disk = filepath.Join(g.work, "disk.img")
	os.Remove(g.disk)
	pub, err := os.ReadFile(g.key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	if err := disk.Create(g.disk, 20000, pub); err != nil {
		t.Fatal(err)
	}
	g.uuid = uuid.NewString()
	g.mac = standinMAC(t, "xhyve", g.uuid)
	g.ip = ""
}

func (g *guestSmoke) pidfile() string { return filepath.Join(g.work, "hypervisor.pid") }

func (g *guestSmoke) timing(t *testing.T, what string, d time.Duration) {
	t.Logf("time: %s: %.1fs", what, d.Seconds())
	g.timings = append(g.timings, fmt.Sprintf("%-52s %6.1fs", what, d.Seconds()))
}

// boot starts the VM on iso with dialect prog and waits for SSH.
func (g *guestSmoke) boot(t *testing.T, label, iso, prog string) {
	t.Helper()
	dir := filepath.Join(g.work, "boot-"+filepath.Base(iso))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rec, _, err := b2diso.Ensure(iso, "", "", b2diso.Dest{
		Kernel: filepath.Join(dir, "vmlinuz"), Initrd: filepath.Join(dir, "initrd.img"), Record: filepath.Join(dir, "boot.json"),
	})
	if err != nil {
		t.Fatalf("boot files of %s: %v", iso, err)
	}
	d := hypervisor.XHyve
	if prog == "hyperkit" {
		d = hypervisor.HyperKit
	}
	args, err := hypervisor.Args(hypervisor.Config{
		Dialect: d, UUID: g.uuid, CPUs: 2, MemoryMB: 1024,
		Kernel: filepath.Join(dir, "vmlinuz"), Initrd: filepath.Join(dir, "initrd.img"), Cmdline: rec.Cmdline,
		ISO: iso, Disk: g.disk, PIDFile: g.pidfile(),
	})
	if err != nil {
		t.Fatal(err)
	}
	// The driver's argv has -l com1,stdio: the console is a pty the
	// caller owns, handed over as fd 0, as the supervisor does.
	g.vm = startHVWith(t, hvOpts{wiring: stdioConsole}, prog, args...)
	g.ip = waitLease(t, g.mac, "", 120*time.Second)["ip_address"]
	g.vm.waitConsole("boot2docker: ssh started", 120*time.Second)
	if !waitFor(120*time.Second, func() bool { _, err := g.sshQuiet("exit 0"); return err == nil }) {
		t.Fatalf("%s: no ssh at %s after %s\nconsole:\n%s", label, g.ip, g.vm.since(), harness.TailString(g.vm.console.String(), 3000))
	}
	g.timing(t, label+": boot to ssh", time.Since(g.vm.started))
	t.Logf("%s: guest uptime at the DHCP lease %s, ssh started %s", label,
		consoleStamp(g.vm.console.String(), "boot2docker: network up"), consoleStamp(g.vm.console.String(), "boot2docker: ssh started"))
}

var stamp = regexp.MustCompile(`\[([0-9.]+s)\]`)

// consoleStamp is the guest uptime printed on the first console line with
// marker ("boot2docker: ... [8.2s]"), or "?".
func consoleStamp(console, marker string) string {
	for _, l := range strings.Split(console, "\n") {
		if strings.Contains(l, marker) {
			if m := stamp.FindStringSubmatch(l); m != nil {
				return m[1]
			}
		}
	}
	return "?"
}

// stop waits up to 90 s for the VM to end after action (a command typed
// over ssh, or the power button) and checks the dialect's status and the
// clean unmount on the console.
func (g *guestSmoke) stop(t *testing.T, what string, want int, action func()) {
	t.Helper()
	start := time.Now()
	action()
	code, ok := g.vm.exit(90 * time.Second)
	if !ok {
		t.Errorf("%s does not end the VM in 90 s", what)
		g.vm.cmd.Process.Kill()
		g.vm.exit(10 * time.Second)
		// a killed hypervisor leaves its pidfile, which would refuse the
		// next boot (docs/facts.md §3)
		os.Remove(g.pidfile())
		return
	}
	g.timing(t, what+" to VM exit", time.Since(start))
	if code != want {
		t.Errorf("%s: the stand-in exits %d, want %d", what, code, want)
	}
	if !strings.Contains(g.vm.console.String(), "boot2docker: disks unmounted") {
		t.Errorf("%s: the disks were not unmounted cleanly", what)
	}
}

// powerButton is the driver's stop: SIGTERM to the hypervisor.
func (g *guestSmoke) powerButton() { g.vm.cmd.Process.Signal(syscall.SIGTERM) }

func (g *guestSmoke) sshArgs(extra ...string) []string {
	a := []string{"-q", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-o", "ConnectTimeout=5", "-o", "BatchMode=yes", "-i", g.key,
		// a session whose guest went away (reboot, poweroff) ends within 6 s
		"-o", "ServerAliveInterval=2", "-o", "ServerAliveCountMax=3"}
	return append(append(a, extra...), "docker@"+g.ip)
}

// ssh runs a command in the guest with the host's OpenSSH client.
func (g *guestSmoke) ssh(t *testing.T, command string, extra ...string) (string, error) {
	t.Helper()
	return harness.Run(t, 5*time.Minute, nil, "ssh", append(g.sshArgs(extra...), command)...)
}

// sshOK is ssh that fails the test when the command fails.
func (g *guestSmoke) sshOK(t *testing.T, what, command string) string {
	t.Helper()
	out, err := g.ssh(t, command)
	if err != nil {
		t.Errorf("%s: %v\n%s", what, err, out)
	}
	return strings.TrimSpace(out)
}

// sshQuiet is ssh without logging (for polling).
func (g *guestSmoke) sshQuiet(command string) (string, error) {
	out, err := exec.Command("ssh", append(g.sshArgs("-o", "ConnectTimeout=2"), command)...).CombinedOutput()
	return string(out), err
}

// docker runs the host's docker client against the guest's TLS API with
// the certificates provisioned into it.
func (g *guestSmoke) docker(t *testing.T, args ...string) (string, error) {
	t.Helper()
	c := g.certs
	a := []string{"--tlsverify", "--tlscacert=" + filepath.Join(c, "ca.pem"), "--tlscert=" + filepath.Join(c, "cert.pem"),
		"--tlskey=" + filepath.Join(c, "key.pem"), "-H", "tcp://" + g.ip + ":2376"}
	return harness.Run(t, 5*time.Minute, harness.CleanDockerEnv(), harness.GuestFile("docker"), append(a, args...)...)
}

func (g *guestSmoke) dockerOK(t *testing.T, what string, args ...string) string {
	t.Helper()
	out, err := g.docker(t, args...)
	if err != nil {
		t.Errorf("%s: %v\n%s", what, err, out)
	}
	return out
}

// httpGet is the body of GET / on the guest's port, "" until it answers
// (polled for 10 s).
func (g *guestSmoke) httpGet(port string) string {
	var body string
	waitFor(10*time.Second, func() bool {
		b, err := httpGet("http://" + net.JoinHostPort(g.ip, port) + "/")
		body = strings.TrimSpace(b)
		return err == nil && body != ""
	})
	return body
}

// netstat2376 is docker-machine's WaitForDocker check (over ssh).
func (g *guestSmoke) netstat2376() bool {
	out, err := g.sshQuiet("if ! type netstat 1>/dev/null; then ss -tln; else netstat -tln; fi")
	return err == nil && regexp.MustCompile(`:2376\s+.*:`).MatchString(out)
}

// makeCerts writes a CA, a server certificate for the guest's address and
// a client certificate, as docker-machine makes them (ca.pem, server.pem,
// server-key.pem; cert.pem, key.pem).
func (g *guestSmoke) makeCerts(t *testing.T) {
	t.Helper()
	g.certs = filepath.Join(g.work, "certs")
	if err := os.MkdirAll(g.certs, 0o700); err != nil {
		t.Fatal(err)
	}
	newKey := func(name string) *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		writePEM(t, filepath.Join(g.certs, name), "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k))
		return k
	}
	serial := int64(1)
	sign := func(name string, tmpl *x509.Certificate, key *rsa.PrivateKey, parent *x509.Certificate, parentKey *rsa.PrivateKey) *x509.Certificate {
		serial++
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(30*24*time.Hour)
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
		if err != nil {
			t.Fatal(err)
		}
		writePEM(t, filepath.Join(g.certs, name), "CERTIFICATE", der)
		c, _ := x509.ParseCertificate(der)
		return c
	}
	caKey := newKey("ca-key.pem")
	ca := sign("ca.pem", &x509.Certificate{Subject: pkix.Name{Organization: []string{"smoke"}, CommonName: "ca"},
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}, caKey, nil, nil)
	sign("server.pem", &x509.Certificate{Subject: pkix.Name{Organization: []string{"smoke"}, CommonName: "server"},
		IPAddresses: []net.IP{net.ParseIP(g.ip), net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, newKey("server-key.pem"), ca, caKey)
	sign("cert.pem", &x509.Certificate{Subject: pkix.Name{Organization: []string{"smoke"}, CommonName: "client"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, newKey("key.pem"), ca, caKey)
	harness.GiveToUser(t, g.certs)
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// guestVersions reads versions.txt of the guest build: ISO -> volume id.
func guestVersions(t *testing.T) map[string]string {
	t.Helper()
	v := map[string]string{}
	for _, l := range harness.OutLines(harness.ReadFile(t, harness.GuestFile("versions.txt"))) {
		if f := strings.Fields(l); len(f) == 2 {
			v[f[0]] = f[1]
		}
	}
	return v
}
