//go:build selftest

package selftest

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zchee/docker-machine-driver-xhyve/internal/usernet"
	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// TestSelftestVpnkit: hyperkit's virtio-vpnkit device end to end, as the
// usernet mode will run it (docs/facts.md §9). The user-mode network of
// internal/usernet listens on a unix socket; the sandbox's user runs the
// stand-in WITHOUT the setuid bit, with -s 2:0,virtio-vpnkit and no vmnet
// device; it connects, does hyperkit's handshake and bridges the guest's
// NIC (QEMU's -netdev stream) to the switch. The guest gets its lease from
// the network's DHCP with the MAC the handshake gave, answers through a
// port forwarded from the host's loopback, reaches the gateway; when the
// network ends the connection, the stand-in presses the power button and
// the guest powers off (hyperkit's exit 0).
func TestSelftestVpnkit(t *testing.T) {
	n, err := usernet.New(usernet.Config{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	dir := harness.UserTempDir(t) // the hypervisor runs as the user: its files are the user's
	sock := filepath.Join(dir, "vpnkit.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	harness.GiveToUser(t, sock)
	ctx, endNetwork := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- n.ServeVPNKit(ctx, ln) }()
	t.Cleanup(func() { endNetwork(); <-served })

	u := uuid.New()
	pidfile, ptyFile, logFile := filepath.Join(dir, "pid"), filepath.Join(dir, "tty"), filepath.Join(dir, "console.log")
	args := tinyBootArgs(t, u.String(), pidfile, "autopty="+ptyFile+",log="+logFile, guestCmdline)
	for i, a := range args {
		if a == "2:0,virtio-net" {
			args[i] = "2:0,virtio-vpnkit,path=" + sock + ",uuid=" + u.String()
		}
	}
	plain := filepath.Join(harness.RepoRoot(t), ".cache/bin/hyperkit")
	if st, err := os.Stat(plain); err != nil || st.Mode()&os.ModeSetuid != 0 {
		t.Fatalf("%s: %v; want the stand-in without the setuid bit", plain, err)
	}
	v := startHVWith(t, hvOpts{wiring: pipes, asUser: true}, plain, args...)
	v.attachAutoptyFile(ptyFile, 60*time.Second)
	if uids, _ := procIDs(t, v.pid()); uids != strings.Repeat(strconv.Itoa(harness.MacUser(t).UID)+" ", 3)+strconv.Itoa(harness.MacUser(t).UID) {
		t.Errorf("the stand-in's uids are %q: with no vmnet device it must run as the user alone", uids)
	}
	if !v.waitConsole(guestReady, 120*time.Second) {
		t.Fatalf("the guest is not ready after %s\nstderr: %s", v.since(), v.stderr.String())
	}
	if !v.waitConsole(guestPrompt, 30*time.Second) {
		t.Fatal("no shell prompt on the console")
	}

	var ip netip.Addr
	if !waitFor(30*time.Second, func() bool {
		a, ok, err := n.LeaseOf(usernet.MACForUUID(u))
		ip = a
		return err == nil && ok
	}) {
		t.Fatalf("no lease for %s (MAC %s) in the network after %s", u, usernet.MACForUUID(u), v.since())
	}
	t.Logf("lease %s for %s after %s", ip, usernet.MACForUUID(u), v.since())
	if !n.Subnet().Contains(ip) || !strings.Contains(v.console.String(), "ip="+ip.String()) {
		t.Errorf("the guest reports %q, the network leased %s in %s", lastMatch(v.console.String(), "ip="), ip, n.Subnet())
	}

	// The gateway answers the guest (ICMP through the switch to the stack).
	// (Each marker is computed in the guest, so the echo of the typed line
	// does not match it.)
	v.typeLine("ping -c 2 -W 5 " + n.Gateway().String() + " >/dev/null && echo GATEWAY-PING-$((40+2))")
	if !v.waitConsole("GATEWAY-PING-42", 30*time.Second) {
		t.Errorf("the guest cannot ping the gateway %s", n.Gateway())
	}

	// A port forwarded from the host's loopback reaches a server in the guest.
	v.typeLine("mkdir -p /www && echo vpnkit-forward-ok >/www/index.html && httpd -p 8080 -h /www && echo HTTPD-UP-$((40+2))")
	if !v.waitConsole("HTTPD-UP-42", 30*time.Second) {
		t.Fatal("busybox httpd did not start in the guest")
	}
	hostAddr := freeLoopbackPort(t)
	if err := n.Expose("tcp", hostAddr, ip.String()+":8080"); err != nil {
		t.Fatal(err)
	}
	var body string
	if !waitFor(20*time.Second, func() bool {
		body, err = httpGet("http://" + hostAddr + "/")
		return err == nil
	}) || strings.TrimSpace(body) != "vpnkit-forward-ok" {
		t.Errorf("GET through the forward %s -> %s:8080: %q, %v", hostAddr, ip, body, err)
	}
	if err := n.Unexpose("tcp", hostAddr); err != nil {
		t.Fatal(err)
	}
	if _, err := httpGet("http://" + hostAddr + "/"); err == nil {
		t.Errorf("the forward %s still answers after Unexpose", hostAddr)
	}

	// The network ends the connection: hyperkit presses the power button,
	// the guest powers off, the exit status is hyperkit's poweroff (0).
	endNetwork()
	if err := <-served; err != nil {
		t.Errorf("ServeVPNKit: %v", err)
	}
	served <- nil // for the cleanup
	if !v.waitConsole(guestPowerButton, 60*time.Second) {
		t.Errorf("no power button in the guest after the network closed\nstderr: %s", v.stderr.String())
	}
	if code := v.mustExit(90 * time.Second); code != dialect("hyperkit").poweroff {
		t.Errorf("exit status %d after the network closed, want hyperkit's poweroff %d", code, dialect("hyperkit").poweroff)
	}
}

// freeLoopbackPort returns 127.0.0.1:PORT with a port free a moment ago.
func freeLoopbackPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// lastMatch is the rest of the last line of s that contains prefix.
func lastMatch(s, prefix string) string {
	i := strings.LastIndex(s, prefix)
	if i < 0 {
		return ""
	}
	rest, _, _ := strings.Cut(s[i:], "\n")
	return strings.TrimSpace(rest)
}
