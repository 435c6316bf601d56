//go:build selftest

// Package selftest proves the harness's own parts inside the sandbox, with
// no driver involved: the hypervisor stand-in (test/standin) booting the
// tiny guest of test/sandbox/testguest.sh, the sandbox's DHCP and NFS
// server (`make selftest`, TestSelftest*), and the guest of test/guest
// booted as the driver boots it (`make guest-smoke`, TestGuestSmoke). The
// sandbox seen from the host is test/sandbox/sandbox_test.go. They follow
// docs/facts.md, not the driver: a harness that drifted from the facts
// would make the e2e suite (test/e2e) prove nothing. The helpers both
// suites use are test/harness's.
package selftest

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/wait"
	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

func TestMain(m *testing.M) {
	harness.Main(m, "selftest", "the selftests in the sandbox (make selftest, make guest-smoke)")
}

// The tiny guest's console markers (test/sandbox/testguest.sh).
const (
	guestReady       = "STANDIN-GUEST-READY"
	guestPowerButton = "STANDIN-GUEST-POWERBUTTON"
	guestPrompt      = "guest# "
	guestCmdline     = "console=ttyS0 panic=0"
)

// hvDialect is one of the stand-in's two names with the exit statuses of
// docs/facts.md §3 that differ between them.
type hvDialect struct {
	prog                  string
	poweroff, reset, halt int
}

var dialects = []hvDialect{
	{"xhyve", 1, 0, 2},
	{"hyperkit", 0, 2, 0},
}

func dialect(prog string) hvDialect {
	for _, d := range dialects {
		if d.prog == prog {
			return d
		}
	}
	panic("no dialect " + prog)
}

// tinyGuest returns the test guest's kernel and initrd ($SELFTEST_GUEST,
// built by `make selftest`).
func tinyGuest(t *testing.T) (kernel, initrd string) {
	t.Helper()
	dir := os.Getenv("SELFTEST_GUEST")
	if dir == "" {
		t.Fatal("SELFTEST_GUEST is not set: run the selftests with make selftest")
	}
	kernel, initrd = filepath.Join(dir, "vmlinuz"), filepath.Join(dir, "initrd.img")
	for _, p := range []string{kernel, initrd} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("test guest: %v (test/sandbox/testguest.sh %s builds it)", err, dir)
		}
	}
	return kernel, initrd
}

// tinyBootArgs is the documented xhyve command line (docs/facts.md §3) for
// the tiny guest: console on COM1 with the given backend, one NIC, extra
// options before -f.
func tinyBootArgs(t *testing.T, uuid, pidfile, console, cmdline string, extra ...string) []string {
	kernel, initrd := tinyGuest(t)
	a := []string{"-A", "-U", uuid, "-c", "2", "-m", "512", "-u", "-s", "0:0,hostbridge", "-s", "31,lpc",
		"-l", "com1," + console, "-s", "2:0,virtio-net"}
	if pidfile != "" {
		a = append(a, "-F", pidfile)
	}
	a = append(a, extra...)
	return append(a, "-f", "kexec,"+kernel+","+initrd+","+cmdline)
}

// wiring is how a run of the stand-in is connected: its stdout decides
// how C stdio buffers the lines it prints there (docs/facts.md §3).
type wiring int

const (
	// pipes: stdout and stderr through pipes, as a program that reads the
	// hypervisor's output sees it: stdout is fully buffered, so "COM1
	// connected to ..." (and hyperkit's "linkname", "MAC:") arrive only
	// when the process exits through exit(3), and never when a signal
	// kills it.
	pipes wiring = iota
	// terminal: stdout on a terminal (a pty in raw mode, so the bytes
	// compare exactly), as when a user runs the hypervisor in a shell: C
	// stdio line-buffers it and each line arrives at once. stderr is a
	// pipe.
	terminal
	// stdioConsole: fd 0 is the slave of a pty the test owns, opened
	// read-write, as the driver's supervisor hands it over for -l
	// com1,stdio (internal/supervisor/boot.go); the console is the
	// master. stdout and stderr are pipes.
	stdioConsole
)

