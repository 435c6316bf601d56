//go:build selftest

package selftest

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// TestSelftestBoot, for each dialect: the documented command line boots
// the tiny guest; the console pty, the pidfile with the stand-in's pid, a
// DHCP lease for the -M MAC in bootpd's format, a console that can be read
// and typed into, a tap on the bridge, the guest reachable; SIGTERM is the
// power button and the dialect's poweroff status follows, leaving no
// pidfile, QEMU or tap, and the lease (docs/facts.md §3, §4).
//
// stdout is C stdio (§3). xhyve runs with stdout on a terminal, as in a
// user's shell: line-buffered, so "COM1 connected to PTY" comes at once and
// names the console. hyperkit runs with stdout on a pipe, as under a
// program: its "linkname PATH" and "COM1 connected" lines stay buffered
// while the VM runs and arrive at the exit; the console is found through
// autopty=PATH, which replaces whatever was at PATH (here a stale symlink,
// not followed) by a regular file holding the pty's name without newline;
// log=PATH gets the console too.
func TestSelftestBoot(t *testing.T) {
	bridge := os.Getenv("XHYVE_STANDIN_BRIDGE")
	for _, d := range dialects {
		t.Run(d.prog, func(t *testing.T) {
			u := uuid.NewString()
			mac := standinMAC(t, d.prog, u)
			hw := bootpdMAC(t, mac)
			dir := t.TempDir()
			pidfile := filepath.Join(dir, "pid")
			var v *hv
			var pts, ptyFile, victim, logFile string
			if d.prog == "hyperkit" {
				ptyFile, logFile = filepath.Join(dir, "tty"), filepath.Join(dir, "console.log")
				victim = filepath.Join(dir, "victim")
				harness.WriteFile(t, victim, "not a pty name")
				if err := os.Symlink(victim, ptyFile); err != nil { // left by an earlier run
					t.Fatal(err)
				}
				v = startHVWith(t, hvOpts{wiring: pipes}, d.prog, tinyBootArgs(t, u, pidfile, "autopty="+ptyFile+",log="+logFile, guestCmdline)...)
				pts = v.attachAutoptyFile(ptyFile, 30*time.Second)
				t.Logf("autopty file names %s after %s", pts, v.since())
				checkAutoptyFile(t, ptyFile, pts)
				if got := harness.ReadFile(t, victim); got != "not a pty name" {
					t.Errorf("autopty=PATH wrote through the stale symlink at PATH: its target now holds %q", got)
				}
			} else {
				v = startHVWith(t, hvOpts{wiring: terminal}, d.prog, tinyBootArgs(t, u, pidfile, "autopty", guestCmdline)...)
				pts = v.attachPTY(30 * time.Second)
				t.Logf("COM1 connected to %s after %s (stdout on a terminal)", pts, v.since())
			}
			if !waitFor(30*time.Second, func() bool { b, _ := os.ReadFile(pidfile); return len(b) > 0 }) {
				t.Fatalf("no pidfile after %s", v.since())
			}
			if b, _ := os.ReadFile(pidfile); string(b) != strconv.Itoa(v.pid()) {
				t.Errorf("pidfile holds %q, the stand-in is %d", b, v.pid())
			}
			lease := waitLease(t, mac, "", 90*time.Second)
			t.Logf("lease for %s after %s:\n%s", mac, v.since(), harness.Indent(lease["text"]))
			format := regexp.MustCompile(`^\{\n\tname=boot2docker\n\tip_address=192\.168\.64\.[0-9]+\n\thw_address=1,` +
				regexp.QuoteMeta(hw) + `\n\tidentifier=1,` + regexp.QuoteMeta(hw) + `\n\tlease=0x[0-9a-f]+\n\}\n$`)
			if !format.MatchString(lease["text"]) {
				t.Errorf("lease entry not in bootpd format")
			}
			ip := lease["ip_address"]
			if !v.waitConsole(guestReady, 60*time.Second) {
				t.Fatal("the pty reader never saw the guest get ready")
			}
			t.Logf("console: guest ready (ip %s) after %s", ip, v.since())
			if logFile != "" && !waitFor(10*time.Second, func() bool { b, _ := os.ReadFile(logFile); return strings.Contains(string(b), guestReady) }) {
				t.Errorf("log=%s does not hold the console", logFile)
			}
			if tp := taps(); len(tp) != 1 || onlyValue(tp) != bridge {
				t.Errorf("taps %v, want one on %s", tp, bridge)
			}
			if !v.waitConsole(guestPrompt, 30*time.Second) {
				t.Fatal("no shell prompt")
			}
			v.typeLine("echo typed-$((6*7))")
			if !v.waitConsole("typed-42", 20*time.Second) {
				t.Error("typing into the pty does not reach the guest's shell")
			}
			if !pingable(ip) {
				t.Errorf("the host does not reach the guest at %s", ip)
			}
			// What stdout has delivered while the VM runs: everything on a
			// terminal, nothing through a pipe (C stdio's full buffering).
			want := "COM1 connected to " + pts + "\n"
			if d.prog == "hyperkit" {
				if got := v.stdout.String(); got != "" {
					t.Errorf("stdout is a pipe, yet %q arrived while the VM runs (C stdio holds it until exit)", got)
				}
				want = "linkname " + ptyFile + "\n" + want
			} else if got := v.stdout.String(); got != want {
				t.Errorf("stdout (a terminal) while the VM runs: %q, want %q", got, want)
			}

			start := time.Now()
			v.cmd.Process.Signal(syscall.SIGTERM)
			if code := v.mustExit(60 * time.Second); code != d.poweroff {
				t.Errorf("SIGTERM: status %d, want %d (ACPI poweroff)", code, d.poweroff)
			}
			t.Logf("SIGTERM to exit: %.1fs", time.Since(start).Seconds())
			if !strings.Contains(v.console.String(), guestPowerButton) {
				t.Error("the guest saw no power-button press")
			}
			if _, err := os.Lstat(pidfile); !os.IsNotExist(err) {
				t.Errorf("pidfile left after a poweroff: %v", err)
			}
			if q := qemuOf(u); len(q) != 0 {
				t.Errorf("QEMU left: %q", q)
			}
			if !waitFor(5*time.Second, func() bool { return len(taps()) == 0 }) {
				t.Errorf("taps left: %v", taps())
			}
			if leaseOf(t, mac) == nil {
				t.Error("the lease went with the VM (bootpd keeps it)")
			}
			if got := v.stdout.String(); got != want {
				t.Errorf("stdout after the exit: %q, want exactly %q", got, want)
			}
		})
	}
}

