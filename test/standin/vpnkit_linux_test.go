//go:build linux

package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/vpnkit"
)

// asUser is who the stand-in runs as in the vpnkit tests: an ordinary
// user (nobody) when the tests run as root, else the tests' own user.
func asUser(t *testing.T) (uid, gid int) {
	if os.Geteuid() == 0 {
		return needRoot(t)
	}
	return -1, 0
}

// vpnkitServer listens on path (owned by uid, so the stand-in can
// connect) and returns the first connection once hyperkit's handshake on
// it is done, checking the bytes hyperkit sends; max is the
// max_packet_size it grants.
func vpnkitServer(t *testing.T, path string, uid int, max uint16) <-chan *net.UnixConn {
	t.Helper()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	if uid >= 0 {
		os.Chown(path, uid, -1)
	}
	t.Cleanup(func() { l.Close() })
	ch := make(chan *net.UnixConn, 1)
	go func() {
		c, err := l.AcceptUnix()
		if err != nil {
			return
		}
		init := make([]byte, vpnkit.InitSize)
		io.ReadFull(c, init)
		if !bytes.Equal(init, vpnkit.InitMessage()) {
			t.Errorf("hyperkit sent init %q", init)
		}
		c.Write(vpnkit.InitMessage())
		cmd := make([]byte, vpnkit.CommandSize)
		io.ReadFull(c, cmd)
		if want := vpnkit.CommandMessage(testUUID, [4]byte{}); !bytes.Equal(cmd, want) {
			t.Errorf("hyperkit sent command %x, want %x", cmd, want)
		}
		resp := make([]byte, vpnkit.ResponseSize)
		resp[0] = 1
		binary.LittleEndian.PutUint16(resp[1:], 1500)
		binary.LittleEndian.PutUint16(resp[3:], max)
		copy(resp[5:], []byte{0x5a, 0x94, 0xef, 0xe4, 0x0c, 0xee})
		c.Write(resp)
		ch <- c
	}()
	return ch
}

