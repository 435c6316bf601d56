package harness

import (
	"context"
	"fmt"
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

// userProgram reports whether name is a program a Mac user runs, by base
// name.
func userProgram(name string) bool {
	switch filepath.Base(name) {
	case "docker-machine", "rancher-machine", "docker", "docker-machine-driver-xhyve":
		return true
	}
	return false
}

// SandboxUser is the sandbox's ordinary user.
type SandboxUser struct {
	Name, Home string
	UID, GID   int
}

// lookupUser finds $XHYVE_SANDBOX_USER once for the whole test binary.
var lookupUser = sync.OnceValues(func() (SandboxUser, error) {
	u, err := user.Lookup(os.Getenv("XHYVE_SANDBOX_USER"))
	if err != nil {
		return SandboxUser{}, err
	}
	su := SandboxUser{Name: u.Username, Home: u.HomeDir}
	if su.UID, err = strconv.Atoi(u.Uid); err != nil {
		return SandboxUser{}, fmt.Errorf("uid: %w", err)
	}
	if su.GID, err = strconv.Atoi(u.Gid); err != nil {
		return SandboxUser{}, fmt.Errorf("gid: %w", err)
	}
	return su, nil
})

// MacUser returns the sandbox's user; the suites cannot run without one.
func MacUser(t testing.TB) SandboxUser {
	t.Helper()
	u, err := lookupUser()
	if err != nil {
		t.Fatalf("the sandbox's user (XHYVE_SANDBOX_USER=%q): %v: run the suite in the sandbox", os.Getenv("XHYVE_SANDBOX_USER"), err)
	}
	return u
}

// AsRoot reports whether t runs the user's programs as root: its name or a
// subtest's says so.
func AsRoot(t testing.TB) bool {
	for _, part := range strings.Split(t.Name(), "/") {
		if strings.HasSuffix(part, "AsRoot") || strings.HasSuffix(part, "as_root") {
			return true
		}
	}
	return false
}

// Command returns the command for name, run as the sandbox's user when it is
// one of the user's programs and t does not run as root. ctx may be nil.
func Command(t testing.TB, ctx context.Context, name string, args ...string) *exec.Cmd {
	t.Helper()
	var cmd *exec.Cmd
	if ctx != nil {
		cmd = exec.CommandContext(ctx, name, args...)
	} else {
		cmd = exec.Command(name, args...)
	}
	if userProgram(name) && !AsRoot(t) {
		AsUser(t, cmd)
	}
	return cmd
}

// AsUser makes cmd run as the sandbox's user, in the user's environment
// (HOME, USER, LOGNAME added to what cmd.Env holds, or to the test's).
func AsUser(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	u := MacUser(t)
	cmd.SysProcAttr = u.SysProcAttr()
	cmd.Env = append(cmd.Environ(), "HOME="+u.Home, "USER="+u.Name, "LOGNAME="+u.Name)
}

// SysProcAttr runs a process with the user's uid and gid and no
// supplementary groups (not root's), as the Mac user's processes run.
func (u SandboxUser) SysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: &syscall.Credential{
		Uid: uint32(u.UID), Gid: uint32(u.GID), Groups: []uint32{},
	}}
}

// UserTempDir is a directory in the user's home that belongs to the user
// (t.TempDir is root's and closed to others), removed when t ends.
func UserTempDir(t testing.TB) string {
	t.Helper()
	u := MacUser(t)
	dir, err := os.MkdirTemp(u.Home, "e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	GiveToUser(t, dir)
	return dir
}

// GiveToUser makes path (and what is under it) the user's, as files the
// user made on a Mac would be; root's files stay root's in an AsRoot test.
func GiveToUser(t testing.TB, path string) {
	t.Helper()
	if AsRoot(t) {
		return
	}
	u := MacUser(t)
	err := filepath.Walk(path, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, u.UID, u.GID)
	})
	if err != nil {
		t.Fatal(err)
	}
}