// checkAutoptyFile: hyperkit's autopty=PATH is a regular file, mode 0644
// less the umask, holding the pty's name and no newline (docs/facts.md §3).
func checkAutoptyFile(t *testing.T, path, pts string) {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := os.FileMode(0o644) &^ umask(t); !st.Mode().IsRegular() || st.Mode().Perm() != want {
		t.Errorf("autopty file %s: mode %v, want a regular file with mode %v", path, st.Mode(), want)
	}
	if got := harness.ReadFile(t, path); got != pts || !regexp.MustCompile(`^/dev/pts/[0-9]+$`).MatchString(got) {
		t.Errorf("autopty file holds %q, want the pty's name %q without newline", got, pts)
	}
}

// umask is this process's file mode creation mask (the stand-in inherits it).
func umask(t *testing.T) os.FileMode {
	t.Helper()
	for _, l := range harness.OutLines(harness.ReadFile(t, "/proc/self/status")) {
		if v, ok := strings.CutPrefix(l, "Umask:"); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32)
			if err != nil {
				t.Fatal(err)
			}
			return os.FileMode(m)
		}
	}
	t.Fatal("no Umask in /proc/self/status")
	return 0
}

// TestSelftestGuestExits: how the guest stops decides the exit status, per
// dialect (docs/facts.md §3): reboot, halt, a kernel panic (pvpanic) and a
// triple fault (reboot=t makes the kernel reboot through one); the pidfile
// goes in every case.
func TestSelftestGuestExits(t *testing.T) {
	type exit struct {
		name, prog, cmdline, typed string
		want                       int
	}
	var cases []exit
	for _, d := range dialects {
		cases = append(cases,
			exit{"reboot", d.prog, guestCmdline, "reboot", d.reset},
			exit{"halt", d.prog, guestCmdline, "halt", d.halt})
	}
	cases = append(cases,
		exit{"panic", "xhyve", guestCmdline, "echo c > /proc/sysrq-trigger", 3},
		exit{"triple fault", "hyperkit", guestCmdline + " reboot=t", "reboot", 3})
	for _, c := range cases {
		t.Run(c.prog+" "+c.name, func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "pid")
			v := bootTiny(t, c.prog, tinyBootArgs(t, uuid.NewString(), pidfile, "autopty", c.cmdline))
			start := time.Now()
			v.typeLine(c.typed)
			if code := v.mustExit(60 * time.Second); code != c.want {
				t.Errorf("guest %s: status %d, want %d", c.name, code, c.want)
			}
			t.Logf("guest %s to exit: %.1fs", c.name, time.Since(start).Seconds())
			if _, err := os.Lstat(pidfile); !os.IsNotExist(err) {
				t.Errorf("pidfile left: %v", err)
			}
		})
	}
}

func onlyValue(m map[string]string) string {
	for _, v := range m {
		return v
	}
	return ""
}