// waitFile waits up to 20s for path to exist.
func waitFile(t *testing.T, path string, done <-chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		select {
		case <-done:
			t.Fatalf("the stand-in ended before %s appeared", path)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no %s after 20s", path)
}

// TestVpnkitDevice: hyperkit with only a virtio-vpnkit network runs as its
// user; after the pidfile it waits for the server (retrying), handshakes,
// writes the macfile, gives QEMU a virtio-net with the server's MAC on a
// stream socket, translates frames both ways (padding to 60), presses the
// power button when the server goes and keeps running.
func TestVpnkitDevice(t *testing.T) {
	uid, gid := asUser(t)
	r := newRig(t, false)
	sock := filepath.Join(r.qemuDir, "net.sock")
	pid := filepath.Join(r.qemuDir, "pid")
	mac := filepath.Join(r.qemuDir, "mac")
	opts := "path=" + sock + ",uuid=" + testUUID + ",macfile=" + mac
	s := start(t, r.command("hyperkit", uid, gid, nil, "-A", "-U", testUUID, "-F", pid,
		"-s", "0:0,hostbridge", "-s", "2:0,virtio-vpnkit,"+opts, "-s", "31,lpc", "-f", "kexec,"+r.kernel))
	waitFile(t, pid, s.done) // the pidfile comes first, then the device waits
	time.Sleep(400 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(r.qemuDir, "qemu.pid")); err == nil {
		t.Fatal("QEMU started before the vpnkit server answered")
	}
	conns := vpnkitServer(t, sock, uid, 1514)
	qpid := r.qemuPid(t, s.done)
	if _, euid := procIDs(s.cmd.Process.Pid); uid >= 0 && euid != uid {
		t.Errorf("the stand-in runs with euid %d, want the user's %d", euid, uid)
	}
	var c *net.UnixConn
	select {
	case c = <-conns:
	case <-time.After(5 * time.Second):
		t.Fatal("no handshake")
	}
	if b, _ := os.ReadFile(mac); string(b) != "5a:94:ef:e4:0c:ee" {
		t.Errorf("macfile holds %q", b)
	}
	args, _ := os.ReadFile(filepath.Join(r.qemuDir, "qemu.args"))
	for _, w := range []string{"\nstream,id=vpnkit0,server=off,addr.type=fd,addr.str=", "\nvirtio-net-pci,netdev=vpnkit0,mac=5a:94:ef:e4:0c:ee,addr=0x2.0\n"} {
		if !strings.Contains(string(args), w) {
			t.Errorf("QEMU's arguments lack %q:\n%s", w, args)
		}
	}

	// A 14-byte frame from the server reaches the guest (which echoes it)
	// and comes back padded to 60.
	frame := []byte("\xff\xff\xff\xff\xff\xff\x5a\x94\xef\xe4\x0c\xee\x08\x06")
	c.Write(append([]byte{14, 0}, frame...))
	got := make([]byte, 62)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if want := append(append([]byte{60, 0}, frame...), make([]byte, 46)...); !bytes.Equal(got, want) {
		t.Errorf("echoed frame %x, want %x", got, want)
	}

	c.Close() // the server goes: the power button, and the VM runs on
	waitFile(t, filepath.Join(r.qemuDir, "qmp.log"), s.done)
	if !alive(qpid) {
		t.Error("QEMU ended with the server")
	}
	syscall.Kill(qpid, syscall.SIGTERM)
	out, _ := s.finish(t)
	want := "virtio-net-vpnkit: initialising, opts=\"" + opts + "\"\n" +
		"virtio-net-vpnkit: interface will have uuid " + testUUID + "\n" +
		"virtio-net-vpnkit: Connection established with MAC=5a:94:ef:e4:0c:ee and MTU 1500\n"
	if !strings.HasPrefix(out, want) {
		t.Errorf("stdout %q, want it to start %q", out, want)
	}
	if !strings.Contains(s.stderr.String(), "virtio-net-vpnkit: read EOF\n") {
		t.Errorf("stderr %q", s.stderr.String())
	}
}

// TestVpnkitCrashes: hyperkit dies by a signal, leaving its pidfile and
// losing its buffered stdout, after a refused option (SIGSEGV) and when a
// frame from the guest exceeds the server's max_packet_size (SIGABRT);
// QEMU dies with it.
func TestVpnkitCrashes(t *testing.T) {
	uid, gid := asUser(t)
	r := newRig(t, false)
	pid := filepath.Join(r.qemuDir, "pid")
	sock := filepath.Join(r.qemuDir, "net.sock")
	for _, tc := range []struct {
		opts   string
		sig    syscall.Signal
		stderr string
	}{
		{"path=" + sock + ",uuid=short", syscall.SIGSEGV, "uuids need to be 36 characters long\n"},
		{"path=" + sock + ",bogus", syscall.SIGSEGV, "invalid option: bogus\r\n"},
		{"path=" + sock + ",preferred_ipv4=1.2.3.999", syscall.SIGSEGV, "Unable to parse requested IP 1.2.3.999\n"},
		{"path=" + sock + ",uuid=" + testUUID, syscall.SIGABRT, vpnkit.AssertMessage + "\n"},
	} {
		clearNotes(r)
		os.Remove(pid)
		os.Remove(sock)
		var conns <-chan *net.UnixConn
		if tc.sig == syscall.SIGABRT {
			conns = vpnkitServer(t, sock, uid, 100)
		}
		s := start(t, r.command("hyperkit", uid, gid, nil, "-A", "-F", pid, "-s", "2:0,virtio-vpnkit,"+tc.opts, "-f", "kexec,"+r.kernel))
		qpid := 0
		if conns != nil {
			qpid = r.qemuPid(t, s.done)
			c := <-conns
			// 200 bytes to the guest, which sends them back: over 100
			c.Write(append([]byte{200, 0}, make([]byte, 200)...))
		}
		out, _ := s.finish(t)
		ws := s.cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != tc.sig {
			t.Errorf("%s: ended %v, want death by %v", tc.opts, ws, tc.sig)
		}
		if !strings.HasSuffix(s.stderr.String(), tc.stderr) || out != "" {
			t.Errorf("%s: stderr %q, stdout %q; want stderr ending %q, no stdout", tc.opts, s.stderr.String(), out, tc.stderr)
		}
		if _, err := os.Stat(pid); err != nil {
			t.Errorf("%s: pidfile gone (%v), but a crash runs no atexit handler", tc.opts, err)
		}
		if qpid != 0 {
			deadline := time.Now().Add(5 * time.Second)
			for alive(qpid) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if alive(qpid) {
				t.Errorf("%s: QEMU outlived the stand-in", tc.opts)
			}
		}
	}
}
