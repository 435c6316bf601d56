package harness

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The privilege rule: a test runs the user's programs as root when its
// name or a subtest's ends in AsRoot or "as root" (t.Name spells spaces
// as underscores).
func TestRootByName(t *testing.T) {
	for _, c := range []struct {
		path []string
		want bool
	}{
		{[]string{"plain"}, false},
		{[]string{"NFSAsRoot"}, true},
		{[]string{"macOS nfsd as root"}, true},
		{[]string{"as root, then more"}, false},
		{[]string{"AsRootish"}, false},
		{[]string{"sharesAsRoot", "child"}, true},
		{[]string{"parent", "child as root"}, true},
	} {
		var got bool
		var run func(t *testing.T, path []string)
		run = func(t *testing.T, path []string) {
			if len(path) == 0 {
				got = AsRoot(t)
				return
			}
			t.Run(path[0], func(t *testing.T) { run(t, path[1:]) })
		}
		run(t, c.path)
		if got != c.want {
			t.Errorf("AsRoot in %q = %v, want %v", strings.Join(c.path, "/"), got, c.want)
		}
	}
}

func TestCommand(t *testing.T) {
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("XHYVE_SANDBOX_USER", me.Username)
	t.Run("not a user program", func(t *testing.T) {
		if cmd := Command(t, nil, "/usr/bin/xhyve", "-v"); cmd.SysProcAttr != nil || cmd.Env != nil {
			t.Errorf("xhyve runs with %+v, env %q: want the test's own", cmd.SysProcAttr, cmd.Env)
		}
	})
	t.Run("docker-machine as root", func(t *testing.T) {
		if cmd := Command(t, nil, "docker-machine", "ls"); cmd.SysProcAttr != nil || cmd.Env != nil {
			t.Errorf("docker-machine in a root test runs with %+v, env %q: want root's", cmd.SysProcAttr, cmd.Env)
		}
	})
	t.Run("docker-machine", func(t *testing.T) {
		cmd := Command(t, nil, "/usr/local/bin/docker-machine", "ls")
		if cmd.SysProcAttr == nil || cmd.SysProcAttr.Credential == nil {
			t.Fatal("docker-machine runs with root's credentials, want the user's")
		}
		c := cmd.SysProcAttr.Credential
		if strconv.Itoa(int(c.Uid)) != me.Uid || strconv.Itoa(int(c.Gid)) != me.Gid || len(c.Groups) != 0 || c.Groups == nil {
			t.Errorf("credential %+v, want uid %s gid %s and no groups", c, me.Uid, me.Gid)
		}
		for _, kv := range []string{"HOME=" + me.HomeDir, "USER=" + me.Username, "LOGNAME=" + me.Username} {
			if !slices.Contains(cmd.Env, kv) {
				t.Errorf("environment lacks %s", kv)
			}
		}
	})
}

func TestRun(t *testing.T) {
	out, err := Run(t, time.Minute, []string{"HARNESS_X=from-env"}, "sh", "-c", `echo out $HARNESS_X; echo err >&2; exit 3`)
	if err == nil || !strings.Contains(out, "out from-env\n") || !strings.Contains(out, "err\n") {
		t.Errorf("Run = %q, %v: want both streams, the extra variable and the exit status", out, err)
	}
	start := time.Now()
	if _, err := Run(t, 200*time.Millisecond, nil, "sleep", "10"); err == nil || !strings.Contains(err.Error(), "timed out after 200ms") {
		t.Errorf("Run past its deadline: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Run waited %s past a 200ms deadline", d)
	}
}

func TestText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"\n\n", ""},
		{"a", "    a"},
		{"a\nb\n", "    a\n    b"},
	} {
		if got := Indent(c.in); got != c.want {
			t.Errorf("Indent(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := TailString("abcdef", 2); got != "ef" {
		t.Errorf("TailString = %q", got)
	}
	if got := TailString("ab", 5); got != "ab" {
		t.Errorf("TailString of a short string = %q", got)
	}
	if got := OutLines("a\r\nb\n\nc"); !slices.Equal(got, []string{"a", "b", "", "c"}) {
		t.Errorf("OutLines = %q", got)
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	WriteTree(t, dir, map[string]string{"a/b/c.txt": "deep", "top": "x"})
	if got := ReadFile(t, filepath.Join(dir, "a/b/c.txt")); got != "deep" {
		t.Errorf("a/b/c.txt holds %q", got)
	}
	t.Run("write as root", func(t *testing.T) {
		p := filepath.Join(dir, "w")
		WriteFile(t, p, "written")
		if got := ReadFile(t, p); got != "written" {
			t.Errorf("%s holds %q", p, got)
		}
	})
	if got := Tail(filepath.Join(dir, "top"), 10); got != "x" {
		t.Errorf("Tail = %q", got)
	}
	if got := Tail(filepath.Join(dir, "missing"), 10); got != "" {
		t.Errorf("Tail of a missing file = %q", got)
	}
}

func TestSandboxEnv(t *testing.T) {
	t.Setenv("MACHINE_STORAGE_PATH", "/store")
	t.Setenv("XHYVE_E2E_GUEST", "")
	if err := checkSandbox(); err == nil || !strings.Contains(err.Error(), "XHYVE_E2E_GUEST") {
		t.Errorf("CheckSandbox without the guest: %v", err)
	}
	t.Setenv("XHYVE_E2E_GUEST", "/guest")
	if err := checkSandbox(); err != nil {
		t.Errorf("CheckSandbox in a sandbox's environment: %v", err)
	}
	if got := GuestFile("image.tar"); got != "/guest/image.tar" {
		t.Errorf("GuestFile = %q", got)
	}
}

func TestProcessesMentioning(t *testing.T) {
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		t.Skip("no /proc")
	}
	mark := "harness-test-" + strconv.Itoa(os.Getpid())
	// a command after sleep keeps sh from exec'ing it: sh's argv stays
	cmd := exec.Command("sh", "-c", "sleep 30; exit 0", mark)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	want := strconv.Itoa(cmd.Process.Pid) + ": sh -c sleep 30; exit 0 " + mark + " "
	if got := ProcessesMentioning(mark); !slices.Contains(got, want) {
		t.Errorf("ProcessesMentioning(%q) = %q, want %q among them", mark, got, want)
	}
}
