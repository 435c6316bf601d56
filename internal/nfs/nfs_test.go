package nfs

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/johanneswuerbach/nfsexports"
)

const prefix = "docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev "

func TestExportLine(t *testing.T) {
	ip := net.ParseIP("192.168.64.5")
	tests := []struct{ path, want string }{
		{"/Users", "/Users -alldirs -mapall=501:20 192.168.64.5"},
		{"/Users/me/My Projects", `"/Users/me/My Projects" -alldirs -mapall=501:20 192.168.64.5`},
	}
	for _, tt := range tests {
		if got := ExportLine(tt.path, 501, 20, ip); got != tt.want {
			t.Errorf("ExportLine(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
	if got := BlockID("/Users/me/.docker/machine/machines/dev", "/Users"); got != prefix+"/Users" {
		t.Errorf("BlockID = %q", got)
	}
}

func TestRemoveBlocks(t *testing.T) {
	ours := "# BEGIN: " + prefix + "/Users\n/Users -alldirs -mapall=501:20 192.168.64.5\n# END: " + prefix + "/Users\n"
	other := "# BEGIN: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev2 /Users\n/Users -alldirs -mapall=501:20 192.168.64.6\n# END: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev2 /Users\n"
	vagrant := "# VAGRANT-BEGIN: 501 abc\n\"/Users/me/site\" 192.168.50.4 -alldirs -mapall=501:20\n# VAGRANT-END: 501 abc\n"
	user := "  /Volumes/Data   -ro -network 10.0.0.0 -mask 255.0.0.0  \n\n# my notes\n"
	tests := []struct {
		name, in, want string
		removed        int
	}{
		{"only ours", ours, "", 1},
		{"user lines kept byte for byte", user + ours + user, user + user, 1},
		{"other machine and vagrant kept", other + ours + vagrant, other + vagrant, 1},
		{"our block lost its final newline", user + strings.TrimSuffix(ours, "\n"), user, 1},
		{"begin without end is not ours to cut", "# BEGIN: " + prefix + "/x\n/x 1.2.3.4\n" + user, "# BEGIN: " + prefix + "/x\n/x 1.2.3.4\n" + user, 0},
		{"nothing of ours", user + other, user + other, 0},
		{"empty", "", "", 0},
	}
	for _, tt := range tests {
		got, n := RemoveBlocks([]byte(tt.in), prefix)
		if string(got) != tt.want || n != tt.removed {
			t.Errorf("%s: got %q (%d removed), want %q (%d)", tt.name, got, n, tt.want, tt.removed)
		}
	}
}

// FuzzRemoveBlocks: on any exports file, removing our blocks touches nothing
// else, and a block appended then removed leaves the file as it was.
func FuzzRemoveBlocks(f *testing.F) {
	f.Add([]byte("/Users -alldirs 1.2.3.4\n"))
	f.Add([]byte("# BEGIN: " + prefix + "/a\n/a 1.2.3.4\n# END: " + prefix + "/a\n"))
	f.Add([]byte("# BEGIN: " + prefix + "\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		out, n := RemoveBlocks(data, prefix)
		if !bytes.Contains(data, []byte("# BEGIN: "+prefix)) && (n != 0 || !bytes.Equal(out, data)) {
			t.Fatalf("no block of ours, yet the file changed")
		}
		if n == 0 && !bytes.Equal(out, data) {
			t.Fatalf("nothing removed, yet the file changed")
		}
		if !isSubsequence(out, data) {
			t.Fatalf("output has bytes the input did not")
		}
		if len(data) > 0 && data[len(data)-1] != '\n' {
			return
		}
		block := []byte("# BEGIN: " + prefix + "/fuzz\n/fuzz -alldirs 192.168.64.9\n# END: " + prefix + "/fuzz\n")
		with := append(append([]byte(nil), out...), block...)
		again, m := RemoveBlocks(with, prefix)
		if m != 1 || !bytes.Equal(again, out) {
			t.Fatalf("append then remove: %d removed, %q != %q", m, again, out)
		}
	})
}

func isSubsequence(sub, of []byte) bool {
	i := 0
	for _, b := range of {
		if i < len(sub) && sub[i] == b {
			i++
		}
	}
	return i == len(sub)
}

// TestPlan needs /sbin/nfsd for nfsexports' checkexports: it runs inside the
// e2e sandbox, which provides a stand-in, and is skipped elsewhere.
func TestPlan(t *testing.T) {
	if _, err := os.Stat("/sbin/nfsd"); err != nil {
		t.Skip("no /sbin/nfsd here; make e2e runs this inside the sandbox")
	}
	data, users := t.TempDir(), t.TempDir()
	user := data + " -ro 10.0.0.1\n"
	ip := net.ParseIP("192.168.64.5")
	blocks := []Block{{ID: prefix + users, Line: ExportLine(users, 501, 20, ip)}}
	first, err := Plan([]byte(user), prefix, blocks)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(first), user) || !strings.Contains(string(first), users+" -alldirs -mapall=501:20 192.168.64.5") {
		t.Fatalf("plan: %q", first)
	}
	scratch := filepath.Join(t.TempDir(), "exports")
	os.WriteFile(scratch, first, 0o644)
	if ok, _ := nfsexports.Exists(scratch, prefix+users); !ok {
		t.Error("nfsexports does not see the block")
	}
	blocks[0].Line = ExportLine(users, 501, 20, net.ParseIP("192.168.64.7"))
	second, err := Plan(first, prefix, blocks)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(second), "192.168.64.5") || !strings.Contains(string(second), "192.168.64.7") {
		t.Errorf("address change not reconciled: %q", second)
	}
	if _, err := Plan([]byte(user), prefix, []Block{{ID: prefix + "/bad", Line: "relative/path 1.2.3.4"}}); err == nil {
		t.Error("checkexports accepted a relative path")
	}
	leaked, _ := filepath.Glob(filepath.Join(os.TempDir(), "exports*"))
	for _, f := range leaked {
		if info, err := os.Stat(f); err == nil && !info.IsDir() && strings.Contains(readAll(f), "192.168.64.") {
			t.Errorf("scratch file left in %s: %s", os.TempDir(), f)
		}
	}
}

func TestWithGuestBlock(t *testing.T) {
	script := GuestScript(net.ParseIP("192.168.64.1"), []Mount{{"/Users", "/Users"}})
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
	script := GuestScript(net.ParseIP("192.168.64.1"), []Mount{{weird, "/nfsshares" + weird}}) + "exit $xhyve_nfs_status\n"
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

func TestGuestScriptReportsMountFailure(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mount"), []byte("#!/bin/sh\necho 'mount.nfs: access denied by server' >&2\nexit 32\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "mountpoint"), []byte("#!/bin/sh\nexit 1\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "sleep"), []byte("#!/bin/sh\n"), 0o755)
	script := GuestScript(net.ParseIP("192.168.64.1"), []Mount{{"/Users", filepath.Join(dir, "m")}}) + "exit $xhyve_nfs_status\n"
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "access denied by server") {
		t.Errorf("err %v, output %q: want the server's message", err, out)
	}
}

// fakeSudo installs a sudo that runs its command (after -n) or, when
// password is set, refuses as real sudo -n does.
func fakeSudo(t *testing.T, password bool) string {
	p := filepath.Join(t.TempDir(), "sudo")
	script := "#!/bin/sh\n[ \"$1\" = -n ] || { echo 'fake sudo: -n missing' >&2; exit 9; }\nshift\nexec \"$@\"\n"
	if password {
		script = "#!/bin/sh\necho 'sudo: a password is required' >&2\nexit 1\n"
	}
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReconcileRemoveThroughSudo(t *testing.T) {
	dir := t.TempDir()
	exports := filepath.Join(dir, "exports")
	user := "/Volumes/Data -ro 10.0.0.1\n"
	ours := "# BEGIN: " + prefix + "/Users\n/Users -alldirs -mapall=501:20 192.168.64.5\n# END: " + prefix + "/Users\n"
	os.WriteFile(exports, []byte(user+ours), 0o644)
	nfsd := filepath.Join(dir, "nfsd")
	os.WriteFile(nfsd, []byte("#!/bin/sh\necho \"$@\" >> "+filepath.Join(dir, "nfsd.calls")+"\n"), 0o755)
	h := Host{Exports: exports, NFSD: nfsd, Lock: filepath.Join(dir, "lock"), Sudo: fakeSudo(t, false), Tee: "tee"}

	changed, err := h.Reconcile(prefix, nil)
	if err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	if got, _ := os.ReadFile(exports); string(got) != user {
		t.Errorf("exports = %q, want the user's line only", got)
	}
	if calls, _ := os.ReadFile(filepath.Join(dir, "nfsd.calls")); string(calls) != "restart\n" {
		t.Errorf("nfsd calls %q, want one restart", calls)
	}
	// Nothing of ours left: no write, no restart.
	if changed, err := h.Reconcile(prefix, nil); err != nil || changed {
		t.Errorf("second reconcile changed=%v err=%v", changed, err)
	}

	os.WriteFile(exports, []byte(user+ours), 0o644)
	h.Sudo = fakeSudo(t, true)
	_, err = h.Reconcile(prefix, nil)
	if !errors.Is(err, ErrSudo) || !strings.Contains(err.Error(), "NOPASSWD: tee "+exports+", "+nfsd+" restart") {
		t.Errorf("err = %v, want ErrSudo with the sudoers line", err)
	}
	if got, _ := os.ReadFile(exports); string(got) != user+ours {
		t.Errorf("a refused sudo changed the file: %q", got)
	}
}

func TestReconcileAsRootIsAtomic(t *testing.T) {
	dir := t.TempDir()
	exports := filepath.Join(dir, "exports")
	ours := "# BEGIN: " + prefix + "/Users\n/Users 1.2.3.4\n# END: " + prefix + "/Users\n"
	os.WriteFile(exports, []byte(ours), 0o600)
	h := Host{Exports: exports, NFSD: "/bin/true", Lock: filepath.Join(dir, "lock"), Root: true}
	if changed, err := h.Reconcile(prefix, nil); err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	info, err := os.Stat(exports)
	if err != nil || info.Mode().Perm() != 0o644 || info.Size() != 0 {
		t.Errorf("exports after removal: %v %v", info, err)
	}
	if changed, _ := h.Reconcile(prefix, nil); changed {
		t.Error("removal of nothing rewrote the file")
	}
	missing := Host{Exports: filepath.Join(dir, "none"), NFSD: "/bin/false", Lock: h.Lock, Root: true}
	if changed, err := missing.Reconcile(prefix, nil); err != nil || changed {
		t.Errorf("missing exports file: changed=%v err=%v", changed, err)
	}
	if _, err := os.Stat(missing.Exports); !errors.Is(err, os.ErrNotExist) {
		t.Error("a machine without shares created an exports file")
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	nfsd := filepath.Join(dir, "nfsd")
	os.WriteFile(nfsd, []byte("#!/bin/sh\n"), 0o755)
	h := Host{Exports: filepath.Join(dir, "exports"), NFSD: nfsd, Sudo: fakeSudo(t, false), Tee: "/usr/bin/tee"}
	// The fake sudo runs `-l CMD...` as a command: make -l answer like sudo.
	listing := filepath.Join(dir, "sudo-list")
	os.WriteFile(listing, []byte("#!/bin/sh\n[ \"$1\" = -n ] && [ \"$2\" = -l ] && { shift 2; echo \"$@\"; exit 0; }\nexit 9\n"), 0o755)
	h.Sudo = listing
	if err := h.Check(); err != nil {
		t.Errorf("allowed sudo: %v", err)
	}
	h.Sudo = fakeSudo(t, true)
	if err := h.Check(); !errors.Is(err, ErrSudo) || !strings.Contains(err.Error(), "NOPASSWD") {
		t.Errorf("sudo asking a password: err %v, want ErrSudo with the sudoers line", err)
	}
	h.Root = true
	if err := h.Check(); err != nil {
		t.Errorf("root needs no sudo: %v", err)
	}
	h.NFSD = filepath.Join(dir, "missing")
	if err := h.Check(); err == nil || !strings.Contains(err.Error(), "needs nfsd") {
		t.Errorf("missing nfsd: %v", err)
	}
}

func readAll(p string) string {
	data, _ := os.ReadFile(p)
	return string(data)
}

// TestConcurrentReconcile: machines removed at the same moment never lose
// or resurrect one another's blocks.
func TestConcurrentReconcile(t *testing.T) {
	dir := t.TempDir()
	exports := filepath.Join(dir, "exports")
	user := "/Volumes/Data -ro 10.0.0.1\n"
	var b strings.Builder
	b.WriteString(user)
	const machines = 12
	for i := 0; i < machines; i++ {
		id := fmt.Sprintf("docker-machine-driver-xhyve /m/dev%d /Users", i)
		fmt.Fprintf(&b, "# BEGIN: %s\n/Users -alldirs 192.168.64.%d\n# END: %s\n", id, i+2, id)
	}
	os.WriteFile(exports, []byte(b.String()), 0o644)
	var wg sync.WaitGroup
	errs := make(chan error, machines)
	for i := 0; i < machines; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			h := Host{Exports: exports, NFSD: "/bin/true", Lock: filepath.Join(dir, "lock"), Root: true}
			if _, err := h.Reconcile(fmt.Sprintf("docker-machine-driver-xhyve /m/dev%d ", i), nil); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, _ := os.ReadFile(exports); string(got) != user {
		t.Errorf("after concurrent removals: %q, want only %q", got, user)
	}
}
