//go:build selftest

// Package sandbox holds the sandbox's own tests, run on the host by `make
// selftest` (they start sandboxes; everything else of the selftest runs
// inside one: test/selftest). They need root, the stand-in in
// .cache/bin and the tiny guest of testguest.sh ($SELFTEST_GUEST).
package sandbox

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var root, _ = filepath.Abs("../..")

// sandbox starts test/sandbox/sandbox.sh with a shell script as CMD, in a
// process group of its own (as a terminal would start it).
func sandbox(t *testing.T, env []string, script string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Fatal("the sandbox needs root")
	}
	var out bytes.Buffer
	cmd := exec.Command(filepath.Join(root, "test/sandbox/sandbox.sh"), "sh", "-c", script)
	cmd.Env = append(append(os.Environ(), "XHYVE_SANDBOX_QUIET=1"), env...)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	return cmd, &out
}

// runSandbox runs a script in a sandbox to its end (deadline 5 minutes) and
// returns its output and exit status.
func runSandbox(t *testing.T, env []string, script string) (string, int) {
	t.Helper()
	cmd, out := sandbox(t, env, script)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), code
	case <-time.After(5 * time.Minute):
		t.Fatalf("sandbox still running after 5 minutes:\n%s", out)
	}
	return "", 0
}

// tinyGuest is the test guest's directory (test/sandbox/testguest.sh).
func tinyGuest(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SELFTEST_GUEST")
	if dir == "" {
		dir = filepath.Join(root, ".cache/testguest")
	}
	for _, f := range []string{"vmlinuz", "initrd.img"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("test guest: %v (make selftest builds it)", err)
		}
	}
	return dir
}

// vmScript boots the tiny guest through the stand-in inside the sandbox
// and waits (up to 90 s) for its DHCP lease; it prints lease-ok.
func vmScript(t *testing.T) string {
	g := tinyGuest(t)
	return `xhyve -A -U "$SELFTEST_UUID" -m 256 -s 0:0,hostbridge -s 31,lpc -s 2:0,virtio-net -F "$MACHINE_STORAGE_PATH/pid" ` +
		`-f "kexec,` + g + `/vmlinuz,` + g + `/initrd.img,console=ttyS0" >/dev/null 2>&1 &
i=0; while [ $i -lt 90 ] && ! grep -q ip_address /var/db/dhcpd_leases; do sleep 1; i=$((i+1)); done
grep -q ip_address /var/db/dhcpd_leases && echo lease-ok`
}

