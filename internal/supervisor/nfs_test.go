package supervisor

import (
	"bytes"
	"fmt"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
)

// quietNFSClient silences go-nfs-client, which logs every failed call; the
// tests make some on purpose. TestMain installs it once: the client's
// goroutines read it.
type quietNFSClient struct{}

func (quietNFSClient) SetDebug(bool)         {}
func (quietNFSClient) Errorf(string, ...any) {}
func (quietNFSClient) Debugf(string, ...any) {}
func (quietNFSClient) Infof(string, ...any)  {}

// nfsVM is a VM whose supervisor serves share to the fake guest, which
// leases 127.0.0.1 (the host side is then 127.0.0.1 too: .1 of its /24).
func nfsVM(t *testing.T, share string) *vm {
	t.Helper()
	leases := filepath.Join(t.TempDir(), "dhcpd_leases")
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve", PowerOffMS: 50, Leases: leases, LeaseIP: "127.0.0.1"})
	out, err := exec.Command(v.hv, "-M", "-U", "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef", "-s", "2:0,virtio-net", "-f", "kexec,/dev/null,,").Output()
	mac, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "MAC: ")
	if err != nil || !ok {
		t.Fatalf("fake -M: %q %v", out, err)
	}
	v.spec.Guest = &supervisorctl.GuestSpec{MAC: mac, Leases: leases}
	v.spec.NFS = &supervisorctl.NFSSpec{Shares: []string{share}, VMNetPlist: filepath.Join(v.dir, "no-vmnet.plist")}
	if err := supervisorctl.WriteSpec(v.specAt, v.spec); err != nil {
		t.Fatal(err)
	}
	return v
}

func (v *vm) nfsAddr() string {
	v.t.Helper()
	return v.waitFor("the nfs server", func(view supervisorctl.View) bool { return view.Status.NFSAddr != "" }).Status.NFSAddr
}

// nfsRead reads name from share over NFS. It dials from a reserved port,
// as the guest's root does, so only root can run it: the server refuses
// any other port.
func nfsRead(addr, share, name string) (string, error) {
	c, err := rpc.DialTCP("tcp", addr, true)
	if err != nil {
		return "", err
	}
	defer c.Close()
	tgt, err := (&nfsc.Mount{Client: c}).Mount(share, rpc.NewAuthUnix("test", 0, 0).Auth())
	if err != nil {
		return "", err
	}
	f, err := tgt.Open(name)
	if err != nil {
		return "", err
	}
	data, err := io.ReadAll(f)
	return string(data), err
}

// nfsServes reports whether a server process answers at addr within wait.
// As root it reads name from share and wants want; any other user cannot
// bind a reserved port, so it checks instead that the server refused its
// unreserved one, in the supervisor's log: either way a live server, not
// only the supervisor's listener backlog, looked at the connection.
func (v *vm) nfsServes(addr, share, name, want string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		err := v.nfsProbe(addr, share, name, want)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (v *vm) nfsProbe(addr, share, name, want string) error {
	if os.Geteuid() == 0 {
		got, err := nfsRead(addr, share, name)
		if err == nil && got != want {
			err = fmt.Errorf("read %q, want %q", got, want)
		}
		return err
	}
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	refusal := fmt.Sprintf("refused connection from %s: source port %d is not reserved", c.LocalAddr(), c.LocalAddr().(*net.TCPAddr).Port)
	for range 20 {
		if log, _ := os.ReadFile(v.layout.SupervisorLog()); bytes.Contains(log, []byte(refusal)) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no %q in the supervisor's log", refusal)
}

// listening reports whether anything accepts connections at addr.
func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
	}
	return err == nil
}

func waitClosed(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for listening(addr) {
		if time.Now().After(deadline) {
			t.Fatalf("%s still listens", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBuiltinNFSLivesWithTheVM: the supervisor serves the shares on one
// port across guest reboots, starts a failed server again on that port,
// and leaves no listener once the VM is stopped or the supervisor killed.
func TestBuiltinNFSLivesWithTheVM(t *testing.T) {
	share := t.TempDir()
	os.WriteFile(filepath.Join(share, "hello.txt"), []byte("from the host"), 0o644)
	v := nfsVM(t, share)
	sup := v.launch()
	v.waitFor("running", v.running)
	addr := v.nfsAddr()
	if host, _, _ := net.SplitHostPort(addr); host != "127.0.0.1" {
		t.Errorf("listens on %s, want the host's address on the VM's network", addr)
	}
	if err := v.nfsServes(addr, share, "hello.txt", "from the host", 0); err != nil {
		t.Fatalf("serve over NFS: %v", err)
	}
	if os.Geteuid() == 0 {
		if _, err := nfsRead(addr, filepath.Dir(share), filepath.Base(share)+"/hello.txt"); err == nil {
			t.Error("mounted the share's parent")
		}
	}

	// The server process fails: the supervisor starts it again, same port.
	children, err := exec.Command("pgrep", "-f", NFSCommand+" "+v.specAt).Output()
	if err != nil {
		t.Fatalf("find the nfs server process: %v", err)
	}
	for _, f := range strings.Fields(string(children)) {
		pid, _ := strconv.Atoi(f)
		syscall.Kill(pid, syscall.SIGKILL)
	}
	if err := v.nfsServes(addr, share, "hello.txt", "from the host", 10*time.Second); err != nil {
		t.Fatalf("no server on %s after it was killed: %v", addr, err)
	}
	if got := v.view().Status.NFSAddr; got != addr {
		t.Errorf("the server moved from %s to %s", addr, got)
	}

	supervisorctl.Signal(sup, syscall.SIGKILL) // the supervisor dies: its server follows
	waitClosed(t, addr)
}

func TestBuiltinNFSEndsWithTheVM(t *testing.T) {
	share := t.TempDir()
	v := nfsVM(t, share)
	sup := v.launch()
	v.waitFor("running", v.running)
	addr := v.nfsAddr()
	supervisorctl.Signal(sup, syscall.SIGTERM) // docker-machine stop
	v.waitFor("stopped", gone)
	waitClosed(t, addr)
	if n, _ := exec.Command("pgrep", "-f", NFSCommand+" "+v.specAt).Output(); len(n) != 0 {
		t.Errorf("nfs server processes left: %s", n)
	}
}