// hv is one run of the stand-in: its output, the console seen through a
// pty, and how it ended.
type hv struct {
	t              *testing.T
	prog           string
	cmd            *exec.Cmd
	started        time.Time
	stdout, stderr lockedBuf
	console        lockedBuf
	// pty is what the test types into and reads the console from: the
	// autopty slave (attachPTY) or, with stdioConsole, the master.
	pty *os.File
	// consoleSlave is the stdioConsole slave, kept open by the test to
	// read its terminal settings.
	consoleSlave *os.File
	// stdoutDone is closed once a terminal stdout has been read to its end.
	stdoutDone chan struct{}
	done       chan struct{}
}

// startHV runs prog (xhyve or hyperkit from the sandbox's PATH, the
// setuid-root copies in /usr/local/bin) as root, with its output through
// pipes; the test's cleanup kills whatever is still running.
func startHV(t *testing.T, prog string, args ...string) *hv {
	t.Helper()
	return startHVWith(t, hvOpts{}, prog, args...)
}

// hvOpts is how startHVWith runs the stand-in.
type hvOpts struct {
	wiring wiring
	env    []string // added to the environment
	// asUser runs it as the sandbox's user (macuser), as the Mac user's
	// docker-machine runs the setuid-root hypervisor; a pty the test
	// opens for it is then the user's, as the user's supervisor's is.
	asUser bool
}

// startHVWith runs prog as o says.
func startHVWith(t *testing.T, o hvOpts, prog string, args ...string) *hv {
	t.Helper()
	v := &hv{t: t, prog: prog, done: make(chan struct{})}
	v.cmd = exec.Command(prog, args...)
	if o.env != nil {
		v.cmd.Env = append(os.Environ(), o.env...)
	}
	if o.asUser {
		harness.AsUser(t, v.cmd)
	}
	v.cmd.Stdout, v.cmd.Stderr = &v.stdout, &v.stderr
	w := o.wiring
	var master, slave *os.File
	switch w {
	case terminal, stdioConsole:
		var err error
		if master, slave, err = openTestPTY(); err != nil {
			t.Fatal(err)
		}
		if o.asUser {
			u := harness.MacUser(t)
			if err := os.Chown(slave.Name(), u.UID, -1); err != nil {
				t.Fatal(err)
			}
		}
	}
	switch w {
	case terminal:
		if err := rawTerminal(slave); err != nil {
			t.Fatal(err)
		}
		v.cmd.Stdout = slave
	case stdioConsole:
		v.cmd.Stdin = slave
		v.pty, v.consoleSlave = master, slave
	}
	v.started = time.Now()
	if err := v.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	switch w {
	case terminal:
		// only the stand-in holds the slave: its exit ends the reading
		slave.Close()
		v.stdoutDone = make(chan struct{})
		go func() { copyPTY(master, &v.stdout); master.Close(); close(v.stdoutDone) }()
	case stdioConsole:
		go copyPTY(master, &v.console)
	}
	go func() { v.cmd.Wait(); close(v.done) }()
	t.Cleanup(func() {
		v.cmd.Process.Kill()
		if _, ok := v.exit(10 * time.Second); !ok {
			t.Errorf("%s (pid %d) still there 10 s after SIGKILL", prog, v.cmd.Process.Pid)
		}
		if v.pty != nil {
			v.pty.Close()
		}
		if v.consoleSlave != nil {
			v.consoleSlave.Close()
		}
		if t.Failed() {
			t.Logf("%s %s\nstdout:\n%s\nstderr:\n%s\nconsole (tail):\n%s", prog, strings.Join(args, " "),
				harness.Indent(v.stdout.String()), harness.Indent(v.stderr.String()), harness.Indent(harness.TailString(v.console.String(), 2000)))
		}
	})
	return v
}

func (v *hv) pid() int { return v.cmd.Process.Pid }

func (v *hv) since() string { return fmt.Sprintf("%.1fs", time.Since(v.started).Seconds()) }

// exit waits up to timeout for the process to end and returns its status
// the way a shell reports it (128+N when killed by signal N). A terminal
// stdout has been read to its end by then (within 5 s more).
func (v *hv) exit(timeout time.Duration) (int, bool) {
	select {
	case <-v.done:
	case <-time.After(timeout):
		return 0, false
	}
	if v.stdoutDone != nil {
		select {
		case <-v.stdoutDone:
		case <-time.After(5 * time.Second):
			v.t.Errorf("%s: its terminal (stdout) still open 5 s after it ended", v.prog)
		}
	}
	ws := v.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return 128 + int(ws.Signal()), true
	}
	return ws.ExitStatus(), true
}

