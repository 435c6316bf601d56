//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestPtyOwnership: the console pty belongs to the stand-in's EFFECTIVE
// uid, mode 0620, as macOS's grantpt makes it: a setuid-root hyperkit's pty
// is root's and the user who ran it cannot open it; an unprivileged run
// gives the user's own pty.
func TestPtyOwnership(t *testing.T) {
	uid, gid := needRoot(t)
	suid := newRig(t, true)
	plain := newRig(t, false)
	if nosuid(suid.dir) {
		t.Skipf("%s is on a nosuid file system", suid.dir)
	}
	for _, tc := range []struct {
		name     string
		r        *rig
		runAs    int
		owner    int
		userOpen bool
	}{
		{"setuid root, run by the user", suid, uid, 0, false},
		{"the user, no setuid", plain, uid, uid, true},
		{"root", plain, -1, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearNotes(tc.r)
			link := filepath.Join(tc.r.qemuDir, "tty")
			s := start(t, tc.r.command("hyperkit", tc.runAs, gid, nil, "-s", "31,lpc", "-l", "com1,autopty="+link, "-f", "kexec,"+tc.r.kernel))
			tc.r.qemuPid(t, s.done)
			name, err := os.ReadFile(link)
			if err != nil {
				t.Fatal(err)
			}
			var st syscall.Stat_t
			if err := syscall.Stat(string(name), &st); err != nil {
				t.Fatal(err)
			}
			if int(st.Uid) != tc.owner || st.Mode&0o7777 != 0o620 {
				t.Errorf("%s: uid %d mode %o, want uid %d mode 620", name, st.Uid, st.Mode&0o7777, tc.owner)
			}
			try := tc.r.command("try-open", uid, gid, nil, string(name))
			out, err := try.CombinedOutput()
			if opened := err == nil; opened != tc.userOpen {
				t.Errorf("uid %d opening %s: %v %s; want success=%v", uid, name, err, out, tc.userOpen)
			}
		})
	}
}

// TestDropPrivileges: xhyve master gives up root once vmnet is set up (a
// setuid-root xhyve goes on as its user); hyperkit and xhyve v0.2.0 keep
// it. Seen through the pidfile: created as root in a directory only root
// may write, it can be removed at exit only by a process still root.
func TestDropPrivileges(t *testing.T) {
	uid, gid := needRoot(t)
	r := newRig(t, true)
	if nosuid(r.dir) {
		t.Skipf("%s is on a nosuid file system", r.dir)
	}
	rootDir := filepath.Join(r.dir, "root-only")
	os.Mkdir(rootDir, 0o755)
	pidfile := filepath.Join(rootDir, "pid")
	for _, tc := range []struct {
		prog, release string
		kept          bool
	}{
		{"xhyve", "", false},
		{"hyperkit", "", true},
	} {
		os.Remove(pidfile)
		_, code, s := run1(t, r.command(tc.prog, uid, gid, []string{"XHYVE_STANDIN_RELEASE=" + tc.release},
			"-M", "-F", pidfile, "-U", testUUID, "-s", "2:0,virtio-net", "-f", "kexec,/dev/null,,"))
		_, err := os.Lstat(pidfile)
		removed := err != nil
		if code != 0 || removed != tc.kept {
			t.Errorf("%s: status %d, pidfile removed %v (stderr %q); want removed only if still root (%v)", tc.prog, code, removed, s.stderr.String(), tc.kept)
		}
		if !tc.kept && !strings.Contains(s.stderr.String(), "Failed to remove pidfile") {
			t.Errorf("%s: stderr %q, want \"Failed to remove pidfile\"", tc.prog, s.stderr.String())
		}
	}
}

// TestRelease020Process: XHYVE_STANDIN_RELEASE=v0.2.0 prints v0.2.0's
// banner and rejects -F and -M as its getopt does.
func TestRelease020Process(t *testing.T) {
	r := newRig(t, false)
	env := []string{"XHYVE_STANDIN_RELEASE=v0.2.0"}
	_, code, s := run1(t, r.command("xhyve", -1, 0, env, "-v"))
	if code != 0 || !strings.HasPrefix(s.stderr.String(), "xhyve: 0.2.0\n\n") {
		t.Errorf("-v: status %d, stderr %q", code, s.stderr.String())
	}
	for _, opt := range []string{"-F", "-M"} {
		_, code, s := run1(t, r.command("xhyve", -1, 0, env, opt, "x", "-f", "kexec,/k,/i,c"))
		want := "xhyve: illegal option -- " + opt[1:] + "\nUsage: xhyve [-behuwxACHPWY] [-c vcpus] [-g <gdb port>] [-l <lpc>]\n"
		if code != 1 || !strings.HasPrefix(s.stderr.String(), want) {
			t.Errorf("%s: status %d, stderr %q", opt, code, s.stderr.String())
		}
	}
	_, code, s = run1(t, r.command("xhyve", -1, 0, env, "-s", "31,lpc", "-l", "com1,autopty", "-f", "kexec,"+r.kernel+",,"))
	if code != 1 || !strings.Contains(s.stderr.String(), "Unable to initialize backend 'autopty' for LPC device COM1") {
		t.Errorf("v0.2.0 has no autopty: status %d, stderr %q", code, s.stderr.String())
	}
}
