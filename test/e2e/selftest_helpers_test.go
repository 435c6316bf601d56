//go:build e2e && selftest

// The selftests prove the harness's own parts inside the sandbox, with no
// driver involved: the hypervisor stand-in (test/standin) booting the tiny
// guest of test/sandbox/testguest.sh, the sandbox's DHCP and NFS server.
// `make selftest` runs them (TestSelftest*); the sandbox seen from the host
// is test/sandbox/sandbox_test.go. They follow docs/facts.md, not the
// driver: a harness that drifted from the facts would make the e2e suite
// prove nothing.

package e2e

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/wait"
)

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

// lockedBuf collects output written from several goroutines.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// hv is one run of the stand-in: its output, the console seen through its
// pty, and how it ended.
type hv struct {
	t              *testing.T
	prog           string
	cmd            *exec.Cmd
	started        time.Time
	stdout, stderr lockedBuf
	console        lockedBuf
	pty            *os.File
	done           chan struct{}
}

// startHV runs prog (xhyve or hyperkit from the sandbox's PATH); the test's
// cleanup kills whatever is still running.
func startHV(t *testing.T, prog string, args ...string) *hv {
	t.Helper()
	v := &hv{t: t, prog: prog, done: make(chan struct{})}
	v.cmd = exec.Command(prog, args...)
	v.cmd.Stdout, v.cmd.Stderr = &v.stdout, &v.stderr
	v.started = time.Now()
	if err := v.cmd.Start(); err != nil {
		t.Fatal(err)
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
		if t.Failed() {
			t.Logf("%s %s\nstdout:\n%s\nstderr:\n%s\nconsole (tail):\n%s", prog, strings.Join(args, " "),
				indent(v.stdout.String()), indent(v.stderr.String()), indent(tailString(v.console.String(), 2000)))
		}
	})
	return v
}

func (v *hv) pid() int { return v.cmd.Process.Pid }

func (v *hv) since() string { return fmt.Sprintf("%.1fs", time.Since(v.started).Seconds()) }

// exit waits up to timeout for the process to end and returns its status
// the way a shell reports it (128+N when killed by signal N).
func (v *hv) exit(timeout time.Duration) (int, bool) {
	select {
	case <-v.done:
	case <-time.After(timeout):
		return 0, false
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

// attachPTY waits for the "COM1 connected to PTY" line and reads the
// console from that pty from then on; it returns the pty's name.
func (v *hv) attachPTY(timeout time.Duration) string {
	v.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if m := comLine.FindStringSubmatch(v.stdout.String()); m != nil {
			f, err := os.OpenFile(m[1], os.O_RDWR|syscall.O_NOCTTY, 0)
			if err != nil {
				v.t.Fatalf("open %s: %v", m[1], err)
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

// bootTiny starts the tiny guest and waits for its shell prompt.
func bootTiny(t *testing.T, prog string, args []string) *hv {
	t.Helper()
	v := startHV(t, prog, args...)
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

// standinMAC is what `xhyve -M` prints for uuid (docs/facts.md §3).
func standinMAC(t *testing.T, prog, uuid string) string {
	t.Helper()
	out, err := exec.Command(prog, "-M", "-U", uuid, "-s", "2:0,virtio-net", "-f", "kexec,/dev/null,,").CombinedOutput()
	mac, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "MAC: ")
	if err != nil || !ok {
		t.Fatalf("%s -M: %q, %v", prog, out, err)
	}
	return mac
}

// bootpdMAC writes a MAC as /var/db/dhcpd_leases does: octets without
// zero padding (docs/facts.md §4).
func bootpdMAC(t *testing.T, mac string) string {
	t.Helper()
	hw, err := net.ParseMAC(mac)
	if err != nil {
		t.Fatal(err)
	}
	parts := make([]string, len(hw))
	for i, b := range hw {
		parts[i] = fmt.Sprintf("%x", b)
	}
	return strings.Join(parts, ":")
}

// leaseEntries reads /var/db/dhcpd_leases as bootpd writes it: brace
// blocks of key=value lines (docs/facts.md §4), newest first. Each entry
// also keeps its whole text under "text".
func leaseEntries(t *testing.T) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(leasesFile)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, block := range strings.SplitAfter(string(data), "}\n") {
		text := strings.TrimLeft(block, "\n")
		if !strings.HasPrefix(text, "{\n") || !strings.HasSuffix(text, "}\n") {
			continue
		}
		e := map[string]string{"text": text}
		for _, line := range strings.Split(text[2:len(text)-2], "\n") {
			if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
				e[k] = v
			}
		}
		out = append(out, e)
	}
	return out
}

// leaseOf returns the first (newest) lease entry of a MAC, nil if none.
func leaseOf(t *testing.T, mac string) map[string]string {
	t.Helper()
	hw := "1," + bootpdMAC(t, mac)
	for _, e := range leaseEntries(t) {
		if e["hw_address"] == hw {
			return e
		}
	}
	return nil
}

// waitLease waits for a lease of mac, optionally for a given address.
func waitLease(t *testing.T, mac, ip string, timeout time.Duration) map[string]string {
	t.Helper()
	var e map[string]string
	if !waitFor(timeout, func() bool { e = leaseOf(t, mac); return e != nil && (ip == "" || e["ip_address"] == ip) }) {
		t.Fatalf("no lease for %s (%q) after %s:\n%s", mac, ip, timeout, tail(leasesFile, 2000))
	}
	return e
}

// taps lists the stand-in's tap interfaces ("xh-..."), with the bridge each
// is a port of ("" when none). From `ip`: the sandbox's /sys belongs to the
// host's network namespace.
func taps() map[string]string {
	out := map[string]string{}
	b, _ := exec.Command("ip", "-o", "link", "show").Output()
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || !strings.HasPrefix(f[1], "xh-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
		out[name] = ""
		for i := 2; i+1 < len(f); i++ {
			if f[i] == "master" {
				out[name] = f[i+1]
			}
		}
	}
	return out
}

// qemuOf lists the QEMU processes of the VM with this UUID.
func qemuOf(uuid string) []string {
	var out []string
	for _, p := range processesMentioning(uuid) {
		if strings.Contains(p, "qemu-system") {
			out = append(out, p)
		}
	}
	return out
}

// anyQEMU lists every QEMU process in the sandbox.
func anyQEMU() []string { return processesMentioning("qemu-system") }

// pingable sends one ICMP echo (busybox ping, from the sandbox's packages).
func pingable(ip string) bool {
	return exec.Command("busybox", "ping", "-q", "-c1", "-W5", ip).Run() == nil
}