func uuid(t *testing.T) string {
	b, err := os.ReadFile("/proc/sys/kernel/random/uuid")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestSandboxUpAndDown: an empty sandbox comes up and goes, and its exit
// status is CMD's.
func TestSandboxUpAndDown(t *testing.T) {
	start := time.Now()
	if out, code := runSandbox(t, nil, "true"); code != 0 {
		t.Fatalf("empty sandbox: status %d\n%s", code, out)
	}
	t.Logf("empty sandbox up and down in %.2fs", time.Since(start).Seconds())
	if out, code := runSandbox(t, nil, "exit 7"); code != 7 {
		t.Errorf("status %d, want CMD's 7\n%s", code, out)
	}
}

// TestSandboxInside: what the sandbox promises inside (test/README.md),
// and that none of its writes reach the host.
func TestSandboxInside(t *testing.T) {
	probe := "xhyve-sandbox-probe." + strconv.Itoa(os.Getpid())
	plist := "/Library/Preferences/SystemConfiguration/com.apple.vmnet.plist"
	// CMD runs in the test's directory (test/sandbox), not at the root
	asUser := filepath.Join(root, "test/sandbox/as-user")
	checks := []struct{ name, cond string }{
		{"pid 1 is the sandbox's init", `test "$(cat /proc/1/comm)" = sh`},
		{"bridge has 192.168.64.1/24", `ip -4 -o addr show dev "$XHYVE_STANDIN_BRIDGE" | grep -q "inet 192.168.64.1/24"`},
		{"no default route", `test "$(ip route | grep -c default)" = 0`},
		{"/var/db/dhcpd_leases exists", `test -f /var/db/dhcpd_leases`},
		{"vmnet plist: Shared_Net_Address", `grep -q "<string>192.168.64.1</string>" ` + plist},
		{"vmnet plist: Shared_Net_Mask", `grep -q "<string>255.255.255.0</string>" ` + plist},
		{"store has no-error-report", `test -f "$MACHINE_STORAGE_PATH/no-error-report"`},
		{"PATH starts with /usr/local/bin and .cache/bin/", `case "$PATH" in "/usr/local/bin:` + root + `/.cache/bin:"*) ;; *) false ;; esac`},
		{"xhyve and hyperkit on PATH, in /usr/local/bin", `test "$(command -v xhyve)" = /usr/local/bin/xhyve && test "$(command -v hyperkit)" = /usr/local/bin/hyperkit`},
		// The Mac's privilege split.
		{"xhyve and hyperkit are setuid root", `for b in xhyve hyperkit; do test "$(stat -c %U:%a /usr/local/bin/$b)" = root:4755 || exit 1; done`},
		{"the plugin and docker-machine are in /usr/local/bin", `test -x /usr/local/bin/docker-machine-driver-xhyve && test -x /usr/local/bin/docker-machine`},
		{"the user exists with its home in /Users", `test "$XHYVE_SANDBOX_USER" = macuser && test "$(getent passwd macuser | cut -d: -f6)" = /Users/macuser`},
		{"as-user runs as the user, with its home", `test "$("` + asUser + `" sh -c 'id -un; echo $HOME')" = "$(printf 'macuser\n/Users/macuser')"`},
		{"the store is the user's", `test "$MACHINE_STORAGE_PATH" = /Users/macuser/.docker/machine && test "$(stat -c %U "$MACHINE_STORAGE_PATH" "$MACHINE_STORAGE_PATH/cache" | sort -u)" = macuser`},
		{"the lease file is root's, not the user's to write", `test "$(stat -c %U:%a /var/db/dhcpd_leases)" = root:644 && ! test/sandbox/as-user sh -c ': >> /var/db/dhcpd_leases' 2>/dev/null`},
		{"the vmnet plist is root's", `test "$(stat -c %U:%a ` + plist + `)" = root:644`},
		{"the stand-in runs as root for the user", `"` + asUser + `" xhyve -v 2>&1 | grep -q xhyve && test -u /usr/local/bin/xhyve`},
		{"XHYVE_STANDIN_QEMU is executable", `test -x "$XHYVE_STANDIN_QEMU"`},
		{"XHYVE_E2E_GUEST is set", `test -n "$XHYVE_E2E_GUEST"`},
		{"no /etc/exports (a fresh Mac)", `test ! -e /etc/exports`},
		{"/sbin/nfsd is there", `test -x /sbin/nfsd`},
		{"nfsd.env names the server's state", `test -s /run/xhyve-sandbox/nfsd.env`},
		{"dhcp-hosts exists", `test -f "$XHYVE_SANDBOX_STATE/dhcp-hosts"`},
		{"/etc and /run are writable", `touch /etc/` + probe + ` /run/` + probe},
	}
	var script strings.Builder
	for i, c := range checks {
		fmt.Fprintf(&script, "if %s; then echo ok %d; else echo FAIL %d; fi\n", c.cond, i, i)
	}
	out, code := runSandbox(t, nil, script.String())
	if code != 0 {
		t.Fatalf("status %d\n%s", code, out)
	}
	for i, c := range checks {
		if !strings.Contains(out, fmt.Sprintf("ok %d\n", i)) {
			t.Errorf("inside: %s: failed (%s)", c.name, c.cond)
		}
	}

	// On the host: /var/db and /Library untouched, no probe, no /sbin/nfsd.
	if b, _ := os.ReadFile("/var/db/dhcpd_leases"); len(b) != 0 {
		t.Error("the host's /var/db/dhcpd_leases has content")
	}
	if _, err := os.Stat("/Library/Preferences"); !os.IsNotExist(err) {
		t.Errorf("the host has /Library/Preferences: %v", err)
	}
	if entries, _ := os.ReadDir("/Users"); len(entries) != 0 {
		t.Errorf("the host's /Users has %d entries: the sandbox's home reached it", len(entries))
	}
	sbin, _ := filepath.EvalSymlinks("/sbin")
	localbin, _ := filepath.EvalSymlinks("/usr/local/bin")
	for _, p := range []string{"/etc/" + probe, "/run/" + probe, "/run/xhyve-sandbox", filepath.Join(sbin, "nfsd"), filepath.Join(localbin, "xhyve")} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s on the host: the sandbox's writes reached it (%v)", p, err)
		}
	}
}

