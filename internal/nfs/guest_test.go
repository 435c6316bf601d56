package nfs

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWithGuestBlock(t *testing.T) {
	script := GuestScript(Server{Addr: net.ParseIP("192.168.64.1")}, []Mount{{"/Users", "/Users"}})
	user := "#!/bin/sh\necho my own setup\n"
	once := WithGuestBlock([]byte(user), script)
	if !strings.HasPrefix(string(once), user) {
		t.Errorf("user lines lost: %q", once)
	}
	twice := WithGuestBlock(once, script)
	if !bytes.Equal(once, twice) {
		t.Errorf("not idempotent:\n%s\n---\n%s", once, twice)
	}
	if fresh := WithGuestBlock(nil, script); !strings.HasPrefix(string(fresh), "#!/bin/sh\n") {
		t.Errorf("new bootsync lacks a shebang: %q", fresh)
	}
}

// TestGuestScriptQuoting runs the script with fake mount tools: paths with
// spaces, quotes and shell syntax must arrive as single arguments.
func TestGuestScriptQuoting(t *testing.T) {
	dir := t.TempDir()
	record := filepath.Join(dir, "calls")
	fake := "#!/bin/sh\nprintf '%s|' \"$@\" >> " + record + "\necho >> " + record + "\n"
	for _, name := range []string{"mount", "mkdir"} {
		os.WriteFile(filepath.Join(dir, name), []byte(fake), 0o755)
	}
	os.WriteFile(filepath.Join(dir, "mountpoint"), []byte("#!/bin/sh\nexit 1\n"), 0o755)
	weird := `/Users/me/it's "a" $(touch pwned) dir`
	script := GuestScript(Server{Addr: net.ParseIP("192.168.64.1")}, []Mount{{weird, "/nfsshares" + weird}}) + "exit $xhyve_nfs_status\n"
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("script failed: %v %s", err, out)
	}
	calls, _ := os.ReadFile(record)
	want := "-p|/nfsshares" + weird + "|\n-t|nfs|-o|" + MountOptions + "|192.168.64.1:" + weird + "|/nfsshares" + weird + "|\n"
	if string(calls) != want {
		t.Errorf("calls:\n%s\nwant:\n%s", calls, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a path was executed as shell code")
	}
}