// mustExit is exit that fails the test on a timeout.
func (v *hv) mustExit(timeout time.Duration) int {
	v.t.Helper()
	code, ok := v.exit(timeout)
	if !ok {
		v.t.Fatalf("%s still running after %s", v.prog, timeout)
	}
	return code
}

var comLine = regexp.MustCompile(`(?m)^COM1 connected to (\S+)$`)

// attachPTY waits for the "COM1 connected to PTY" line on a terminal
// stdout (wiring terminal: line-buffered, so it comes at once) and reads
// the console from that pty from then on; it returns the pty's name.
func (v *hv) attachPTY(timeout time.Duration) string {
	v.t.Helper()
	if v.stdoutDone == nil {
		v.t.Fatal("attachPTY: stdout is no terminal, so the COM1 line comes at exit only: start with the terminal wiring")
	}
	deadline := time.Now().Add(timeout)
	for {
		if m := comLine.FindStringSubmatch(v.stdout.String()); m != nil {
			v.openConsole(m[1])
			return m[1]
		}
		select {
		case <-v.done:
			v.t.Fatalf("%s exited without a COM1 line", v.prog)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			v.t.Fatalf("no COM1 line after %s", timeout)
		}
	}
}

// attachAutoptyFile waits for hyperkit's autopty=PATH file, reads the
// pty's name from it (the whole file, no newline: docs/facts.md §3) and
// reads the console from that pty; it returns the name. This is how a
// program that reads hyperkit's stdout through a pipe finds the console.
func (v *hv) attachAutoptyFile(path string, timeout time.Duration) string {
	v.t.Helper()
	var name string
	ok := waitFor(timeout, func() bool {
		st, err := os.Lstat(path)
		if err != nil || !st.Mode().IsRegular() {
			return false
		}
		b, _ := os.ReadFile(path)
		name = string(b)
		return strings.HasPrefix(name, "/dev/")
	})
	if !ok {
		v.t.Fatalf("no autopty file naming a pty at %s after %s", path, timeout)
	}
	v.openConsole(name)
	return name
}

// openConsole opens the autopty slave and reads the console from it.
func (v *hv) openConsole(name string) {
	v.t.Helper()
	f, err := os.OpenFile(name, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		v.t.Fatalf("open %s: %v", name, err)
	}
	v.pty = f
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			v.console.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
}

// typeLine types a line into the guest's shell on the console.
func (v *hv) typeLine(s string) {
	v.t.Helper()
	if _, err := v.pty.WriteString(s + "\n"); err != nil {
		v.t.Fatalf("typing into the pty: %v", err)
	}
}

// waitConsole waits up to timeout for s on the console.
func (v *hv) waitConsole(s string, timeout time.Duration) bool {
	return waitFor(timeout, func() bool { return strings.Contains(v.console.String(), s) })
}

// bootTiny starts the tiny guest with its console on autopty and stdout
// on a terminal, and waits for its shell prompt.
func bootTiny(t *testing.T, prog string, args []string) *hv {
	t.Helper()
	v := startHVWith(t, hvOpts{wiring: terminal}, prog, args...)
	v.attachPTY(30 * time.Second)
	if !v.waitConsole(guestReady, 90*time.Second) {
		t.Fatalf("%s: the guest is not ready after %s", prog, v.since())
	}
	// the shell on ttyS0 may still be starting: wait for its prompt
	if !v.waitConsole(guestPrompt, 30*time.Second) {
		t.Fatalf("%s: no shell prompt on the console", prog)
	}
	return v
}

// waitFor polls cond every 100 ms until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	return wait.Until(timeout, 100*time.Millisecond, "a selftest condition", func() (bool, error) { return cond(), nil }) == nil
}

// httpGet is the body of GET url, read within a short deadline (up to
// 1 KiB); a status other than 200 is an error.
func httpGet(url string) (string, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %s", resp.Status)
	}
	return string(b), nil
}
