//go:build selftest

package selftest

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sys/unix"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// The Mac's privilege split in the sandbox (docs/facts.md §3): the user
// runs the setuid-root hypervisor in /usr/local/bin; vmnet serves it
// because its effective uid is 0, and refuses a caller that is neither
// root nor entitled.

const vmnetRefusal = "virtio_net: Could not create vmnet interface, permission denied or no entitlement?\n"

// TestSelftestVmnetRefused: a refused vmnet ends the start with status 1
// and vmnet's message, on stderr for xhyve master and on the buffered
// stdout for hyperkit (written out by the exit). The pidfile was set up
// before the devices, so it existed and the exit removed it; the console
// (slot 31) comes after the network (slot 2), so there is no COM1 line; no
// QEMU, no tap. XHYVE_STANDIN_VMNET=refuse plays an unentitled caller.
func TestSelftestVmnetRefused(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.prog, func(t *testing.T) {
			dir := t.TempDir()
			pidfile := filepath.Join(dir, "pid")
			events := watchDir(t, dir)
			v := startHVWith(t, hvOpts{env: []string{"XHYVE_STANDIN_VMNET=refuse"}}, d.prog,
				tinyBootArgs(t, uuid.NewString(), pidfile, "autopty", guestCmdline)...)
			code := v.mustExit(30 * time.Second)
			out, errOut := v.stdout.String(), v.stderr.String()
			wantOut, wantErr := "", vmnetRefusal
			if d.prog == "hyperkit" {
				wantOut, wantErr = vmnetRefusal, ""
			}
			if code != 1 || out != wantOut || errOut != wantErr {
				t.Errorf("vmnet refused: status %d, stdout %q, stderr %q; want 1, %q, %q", code, out, errOut, wantOut, wantErr)
			}
			if got, want := strings.Join(events(), ", "), "create pid, write pid, delete pid"; got != want {
				t.Errorf("the pidfile's life: %q, want %q (set up before the devices, removed by the exit)", got, want)
			}
			if _, err := os.Lstat(pidfile); !os.IsNotExist(err) {
				t.Errorf("pidfile left: %v", err)
			}
			if q := anyQEMU(); len(q) != 0 {
				t.Errorf("QEMU started: %q", q)
			}
			if tp := taps(); len(tp) != 0 {
				t.Errorf("taps: %v", tp)
			}
		})
	}
}

// TestSelftestVmnetUser: run by the sandbox's user, the setuid-root
// /usr/local/bin copies get their vmnet interface (-M prints the MAC); a
// copy without the setuid bit (the stand-in in .cache/bin) runs with the
// user's euid and is refused, as vmnet refuses an unentitled user.
func TestSelftestVmnetUser(t *testing.T) {
	u := uuid.NewString()
	args := []string{"-M", "-U", u, "-s", "2:0,virtio-net", "-f", "kexec,/dev/null,,"}
	for _, d := range dialects {
		installed, err := exec.LookPath(d.prog)
		if err != nil || filepath.Dir(installed) != "/usr/local/bin" {
			t.Fatalf("%s on PATH is %q (%v), want the setuid-root copy in /usr/local/bin", d.prog, installed, err)
		}
		v := startHVWith(t, hvOpts{asUser: true}, installed, args...)
		if code := v.mustExit(20 * time.Second); code != 0 || !macLine.MatchString(v.stdout.String()) || v.stderr.String() != "" {
			t.Errorf("%s -M by the user: status %d, stdout %q, stderr %q; want 0 and the MAC", installed, code, v.stdout.String(), v.stderr.String())
		}

		plain := filepath.Join(harness.RepoRoot(t), ".cache/bin", d.prog)
		if st, err := os.Stat(plain); err != nil || st.Mode()&os.ModeSetuid != 0 {
			t.Fatalf("%s: %v, %v; want the stand-in without the setuid bit", plain, err, st.Mode())
		}
		v = startHVWith(t, hvOpts{asUser: true}, plain, args...)
		code := v.mustExit(20 * time.Second)
		refusal := v.stderr.String()
		if d.prog == "hyperkit" {
			refusal = v.stdout.String()
		}
		if code != 1 || refusal != vmnetRefusal || strings.Contains(v.stdout.String(), "MAC:") {
			t.Errorf("%s -M by the user, not setuid: status %d, stdout %q, stderr %q; want 1 and vmnet's refusal", plain, code, v.stdout.String(), v.stderr.String())
		}
	}
}

