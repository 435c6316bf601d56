//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/wait"
	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// Bounds on what a hostile guest may cost the host. The server's own caps
// are in internal/nfsserver; these are what the host must see.
const (
	// hostileServerRSS bounds the built-in server's RSS while the guest
	// attacks it: the audit's records made it allocate gigabytes.
	hostileServerRSS = 64 // MB
	// hostileSupervisorGrowth bounds how much the supervisor, which keeps
	// the VM, may grow meanwhile: its clock reading keeps 768 bytes, but
	// the SSH client takes in up to a channel window (2 MiB) before the
	// cap closes the connection, and Go's heap goal is twice the live
	// heap. The audit's flood made it allocate 2.3 GiB.
	hostileSupervisorGrowth = 6 // MB
)

// assertSurvivesHostileGuest: root in the guest sends the audit's records
// to the machine's built-in NFS server (test/hostile). The server keeps
// serving the mounted share without a restart, its RSS stays bounded, it
// keeps no descriptor of the attack, and the supervisor does not grow. A
// process of the guest's ordinary user, which cannot bind a reserved port,
// is not served; root, from one, is.
func assertSurvivesHostileGuest(t *testing.T, machine, hostShare, guestShare string) {
	tool := buildHostile(t)
	dm(t, "scp", tool, machine+":/home/docker/hostile")
	addr := nfsAddrOf(t, machine)
	if got := ssh(t, machine, "cat "+guestShare+"/hello.txt"); got != "hello from the host" {
		t.Fatalf("before the attacks the guest reads %q", got)
	}
	sup, _ := statusPIDsOf(t, machine)
	server := nfsChildOf(t, sup)
	serverFDs := len(fdsOf(server))
	supRSS, _, _ := procStatus(t, sup)

	peak := watchRSS(server)
	out, err := dmErr(t, "ssh", machine, "sudo /home/docker/hostile nfs "+addr+" "+hostShare+" 5s")
	serverPeak := peak()
	t.Logf("the attacks, from the guest:\n%s", harness.Indent(out))
	if err != nil || !strings.Contains(out, "served after the attacks: yes") {
		t.Errorf("the attacks did not end with the server serving (%v)", err)
	}
	if serverPeak > hostileServerRSS {
		t.Errorf("the server's RSS reached %.1f MB during the attacks, want under %d MB", serverPeak, hostileServerRSS)
	}
	if got := ssh(t, machine, "cat "+guestShare+"/hello.txt"); got != "hello from the host" {
		t.Errorf("after the attacks the guest reads %q from its mounted share", got)
	}
	if now := nfsChildOf(t, sup); now != server {
		t.Errorf("the server was restarted during the attacks (pid %d, then %d): the guest's handles went stale", server, now)
	}
	var fds int
	if err := wait.Until(15*time.Second, 200*time.Millisecond, "the server's descriptors back to before the attacks", func() (bool, error) {
		fds = len(fdsOf(server))
		return fds <= serverFDs+2, nil
	}); err != nil {
		t.Errorf("the server holds %d descriptors after the attacks, %d before (%v)", fds, serverFDs, err)
	}
	if rss, _, _ := procStatus(t, sup); rss-supRSS > hostileSupervisorGrowth {
		t.Errorf("the supervisor grew from %.1f to %.1f MB during the attacks", supRSS, rss)
	}
	t.Logf("server peak RSS %.1f MB; descriptors %d before, %d after; supervisor RSS %.1f MB before", serverPeak, serverFDs, fds, supRSS)

	// The guest's ordinary user: SSH logs in as docker.
	if out, err := dmErr(t, "ssh", machine, "/home/docker/hostile null "+addr); err == nil || !strings.Contains(out, "not served") {
		t.Errorf("a call from an unreserved port was served: %q (%v)", out, err)
	}
	if out := ssh(t, machine, "sudo /home/docker/hostile null "+addr); out != "answered" {
		t.Errorf("root's call from a reserved port: %q", out)
	}
	if log := harness.ReadFile(t, machineFile(machine, "supervisor.log")); !strings.Contains(log, "reserved") {
		t.Errorf("the supervisor's log does not say why the unreserved port was refused:\n%s", harness.TailString(log, 20))
	}
}

// buildHostile builds test/hostile for the guest where the sandbox's user
// can read it.
func buildHostile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(harness.UserTempDir(t), "hostile")
	cmd := exec.Command("go", "build", "-o", path, "./test/hostile")
	cmd.Dir = harness.RepoRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build test/hostile: %v\n%s", err, out)
	}
	harness.GiveToUser(t, path)
	return path
}