// TestGuestScriptBuiltinServer: the built-in server is mounted on its one
// port for NFS and MOUNT, over TCP, without the lock manager it lacks.
func TestGuestScriptBuiltinServer(t *testing.T) {
	dir := t.TempDir()
	record := filepath.Join(dir, "calls")
	os.WriteFile(filepath.Join(dir, "mount"), []byte("#!/bin/sh\nprintf '%s|' \"$@\" >> "+record+"\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "mountpoint"), []byte("#!/bin/sh\nexit 1\n"), 0o755)
	script := GuestScript(Server{Addr: net.ParseIP("192.168.64.1"), Port: 40123}, []Mount{{"/Users/me/src", filepath.Join(dir, "src")}}) + "exit $xhyve_nfs_status\n"
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("script failed: %v %s", err, out)
	}
	calls, _ := os.ReadFile(record)
	want := "-t|nfs|-o|noacl,async,nfsvers=3,proto=tcp,mountproto=tcp,nolock,port=40123,mountport=40123|192.168.64.1:/Users/me/src|" + filepath.Join(dir, "src") + "|"
	if string(calls) != want {
		t.Errorf("mount called as %q, want %q", calls, want)
	}
}

func TestGuestScriptReportsMountFailure(t *testing.T) {
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	os.WriteFile(filepath.Join(dir, "mount"), []byte("#!/bin/sh\necho x >> "+calls+"\necho 'mount.nfs: access denied by server' >&2\nexit 32\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "mountpoint"), []byte("#!/bin/sh\nexit 1\n"), 0o755)
	script := guestScript(Server{Addr: net.ParseIP("192.168.64.1")}, []Mount{{"/Users", filepath.Join(dir, "m")}}, 2, 5) + "exit $xhyve_nfs_status\n"
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin"}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "mount 192.168.64.1:/Users on "+filepath.Join(dir, "m")+": ") || !strings.Contains(string(out), "mount.nfs: access denied by server") {
		t.Errorf("err %v, output %q: want the server's message", err, out)
	}
	// The deadline counts whole seconds: it ends 3 to 5 s after the start.
	if took := time.Since(start); took > 12*time.Second {
		t.Errorf("gave up after %s; want about the 5 s deadline", took)
	}
	if data, _ := os.ReadFile(calls); bytes.Count(data, []byte("x")) < 2 {
		t.Errorf("%d mount attempts before the deadline; want retries", bytes.Count(data, []byte("x")))
	}
}

// TestGuestScriptHungMount: a mount that never returns (an unreachable
// server) is cut off, and the retries end at the deadline, with a message.
func TestGuestScriptHungMount(t *testing.T) {
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	os.WriteFile(filepath.Join(dir, "mount"), []byte("#!/bin/sh\necho x >> "+calls+"\nexec sleep 600\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "mountpoint"), []byte("#!/bin/sh\nexit 1\n"), 0o755)
	script := guestScript(Server{Addr: net.ParseIP("192.168.64.1")}, []Mount{{"/a", filepath.Join(dir, "a")}, {"/b", filepath.Join(dir, "b")}}, 1, 5) + "exit $xhyve_nfs_status\n"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", script)
	cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin"}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("the script still ran after %s: no deadline", took)
	}
	if err == nil || !strings.Contains(string(out), "mount 192.168.64.1:/a on "+filepath.Join(dir, "a")+": no answer within 1s") ||
		!strings.Contains(string(out), "mount 192.168.64.1:/b on "+filepath.Join(dir, "b")+": no answer within 1s") {
		t.Errorf("err %v, output %q: want both shares to fail with a timeout", err, out)
	}
	// /a: attempts until the 5 s deadline; /b, after it: one attempt.
	if took > 20*time.Second {
		t.Errorf("took %s for a 5 s deadline and 1 s attempts", took)
	}
	if data, _ := os.ReadFile(calls); bytes.Count(data, []byte("x")) < 3 {
		t.Errorf("%d mount attempts; want retries, then one for the second share", bytes.Count(data, []byte("x")))
	}
}

// TestGuestScriptTimeoutSyntax: the script finds how to call timeout (busybox
// before 1.30 takes -t SECS, later busybox and coreutils a bare SECS) and
// still mounts without one.
func TestGuestScriptTimeoutSyntax(t *testing.T) {
	// fakeTimeout logs its arguments and runs PROG the way each flavour
	// parses them, refusing the other flavour's syntax.
	fakeTimeout := func(log string, old bool) string {
		s := "#!/bin/sh\necho \"$*\" >> " + log + "\n"
		s += "while [ $# -gt 0 ]; do case $1 in -s) shift 2 ;; -t) " + map[bool]string{true: "shift 2", false: "exit 125"}[old] + " ;; -*) exit 125 ;; *) break ;; esac; done\n"
		if !old {
			s += "shift\n" // SECS
		}
		return s + "case $1 in [0-9]*) echo \"timeout: can't execute '$1'\" >&2; exit 127 ;; esac\nexec \"$@\"\n"
	}
	for _, flavour := range []string{"old", "new", "none"} {
		t.Run(flavour, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "timeout.log")
			mounted := filepath.Join(dir, "mounted")
			os.WriteFile(filepath.Join(dir, "mount"), []byte("#!/bin/sh\necho \"$*\" > "+mounted+"\n"), 0o755)
			os.WriteFile(filepath.Join(dir, "mountpoint"), []byte("#!/bin/sh\nexit 1\n"), 0o755)
			for _, tool := range []string{"mkdir", "date", "sleep", "true"} {
				p, err := exec.LookPath(tool)
				if err != nil {
					t.Skipf("no %s here", tool)
				}
				os.Symlink(p, filepath.Join(dir, tool))
			}
			if flavour != "none" {
				os.WriteFile(filepath.Join(dir, "timeout"), []byte(fakeTimeout(log, flavour == "old")), 0o755)
			}
			script := guestScript(Server{Addr: net.ParseIP("192.168.64.1")}, []Mount{{"/Users", filepath.Join(dir, "m")}}, 7, 30) + "exit $xhyve_nfs_status\n"
			cmd := exec.Command("/bin/sh", "-c", script)
			cmd.Env = []string{"PATH=" + dir} // no real timeout on PATH
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("script failed: %v %s", err, out)
			}
			if got, _ := os.ReadFile(mounted); string(got) != "-t nfs -o "+MountOptions+" 192.168.64.1:/Users "+filepath.Join(dir, "m")+"\n" {
				t.Errorf("mount got %q", got)
			}
			calls, _ := os.ReadFile(log)
			want := map[string]string{
				"old":  "-s KILL -t 7 mount -t nfs",
				"new":  "-s KILL 7 mount -t nfs",
				"none": "",
			}[flavour]
			if !strings.Contains(string(calls), want) || (want == "") != (len(calls) == 0) {
				t.Errorf("timeout calls %q; want one like %q", calls, want)
			}
		})
	}
}