// TestSelftestUserConsole: the driver's way, for each dialect (and a kill):
// the sandbox's user runs the setuid-root hypervisor from /usr/local/bin
// with -l com1,stdio on a pty of the user's as fd 0 (the supervisor's
// wiring), a pidfile in a directory of the user's, stdout and stderr
// through pipes. vmnet serves it (a lease); xhyve master then drops root
// (every id the user's), hyperkit keeps euid 0 (docs/facts.md §3). The
// stand-in puts the terminal into raw mode and carries the console both
// ways through fd 0. The user may signal it: SIGTERM is the power button,
// the dialect's poweroff status follows, the exit removes the pidfile and
// restores the terminal settings, and nothing was printed. A SIGKILL from
// the user kills QEMU with it (even though hyperkit's ids differ), leaves
// the pidfile and the terminal raw (no exit(3), no atexit work).
func TestSelftestUserConsole(t *testing.T) {
	user := harness.MacUser(t)
	for _, c := range []struct {
		name, prog string
		kill       bool
	}{
		{"xhyve", "xhyve", false},
		{"hyperkit", "hyperkit", false},
		{"hyperkit killed by the user", "hyperkit", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := dialect(c.prog)
			u := uuid.NewString()
			mac := standinMAC(t, c.prog, u)
			pidfile := filepath.Join(harness.UserTempDir(t), "hypervisor.pid")
			v := startHVWith(t, hvOpts{wiring: stdioConsole, asUser: true}, "/usr/local/bin/"+c.prog,
				tinyBootArgs(t, u, pidfile, "stdio", guestCmdline)...)
			before, err := getTermios(v.consoleSlave)
			if err != nil {
				t.Fatal(err)
			}
			if before.Lflag&(unix.ECHO|unix.ICANON) == 0 {
				t.Fatal("the new pty is not a cooked terminal")
			}
			ip := waitLease(t, mac, "", 90*time.Second)["ip_address"]
			t.Logf("lease %s after %s", ip, v.since())

			// all four ids: real, effective, saved, file system
			wantIDs := fmt.Sprintf("%d %d %d %d", user.UID, user.UID, user.UID, user.UID)
			if c.prog == "hyperkit" {
				wantIDs = fmt.Sprintf("%d 0 0 0", user.UID)
			}
			if uids, gids := procIDs(t, v.pid()); uids != wantIDs {
				t.Errorf("%s runs with uids %q (gids %q), want %q", c.prog, uids, gids, wantIDs)
			}
			if tio, err := getTermios(v.consoleSlave); err != nil || tio.Lflag&(unix.ECHO|unix.ICANON) != 0 || tio.Oflag&unix.OPOST != 0 {
				t.Errorf("the console terminal is not raw while the VM runs: %+v, %v", tio, err)
			}
			if !v.waitConsole(guestPrompt, 60*time.Second) {
				t.Fatalf("no shell prompt on the console (fd 0) after %s", v.since())
			}
			v.typeLine("echo typed-$((6*7))")
			if !v.waitConsole("typed-42", 20*time.Second) {
				t.Error("typing into the pty (fd 0) does not reach the guest's shell")
			}

			sig := "TERM"
			if c.kill {
				sig = "KILL"
			}
			start := time.Now()
			kill := exec.Command("kill", "-"+sig, strconv.Itoa(v.pid()))
			kill.SysProcAttr = user.SysProcAttr()
			if out, err := kill.CombinedOutput(); err != nil {
				t.Fatalf("the user's kill -%s: %v %s", sig, err, out)
			}
			code := v.mustExit(60 * time.Second)
			t.Logf("SIG%s to exit: %.1fs", sig, time.Since(start).Seconds())
			after, err := getTermios(v.consoleSlave)
			if err != nil {
				t.Fatal(err)
			}
			if !waitFor(5*time.Second, func() bool { return len(qemuOf(u)) == 0 }) {
				t.Errorf("QEMU left: %q", qemuOf(u))
			}
			if !waitFor(5*time.Second, func() bool { return len(taps()) == 0 }) {
				t.Errorf("taps left: %v", taps())
			}
			if c.kill {
				if code != 128+int(syscall.SIGKILL) {
					t.Errorf("status %d, want %d (killed)", code, 128+int(syscall.SIGKILL))
				}
				if b, err := os.ReadFile(pidfile); err != nil || string(b) != strconv.Itoa(v.pid()) {
					t.Errorf("pidfile after SIGKILL: %q, %v; want it left with the pid", b, err)
				}
				if after.Lflag&(unix.ECHO|unix.ICANON) != 0 {
					t.Error("the terminal was restored, yet a killed process runs no atexit handler")
				}
				return
			}
			if code != d.poweroff {
				t.Errorf("SIGTERM: status %d, want %d (ACPI poweroff)", code, d.poweroff)
			}
			if !strings.Contains(v.console.String(), guestPowerButton) {
				t.Error("the guest saw no power-button press")
			}
			if _, err := os.Lstat(pidfile); !os.IsNotExist(err) {
				t.Errorf("pidfile left after a poweroff: %v", err)
			}
			if after.Lflag != before.Lflag || after.Iflag != before.Iflag || after.Oflag != before.Oflag || after.Cflag != before.Cflag {
				t.Errorf("terminal settings after the exit %+v, want them restored to %+v", after, before)
			}
			if out, errOut := v.stdout.String(), v.stderr.String(); out != "" || errOut != "" {
				t.Errorf("stdout %q, stderr %q; want nothing (the console is fd 0)", out, errOut)
			}
		})
	}
}

