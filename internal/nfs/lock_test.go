package nfs

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/lockfile"
)

// TestReconcileLockHeld: while someone holds the exports lock (the
// directory of the exports file, also through a symbolic link to it, as
// /etc is on macOS), Reconcile gives up at its deadline with an error that
// says who to wait for, and changes nothing.
func TestReconcileLockHeld(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(t.TempDir(), "etc")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	ours := "# BEGIN: " + prefix + "/Users\n/Users 1.2.3.4\n# END: " + prefix + "/Users\n"
	os.WriteFile(filepath.Join(dir, "exports"), []byte(ours), 0o644)
	held, err := lockfile.Dir(dir, lockfile.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h := Host{Exports: filepath.Join(link, "exports"), NFSD: exitScript(t, 0), Root: true, LockTimeout: 300 * time.Millisecond}
	start := time.Now()
	changed, err := h.Reconcile(prefix, nil)
	if took := time.Since(start); took < h.LockTimeout || took > 5*time.Second {
		t.Errorf("gave up after %s with a %s deadline", took, h.LockTimeout)
	}
	if changed || !errors.Is(err, lockfile.ErrTimeout) || !strings.Contains(err.Error(), "another docker-machine") || !strings.Contains(err.Error(), link) {
		t.Errorf("changed=%v err=%v; want ErrTimeout naming the lock and its holder", changed, err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "exports")); string(got) != ours {
		t.Errorf("exports changed without the lock: %q", got)
	}
	if err := held.Unlock(); err != nil {
		t.Fatal(err)
	}
	if changed, err := h.Reconcile(prefix, nil); err != nil || !changed {
		t.Errorf("after the holder left: changed=%v err=%v", changed, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the exports directory holds %d entries; locking must create none", len(entries))
	}
}

// oldLock is where older drivers kept their lock: any user could create it,
// or plant a symbolic link there that a root driver followed.
const oldLock = "/tmp/docker-machine-driver-xhyve.exports.lock"

// TestReconcileIgnoresOldLockPath: a symbolic link planted at the old lock
// path is never followed. When that path exists (an older driver's lock),
// the test reruns itself as root in a private mount namespace with an empty
// /tmp, where it can plant the link without disturbing anyone.
func TestReconcileIgnoresOldLockPath(t *testing.T) {
	if exists(oldLock) {
		if os.Getenv("XHYVE_NFS_PRIVATE_TMP") == "" && runtime.GOOS == "linux" && os.Geteuid() == 0 {
			if unshare, err := exec.LookPath("unshare"); err == nil {
				inPrivateTmp(t, unshare)
				return
			}
		}
		t.Skipf("%s exists (an older driver's lock) and no private /tmp can be had here", oldLock)
	}
	target := filepath.Join(t.TempDir(), "created")
	if err := os.Symlink(target, oldLock); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(oldLock) })
	dir := t.TempDir()
	ours := "# BEGIN: " + prefix + "/Users\n/Users 1.2.3.4\n# END: " + prefix + "/Users\n"
	os.WriteFile(filepath.Join(dir, "exports"), []byte(ours), 0o644)
	h := Host{Exports: filepath.Join(dir, "exports"), NFSD: exitScript(t, 0), Root: true}
	if changed, err := h.Reconcile(prefix, nil); err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	if exists(target) {
		t.Errorf("Reconcile created %s through the link at %s", target, oldLock)
	}
}

// inPrivateTmp reruns the calling test under unshare with a fresh tmpfs on
// /tmp; the test binary (itself in /tmp) is reached through an open fd.
func inPrivateTmp(t *testing.T, unshare string) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(unshare, "--mount", "--propagation", "private", "sh", "-c",
		`exec 3<"$0" && mount -t tmpfs xhyve-nfs-test /tmp && exec /proc/self/fd/3 "$@"`,
		exe, "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "XHYVE_NFS_PRIVATE_TMP=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("in a private /tmp: %v\n%s", err, out)
	}
	t.Logf("ran in a private /tmp:\n%s", out)
}

// exitScript is a program that only exits with code: macOS has no
// /bin/true or /bin/false.
func exitScript(t *testing.T, code int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), fmt.Sprintf("exit%d", code))
	if err := os.WriteFile(p, []byte(fmt.Sprintf("#!/bin/sh\nexit %d\n", code)), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}
