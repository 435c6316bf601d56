//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// The Mac's privilege split (docs/facts.md §3, test/README.md): the sandbox
// has an ordinary user, $XHYVE_SANDBOX_USER, and a setuid-root hypervisor
// stand-in. The suites run as root (they reload dnsmasq, freeze VMs, read
// every file), but the programs a Mac user runs run as that user, so the
// plugin and its supervisor do too. A test whose name (or a subtest's) ends
// in AsRoot or "as root" runs them as root instead: only the macOS nfsd path
// needs that.

// userPrograms are the programs a Mac user runs, by base name.
var userPrograms = map[string]bool{
	"docker-machine":              true,
	"rancher-machine":             true,
	"docker":                      true,
	"docker-machine-driver-xhyve": true,
}

// sandboxUser is the sandbox's ordinary user.
type sandboxUser struct {
	name, home string
	uid, gid   int
}

var (
	theUserOnce sync.Once
	theUser     sandboxUser
	theUserErr  error
)

// macUser returns the sandbox's user; the suites cannot run without one.
func macUser(t *testing.T) sandboxUser {
	t.Helper()
	theUserOnce.Do(func() {
		name := os.Getenv("XHYVE_SANDBOX_USER")
		u, err := user.Lookup(name)
		if err != nil {
			theUserErr = err
			return
		}
		theUser.name, theUser.home = u.Username, u.HomeDir
		if theUser.uid, err = strconv.Atoi(u.Uid); err == nil {
			theUser.gid, err = strconv.Atoi(u.Gid)
		}
		theUserErr = err
	})
	if theUserErr != nil {
		t.Fatalf("the sandbox's user (XHYVE_SANDBOX_USER=%q): %v: run the suite in the sandbox", os.Getenv("XHYVE_SANDBOX_USER"), theUserErr)
	}
	return theUser
}

// asRoot reports whether t runs the user's programs as root: its name or a
// subtest's says so.
func asRoot(t *testing.T) bool {
	for _, part := range strings.Split(t.Name(), "/") {
		if strings.HasSuffix(part, "AsRoot") || strings.HasSuffix(part, "as_root") {
			return true
		}
	}
	return false
}

// command returns the command for name, run as the sandbox's user when it is
// one of the user's programs and t does not run as root. ctx may be nil.
func command(t *testing.T, ctx context.Context, name string, args ...string) *exec.Cmd {
	t.Helper()
	var cmd *exec.Cmd
	if ctx != nil {
		cmd = exec.CommandContext(ctx, name, args...)
	} else {
		cmd = exec.Command(name, args...)
	}
	if userPrograms[filepath.Base(name)] && !asRoot(t) {
		u := macUser(t)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
			Uid: uint32(u.uid), Gid: uint32(u.gid), Groups: []uint32{},
		}}
		cmd.Env = append(os.Environ(), "HOME="+u.home, "USER="+u.name, "LOGNAME="+u.name)
	}
	return cmd
}

// pluginUser is who runs the plugin in t: the sandbox's user, or root in an
// AsRoot test.
func pluginUser(t *testing.T) (uid, gid int) {
	t.Helper()
	if asRoot(t) {
		return os.Getuid(), os.Getgid()
	}
	u := macUser(t)
	return u.uid, u.gid
}

// userTempDir is a directory in the user's home that belongs to the user
// (t.TempDir is root's and closed to others), removed when t ends.
func userTempDir(t *testing.T) string {
	t.Helper()
	u := macUser(t)
	dir, err := os.MkdirTemp(u.home, "e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	giveToUser(t, dir)
	return dir
}

// giveToUser makes path (and what is under it) the user's, as files the
// user made on a Mac would be; root's files stay root's in an AsRoot test.
func giveToUser(t *testing.T, path string) {
	t.Helper()
	if asRoot(t) {
		return
	}
	u := macUser(t)
	err := filepath.Walk(path, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, u.uid, u.gid)
	})
	if err != nil {
		t.Fatal(err)
	}
}