// procIDs reads the Uid: and Gid: lines of /proc/PID/status (real,
// effective, saved, file system ids).
func procIDs(t *testing.T, pid int) (uids, gids string) {
	t.Helper()
	for _, l := range harness.OutLines(harness.ReadFile(t, fmt.Sprintf("/proc/%d/status", pid))) {
		if v, ok := strings.CutPrefix(l, "Uid:"); ok {
			uids = strings.Join(strings.Fields(v), " ")
		} else if v, ok := strings.CutPrefix(l, "Gid:"); ok {
			gids = strings.Join(strings.Fields(v), " ")
		}
	}
	return uids, gids
}

// watchDir records what happens to the files of dir from now on (inotify):
// the returned function lists "create NAME", "write NAME" (closed after
// writing) and "delete NAME" in order.
func watchDir(t *testing.T, dir string) func() []string {
	t.Helper()
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_CREATE|unix.IN_CLOSE_WRITE|unix.IN_DELETE); err != nil {
		t.Fatal(err)
	}
	return func() []string {
		var out []string
		buf := make([]byte, 64*1024)
		for {
			n, err := unix.Read(fd, buf)
			if n <= 0 || err != nil {
				return out
			}
			// struct inotify_event: wd, mask, cookie, len, then the name
			for off := 0; off+unix.SizeofInotifyEvent <= n; {
				mask := binary.NativeEndian.Uint32(buf[off+4:])
				size := int(binary.NativeEndian.Uint32(buf[off+12:]))
				name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+size]), "\x00")
				off += unix.SizeofInotifyEvent + size
				switch {
				case mask&unix.IN_CREATE != 0:
					out = append(out, "create "+name)
				case mask&unix.IN_CLOSE_WRITE != 0:
					out = append(out, "write "+name)
				case mask&unix.IN_DELETE != 0:
					out = append(out, "delete "+name)
				}
			}
		}
	}
}
