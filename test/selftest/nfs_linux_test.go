//go:build selftest

package selftest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// nfsdRun runs the sandbox's /sbin/nfsd (the stand-in of test/nfsd) and
// returns its combined output and exit status.
func nfsdRun(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, err := harness.Run(t, 2*time.Minute, nil, "/sbin/nfsd", args...)
	return out, exitStatus(err)
}

// nfsdExports is what the running server exports, one "PATH CLIENTS" line
// per directory joined with ";" (as its mountd lists them).
func nfsdExports(t *testing.T) string {
	t.Helper()
	out, code := nfsdRun(t, "exports")
	if code != 0 {
		t.Fatalf("nfsd exports: status %d: %s", code, out)
	}
	return strings.Join(harness.OutLines(out), ";")
}

// TestSelftestNFSServer, the server side of NFS with no VM (docs/facts.md
// §5): /etc/exports and /sbin/nfsd as on a fresh Mac, checkexports and its
// messages, restart adding and dropping exports as mountd lists them,
// stable export ids, a reload rather than a restart, bad entries left out,
// stop/start/update.
func TestSelftestNFSServer(t *testing.T) {
	d := t.TempDir()
	for _, sub := range []string{"a", "b", "c/sub", "space dir"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	a, b := filepath.Join(d, "a"), filepath.Join(d, "b")
	state := filepath.Join(os.Getenv("XHYVE_SANDBOX_STATE"), "nfs")
	t.Cleanup(func() {
		os.Remove(harness.ExportsFile)
		nfsdRun(t, "stop")
	})

	if _, err := os.Lstat(harness.ExportsFile); !os.IsNotExist(err) {
		t.Fatalf("%s exists at start (a fresh Mac has none): %v", harness.ExportsFile, err)
	}
	if out, _ := nfsdRun(t, "-v"); !strings.Contains(out, "usage: nfsd") {
		t.Errorf("/sbin/nfsd is not the stand-in: %q", out)
	}
	if out, _ := nfsdRun(t, "status"); !strings.Contains(out, "nfsd is not running") {
		t.Errorf("status before any start: %q", out)
	}
	if _, code := nfsdRun(t, "update"); code == 0 {
		t.Error("nfsd update succeeds with no server running")
	}

	t.Run("checkexports", func(t *testing.T) {
		good := filepath.Join(d, "good")
		harness.WriteFile(t, good, "# c\n"+a+" -alldirs -mapall=0:0 192.168.64.2\n\""+filepath.Join(d, "space dir")+
			"\" -ro 192.168.64.3 \\\n  192.168.64.4\n")
		if out, code := nfsdRun(t, "-F", good, "checkexports"); code != 0 {
			t.Errorf("comments, quotes and a continuation: status %d: %s", code, out)
		}
		bad := filepath.Join(d, "bad")
		for _, c := range []struct{ line, msg string }{
			{"relative/dir 192.168.64.2", "got host/group with no directory"},
			{"@/missing 192.168.64.2", "non-existent components"},
			{"@/a -bogus 192.168.64.2", "unrecognized export option"},
			{"@/a -mapall=no-such-user 192.168.64.2", "Unknown user"},
			{"@/a -mapall=0: 192.168.64.2", "no groups found"},
			{"@/a -mapall=0:0 -maproot=0:0 192.168.64.2", "mutually exclusive"},
			{"@/a -network 10.0.0.0 -mask 255.0.0.0 192.168.64.2", "both network and hosts"},
			{"@/a no-such-host.invalid", "couldn't get address for host"},
			{"@/a 192.168.64.2 @/b", "Directories must be first"},
		} {
			harness.WriteFile(t, bad, "# line 1\n"+strings.ReplaceAll(c.line, "@", d)+"\n")
			out, code := nfsdRun(t, "-F", bad, "checkexports")
			if !regexp.MustCompile(`(?m)^exports:2: .*`+regexp.QuoteMeta(c.msg)).MatchString(out) || code != 1 {
				t.Errorf("%s: status %d, %q; want 1 and exports:2: ...%s", c.line, code, out, c.msg)
			}
		}
		for _, c := range []struct{ file, msg string }{
			{a + " -mapall=0:0 192.168.64.2\n" + a + " -mapall=1:1 192.168.64.2\n", "^exports:2: conflicting exports for"},
			{filepath.Join(d, "c") + " 192.168.64.2\n" + filepath.Join(d, "c/sub") + " 192.168.64.3\n", "^exports:2: .* conflicts with existing export"},
		} {
			harness.WriteFile(t, bad, c.file)
			if out, code := nfsdRun(t, "-F", bad, "checkexports"); code != 1 || !regexp.MustCompile("(?m)"+c.msg).MatchString(out) {
				t.Errorf("status %d, %q; want 1 and %s for:\n%s", code, out, c.msg, c.file)
			}
		}
	})

	t.Run("restart starts the server", func(t *testing.T) {
		harness.WriteFile(t, harness.ExportsFile, a+" -alldirs -mapall=0:0 192.168.64.2\n")
		start := time.Now()
		if out, code := nfsdRun(t, "restart"); code != 0 {
			t.Fatalf("first restart: status %d: %s", code, out)
		}
		t.Logf("first nfsd restart (starts rpcbind, rpc.statd, ganesha): %.2fs", time.Since(start).Seconds())
		if out, _ := nfsdRun(t, "status"); !strings.Contains(out, "nfsd is running") {
			t.Errorf("status: %q", out)
		}
		if got := nfsdExports(t); got != a+" 192.168.64.2" {
			t.Errorf("served %q", got)
		}
		out, _ := harness.Run(t, 30*time.Second, nil, "rpcinfo", "-p", "192.168.64.1")
		for _, prog := range []string{`100003\s+3\s+tcp\s+2049`, `100003\s+4\s+tcp\s+2049`, `100005\s+3\s+tcp\s+20048`,
			`100005\s+3\s+udp\s+20048`, `100021\s+4\s+tcp\s+32803`, `100024\s+1\s+udp`} {
			if !regexp.MustCompile(prog).MatchString(out) {
				t.Errorf("rpcbind on 192.168.64.1 does not list %s", prog)
			}
		}
		ss, _ := harness.Run(t, 30*time.Second, nil, "ss", "-Hltn")
		for _, port := range []string{"2049", "20048", "32803"} {
			if !regexp.MustCompile(`192\.168\.64\.1\]?:` + port + `\s`).MatchString(ss) {
				t.Errorf("nothing listens on 192.168.64.1:%s", port)
			}
			if regexp.MustCompile(`(0\.0\.0\.0|\*|\[::\]):` + port + `\s`).MatchString(ss) {
				t.Errorf("port %s listens on every address", port)
			}
		}
	})

	t.Run("restart adds, drops, keeps export ids", func(t *testing.T) {
		ids := harness.ReadFile(t, filepath.Join(state, "export-ids"))
		harness.WriteFile(t, harness.ExportsFile, a+" -alldirs -mapall=0:0 192.168.64.2\n"+a+" -alldirs -mapall=0:0 192.168.64.3\n"+
			b+" -ro -network 192.168.64.0 -mask 255.255.255.0\n")
		start := time.Now()
		if out, code := nfsdRun(t, "restart"); code != 0 {
			t.Fatalf("restart: status %d: %s", code, out)
		}
		t.Logf("reload: %.2fs", time.Since(start).Seconds())
		if got, want := nfsdExports(t), a+" 192.168.64.2,192.168.64.3;"+b+" 192.168.64.0/24"; got != want {
			t.Errorf("after adding: %q, want %q", got, want)
		}
		harness.WriteFile(t, harness.ExportsFile, a+" -alldirs -mapall=0:0 192.168.64.3\n")
		start = time.Now()
		if out, code := nfsdRun(t, "restart"); code != 0 {
			t.Fatalf("restart: status %d: %s", code, out)
		}
		t.Logf("reload: %.2fs", time.Since(start).Seconds())
		if got, want := nfsdExports(t), a+" 192.168.64.3"; got != want {
			t.Errorf("after dropping a client and an export: %q, want %q", got, want)
		}
		if now := harness.ReadFile(t, filepath.Join(state, "export-ids")); firstLine(now) != firstLine(ids) {
			t.Errorf("export id changed (file handles would go stale): %q, was %q", firstLine(now), firstLine(ids))
		}
		if n := strings.Count(harness.ReadFile(t, filepath.Join(state, "nfsd.log")), "started ganesha"); n != 1 {
			t.Errorf("ganesha started %d times, want 1 (reloaded, not restarted)", n)
		}
	})

	t.Run("a bad entry is left out", func(t *testing.T) {
		harness.WriteFile(t, harness.ExportsFile, a+" -alldirs 192.168.64.3\n"+b+" -bogus 192.168.64.4\n")
		out, code := nfsdRun(t, "restart")
		if code != 0 || !strings.Contains(out, "exports:2: ") {
			t.Errorf("restart with a bad line 2: status %d, %q", code, out)
		}
		if got := nfsdExports(t); got != a+" 192.168.64.3" {
			t.Errorf("served %q, want the good line only", got)
		}
		os.Remove(harness.ExportsFile)
		if out, code := nfsdRun(t, "restart"); code != 0 || nfsdExports(t) != "" {
			t.Errorf("no /etc/exports: status %d (%s), serves %q", code, out, nfsdExports(t))
		}
	})

	t.Run("stop, start, update", func(t *testing.T) {
		nfsdRun(t, "stop")
		for _, p := range []string{"ganesha.nfsd", "rpcbind", "rpc.statd"} {
			if exec.Command("pgrep", "-x", p).Run() == nil {
				t.Errorf("%s still runs after nfsd stop", p)
			}
		}
		harness.WriteFile(t, harness.ExportsFile, b+" 192.168.64.9\n")
		start := time.Now()
		if out, code := nfsdRun(t, "start"); code != 0 {
			t.Fatalf("start: status %d: %s", code, out)
		}
		t.Logf("nfsd start: %.2fs", time.Since(start).Seconds())
		if got := nfsdExports(t); got != b+" 192.168.64.9" {
			t.Errorf("after start: %q", got)
		}
		harness.WriteFile(t, harness.ExportsFile, "")
		if out, code := nfsdRun(t, "update"); code != 0 || nfsdExports(t) != "" {
			t.Errorf("update with an empty file: status %d (%s), serves %q", code, out, nfsdExports(t))
		}
	})
}
