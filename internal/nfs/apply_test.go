package nfs

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// fakeSudo installs a sudo that runs its command (after -n) or, when
// password is set, refuses as real sudo -n does.
func fakeSudo(t *testing.T, password bool) string {
	return fakeSudoLog(t, password, "/dev/null")
}

// fakeSudoLog is fakeSudo that also appends each command line to log.
func fakeSudoLog(t *testing.T, password bool, log string) string {
	p := filepath.Join(t.TempDir(), "sudo")
	script := "#!/bin/sh\n[ \"$1\" = -n ] || { echo 'fake sudo: -n missing' >&2; exit 9; }\nshift\necho \"$*\" >> " + log + "\nexec \"$@\"\n"
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
	h := Host{Exports: exports, NFSD: nfsd, Sudo: fakeSudo(t, false), Tee: "tee", Mv: "mv"}

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
	if !errors.Is(err, ErrSudo) || !strings.Contains(err.Error(), "NOPASSWD: tee "+exports+tempSuffix+", mv -f "+exports+tempSuffix+" "+exports+", "+nfsd+" restart") {
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
	h := Host{Exports: exports, NFSD: exitScript(t, 0), Root: true}
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
	missing := Host{Exports: filepath.Join(dir, "none"), NFSD: exitScript(t, 1), Root: true}
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
	exports := filepath.Join(dir, "exports")
	h := Host{Exports: exports, NFSD: nfsd, Sudo: fakeSudo(t, false), Tee: "/usr/bin/tee", Mv: "/bin/mv"}
	// The fake sudo runs `-l CMD...` as a command: make -l answer like sudo.
	listing := filepath.Join(dir, "sudo-list")
	asked := filepath.Join(dir, "asked")
	os.WriteFile(listing, []byte("#!/bin/sh\n[ \"$1\" = -n ] && [ \"$2\" = -l ] && { shift 2; echo \"$@\" >> "+asked+"; exit 0; }\nexit 9\n"), 0o755)
	h.Sudo = listing
	if err := h.Check(); err != nil {
		t.Errorf("allowed sudo: %v", err)
	}
	want := "/usr/bin/tee " + exports + tempSuffix + "\n/bin/mv -f " + exports + tempSuffix + " " + exports + "\n" + nfsd + " restart\n"
	if got, _ := os.ReadFile(asked); string(got) != want {
		t.Errorf("sudo -l asked for\n%s\nwant every step Reconcile runs:\n%s", got, want)
	}
	if line := h.SudoersLine(); !strings.HasSuffix(line, " ALL=(root) NOPASSWD: "+strings.ReplaceAll(strings.TrimSuffix(want, "\n"), "\n", ", ")) {
		t.Errorf("sudoers line %q", line)
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
			h := Host{Exports: exports, NFSD: exitScript(t, 0), Root: true}
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

// TestReconcileSudoSteps: without root the new file is written beside the
// old one and renamed over it, each step an exact sudoers-listed command;
// when the write fails, nothing is renamed.
func TestReconcileSudoSteps(t *testing.T) {
	dir := t.TempDir()
	exports := filepath.Join(dir, "exports")
	user := "/Volumes/Data -ro 10.0.0.1\n"
	ours := "# BEGIN: " + prefix + "/Users\n/Users 1.2.3.4\n# END: " + prefix + "/Users\n"
	os.WriteFile(exports, []byte(user+ours), 0o644)
	log := filepath.Join(dir, "sudo.log")
	nfsd := filepath.Join(dir, "nfsd")
	os.WriteFile(nfsd, []byte("#!/bin/sh\n"), 0o755)
	tee, mv := lookPath(t, "tee"), lookPath(t, "mv")
	h := Host{Exports: exports, NFSD: nfsd, Sudo: fakeSudoLog(t, false, log), Tee: tee, Mv: mv}
	if changed, err := h.Reconcile(prefix, nil); err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	tmp := exports + tempSuffix
	want := tee + " " + tmp + "\n" + mv + " -f " + tmp + " " + exports + "\n" + nfsd + " restart\n"
	if got, _ := os.ReadFile(log); string(got) != want {
		t.Errorf("sudo ran\n%s\nwant\n%s", got, want)
	}
	if got, _ := os.ReadFile(exports); string(got) != user {
		t.Errorf("exports = %q", got)
	}
	if _, err := os.Lstat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary copy is left: %v", err)
	}

	// A tee that fails after writing part of the file (a kill, a full disk).
	os.WriteFile(exports, []byte(user+ours), 0o644)
	os.Remove(log)
	broken := filepath.Join(dir, "broken-tee")
	os.WriteFile(broken, []byte("#!/bin/sh\nhead -c 5 > \"$1\"\necho 'tee: write error' >&2\nexit 1\n"), 0o755)
	h.Tee = broken
	changed, err := h.Reconcile(prefix, nil)
	if err == nil || changed || !strings.Contains(err.Error(), "tee: write error") || !strings.Contains(err.Error(), exports+" is unchanged") {
		t.Errorf("changed=%v err=%v; want the write error", changed, err)
	}
	if got, _ := os.ReadFile(exports); string(got) != user+ours {
		t.Errorf("a failed write changed the exports: %q", got)
	}
	if got, _ := os.ReadFile(log); strings.Contains(string(got), mv) || strings.Contains(string(got), "restart") {
		t.Errorf("after a failed write sudo ran:\n%s", got)
	}
}

func lookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("no %s here", name)
	}
	return p
}