// TestSandboxTwoAtOnce: two sandboxes at once, each with a VM that gets a
// lease from its own DHCP server.
func TestSandboxTwoAtOnce(t *testing.T) {
	start := time.Now()
	type res struct {
		out  string
		code int
	}
	results := make(chan res, 2)
	for i := 0; i < 2; i++ {
		cmd, out := sandbox(t, []string{"SELFTEST_UUID=" + uuid(t)}, vmScript(t))
		go func() {
			err := cmd.Wait()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			results <- res{out.String(), code}
		}()
	}
	for i := 0; i < 2; i++ {
		select {
		case r := <-results:
			if r.code != 0 || strings.TrimSpace(r.out) != "lease-ok" {
				t.Errorf("sandbox %d: status %d:\n%s", i, r.code, r.out)
			}
		case <-time.After(4 * time.Minute):
			t.Fatal("the sandboxes did not finish in 4 minutes")
		}
	}
	t.Logf("two sandboxes, a VM and a lease in each, in %.1fs", time.Since(start).Seconds())
}

// TestSandboxTeardown: Ctrl-C (SIGINT to the process group) and SIGTERM
// end the sandbox with everything in it: CMD, the VM and its QEMU,
// dnsmasq, and the run's state directory.
func TestSandboxTeardown(t *testing.T) {
	for _, c := range []struct {
		name string
		sig  syscall.Signal
	}{{"SIGINT", syscall.SIGINT}, {"SIGTERM", syscall.SIGTERM}} {
		sig := c.sig
		t.Run(c.name, func(t *testing.T) {
			u := uuid(t)
			token := strconv.Itoa(os.Getpid()) + strconv.Itoa(int(sig))
			ready := filepath.Join(t.TempDir(), "ready")
			cmd, out := sandbox(t, []string{"SELFTEST_UUID=" + u},
				vmScript(t)+" && echo ready > "+ready+" && sleep 3"+token)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			deadline := time.Now().Add(2 * time.Minute)
			for {
				if _, err := os.Stat(ready); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the VM in the sandbox got no lease:\n%s", out)
				}
				time.Sleep(100 * time.Millisecond)
			}
			state := filepath.Join(root, ".cache/sandbox", "run."+strconv.Itoa(cmd.Process.Pid))
			left := func() []string { return mentioning("sleep 3"+token, u, state+"/") }
			if l := left(); len(l) < 3 { // CMD's sleep, the stand-in, QEMU, dnsmasq
				t.Fatalf("cannot see the sandbox's processes from here: %q", l)
			}
			start := time.Now()
			if sig == syscall.SIGINT {
				syscall.Kill(-cmd.Process.Pid, sig) // the terminal's Ctrl-C
			} else {
				cmd.Process.Signal(sig)
			}
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("sandbox still running 30 s after %s", c.name)
			}
			t.Logf("%s: sandbox ended (%s) in %.2fs", c.name, cmd.ProcessState, time.Since(start).Seconds())
			// the kernel reaps the namespace's last processes just after
			for end := time.Now().Add(5 * time.Second); len(left()) > 0 && time.Now().Before(end); {
				time.Sleep(100 * time.Millisecond)
			}
			if l := left(); len(l) > 0 {
				t.Errorf("left after %s: %q", c.name, l)
			}
			if _, err := os.Lstat(state); !os.IsNotExist(err) {
				t.Errorf("state directory %s left: %v", state, err)
			}
		})
	}
}

// mentioning lists the processes whose command line holds any of ss.
func mentioning(ss ...string) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || e.Name() == strconv.Itoa(os.Getpid()) {
			continue
		}
		for _, s := range ss {
			if bytes.Contains(b, []byte(s)) {
				out = append(out, e.Name()+": "+string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
				break
			}
		}
	}
	return out
}