// TestReconcileFullDisk: on a full file system the edit fails with the
// system's "no space" message and the exports file keeps every byte, as
// root and through sudo. It adds an export (a removal would fit in the
// space the old file frees), and needs root on Linux to mount a 64 KiB
// tmpfs.
func TestReconcileFullDisk(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux to mount a small tmpfs (make sandbox CMD='go test ./internal/nfs/' runs it)")
	}
	for _, root := range []bool{false, true} {
		t.Run(map[bool]string{false: "sudo", true: "root"}[root], func(t *testing.T) {
			dir := t.TempDir()
			if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "xhyve-nfs-test", dir).CombinedOutput(); err != nil {
				t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
			}
			t.Cleanup(func() {
				if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
					t.Errorf("umount %s: %v %s", dir, err, out)
				}
			})
			exports := filepath.Join(dir, "exports")
			// Nearly one page of other programs' lines: the new file needs two.
			old := []byte(t.TempDir() + " -ro 10.0.0.1\n" + strings.Repeat("# another program's notes, kept byte for byte\n", 100)[:3900])
			old = append(old, '\n')
			if err := os.WriteFile(exports, old, 0o644); err != nil {
				t.Fatal(err)
			}
			fill(t, filepath.Join(dir, "filler"))
			calls := filepath.Join(t.TempDir(), "nfsd.calls")
			nfsd := filepath.Join(t.TempDir(), "nfsd")
			os.WriteFile(nfsd, []byte("#!/bin/sh\necho \"$@\" >> "+calls+"\n"), 0o755)
			h := Host{Exports: exports, NFSD: nfsd, Root: root, Sudo: fakeSudo(t, false), Tee: lookPath(t, "tee"), Mv: lookPath(t, "mv")}
			share := t.TempDir()
			blocks := []Block{{ID: prefix + share, Line: mustLine(t, share, []byte{192, 168, 64, 5})}}
			changed, err := h.Reconcile(prefix, blocks)
			t.Logf("Reconcile on a full disk: %v", err)
			if err == nil || changed || !strings.Contains(strings.ToLower(err.Error()), "no space left on device") {
				t.Fatalf("changed=%v err=%v; want a no-space error", changed, err)
			}
			if got, err := os.ReadFile(exports); err != nil || string(got) != string(old) {
				t.Errorf("exports after the failure: %q, %v; want %q", got, err, old)
			}
			if got := readAll(calls); strings.Contains(got, "restart") {
				t.Errorf("nfsd was restarted after a failed write: %q", got)
			}
			if info, err := os.Stat(exports + tempSuffix); err == nil && info.Size() != 0 {
				t.Errorf("the partial copy keeps %d bytes of the full disk", info.Size())
			}
		})
	}
}

// fill writes to file until the file system is full.
func fill(t *testing.T, file string) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for i := 0; i < 1<<16; i++ {
		if _, err := f.Write(chunk); err != nil {
			return
		}
	}
	t.Fatal("the file system never filled up")
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
