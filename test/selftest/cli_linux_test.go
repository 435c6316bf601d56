//go:build selftest

package selftest

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// runStandin runs a stand-in command line that must end by itself and
// returns its stdout, stderr and exit status.
func runStandin(t *testing.T, prog string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	v := startHV(t, prog, args...)
	code = v.mustExit(20 * time.Second)
	return v.stdout.String(), v.stderr.String(), code
}

var macLine = regexp.MustCompile(`^MAC: ([0-9a-f]{2}:){5}[0-9a-f]{2}\n$`)

// TestSelftestCLI: -M, -v, -h and the command lines the real binaries
// reject, with their exit statuses and messages (docs/facts.md §3), for
// both dialects; no VM is booted.
func TestSelftestCLI(t *testing.T) {
	u := uuid.NewString()
	macArgs := func(uuid string) []string {
		return []string{"-M", "-U", uuid, "-s", "2:0,virtio-net", "-f", "kexec,/dev/null,,"}
	}

	t.Run("-M", func(t *testing.T) {
		start := time.Now()
		out, errOut, code := runStandin(t, "xhyve", macArgs(u)...)
		if code != 0 || !macLine.MatchString(out) || errOut != "" {
			t.Fatalf("xhyve -M: stdout %q, stderr %q, status %d; want the MAC line on stdout (written out by the exit)", out, errOut, code)
		}
		t.Logf("xhyve -M: %q in %.2fs", strings.TrimSpace(out), time.Since(start).Seconds())
		if hk, _, code := runStandin(t, "hyperkit", macArgs(u)...); hk != out || code != 0 {
			t.Errorf("hyperkit -M: %q (status %d), xhyve said %q", hk, code, out)
		}
		if other, _, _ := runStandin(t, "xhyve", macArgs(uuid.NewString())...); other == out {
			t.Errorf("another UUID gives the same MAC %q", out)
		}
	})

	t.Run("-v and -h", func(t *testing.T) {
		// docs/facts.md §3: the version and the usage go to stderr.
		if out, errOut, code := runStandin(t, "xhyve", "-v"); code != 0 || firstLine(errOut) != "xhyve: v0.2.0-standin" || out != "" {
			t.Errorf("xhyve -v: status %d, stderr %q, stdout %q; want 0, the banner on stderr only", code, errOut, out)
		}
		if out, errOut, code := runStandin(t, "hyperkit", "-v"); code != 0 || firstLine(errOut) != "hyperkit: v0.20210107-standin" || out != "" {
			t.Errorf("hyperkit -v: status %d, stderr %q, stdout %q; want 0, the banner on stderr only", code, errOut, out)
		}
		for _, d := range dialects {
			if out, errOut, code := runStandin(t, d.prog, "-h"); code != 0 || !strings.HasPrefix(errOut, "Usage: "+d.prog) || out != "" {
				t.Errorf("%s -h: status %d, stderr %q, stdout %q; want 0, the usage on stderr only", d.prog, code, firstLine(errOut), out)
			}
		}
	})

	// Each command line with what each dialect answers: the exit status and
	// a piece of the message, which goes to stderr (usage included). stdout
	// stays empty, except that hyperkit, which takes more (64 vCPUs,
	// virtio-9p, an optional initrd, autopty=PATH) and then fails only at
	// the kernel, has set up its console by then: its "linkname" and "COM1
	// connected" lines are in stdout's buffer, which the exit writes out.
	noKernel := result{1, "kexec: cannot load kernel /dev/null: not a regular file", ""}
	link := filepath.Join(t.TempDir(), "tty")
	for _, c := range []struct {
		args            string
		xhyve, hyperkit result
	}{
		{"-z -f kexec,/dev/null,,", result{1, "illegal option -- z\nUsage: xhyve", ""}, result{1, "illegal option -- z\nUsage: hyperkit", ""}},
		{"-U x", result{1, "Usage: ", ""}, result{1, "Usage: ", ""}},
		{"-s 2 -f kexec,/dev/null,,", result{1, `Invalid PCI slot info field "2"`, ""}, result{1, `Invalid PCI slot info field "2"`, ""}},
		{"-s 40,hostbridge -f kexec,/dev/null,,", result{1, "Invalid PCI slot info field", ""}, result{1, "Invalid PCI slot info field", ""}},
		{"-s 2,virtio-9p -f kexec,/dev/null,,", result{1, `pci slot 2:0: unknown device "virtio-9p"`, ""}, noKernel},
		{"-s 2,virtio-net -s 2,virtio-blk,/x -f kexec,/dev/null,,", result{1, "pci slot 2:0 already occupied!", ""}, result{1, "pci slot 2:0 already occupied!", ""}},
		{"-c 17 -f kexec,/dev/null,,", result{1, "17 vCPUs requested but only 16 available", ""}, noKernel},
		{"-c 0 -f kexec,/dev/null,,", result{1, "Invalid guest vCPUs (0)", ""}, result{1, "Invalid guest vCPUs (0)", ""}},
		{"-f kexec,/dev/null,", result{1, "Invalid firmware argument", ""}, noKernel},
		{"-f linux,/dev/null,,", result{1, "Invalid firmware argument", ""}, result{1, "Invalid firmware argument", ""}},
		{"-f kexec,/nonexistent,,", result{1, "cannot load kernel /nonexistent", ""}, result{1, "cannot load kernel /nonexistent", ""}},
		{"-s 3,virtio-blk,/nonexistent -f kexec,/dev/null,,", result{1, "Could not open backing file", ""}, result{1, "Could not open backing file", ""}},
		{"-s 3,ahci-cd,/nonexistent -f kexec,/dev/null,,", result{1, "Could not open backing file", ""}, result{1, "Could not open backing file", ""}},
		{"-U not-a-uuid -f kexec,/dev/null,,", result{1, `Invalid UUID "not-a-uuid"`, ""}, result{1, `Invalid UUID "not-a-uuid"`, ""}},
		{"-s 31,lpc -l com1,autopty=" + link + " -f kexec,/dev/null,,",
			result{1, "Unable to initialize backend 'autopty=" + link + "' for LPC device COM1", ""},
			result{1, "kexec: cannot load kernel /dev/null: not a regular file",
				`^linkname ` + regexp.QuoteMeta(link) + `\nCOM1 connected to /dev/pts/[0-9]+\n$`}},
		{"-m 1.5G -f kexec,/dev/null,,", result{64, "invalid memsize '1.5G'", ""}, result{64, "invalid memsize '1.5G'", ""}},
		{"-m lots -f kexec,/dev/null,,", result{64, "invalid memsize 'lots'", ""}, result{64, "invalid memsize 'lots'", ""}},
		{"-l com3,stdio -f kexec,/dev/null,,", result{64, "invalid lpc device configuration 'com3,stdio'", ""}, result{64, "invalid lpc device configuration 'com3,stdio'", ""}},
	} {
		for _, d := range []struct {
			prog string
			want result
		}{{"xhyve", c.xhyve}, {"hyperkit", c.hyperkit}} {
			out, errOut, code := runStandin(t, d.prog, strings.Fields(c.args)...)
			stdoutOK := out == ""
			if d.want.stdout != "" {
				stdoutOK = regexp.MustCompile(d.want.stdout).MatchString(out)
			}
			if code != d.want.code || !strings.Contains(errOut, d.want.msg) || !stdoutOK {
				t.Errorf("%s %s: status %d, want %d with %q on stderr and stdout %q; stderr:\n%s\nstdout:\n%s",
					d.prog, c.args, code, d.want.code, d.want.msg, d.want.stdout, harness.Indent(errOut), harness.Indent(out))
			}
		}
	}

	t.Run("hyperkit-only options", func(t *testing.T) {
		out, errOut, code := runStandin(t, "hyperkit", "-c", "64", "-M", "-U", u, "-s", "2,virtio-net",
			"-s", "3,virtio-9p,path=/x,tag=y", "-s", "4,virtio-sock,guest_cid=3", "-f", "kexec,/dev/null")
		if code != 0 || !macLine.MatchString(out) {
			t.Errorf("hyperkit with -c 64, virtio-9p, virtio-sock, -f kexec,KERNEL: status %d, %q %q", code, out, errOut)
		}
	})
}

// result is how a command line ends: its status, a piece of stderr, and a
// pattern stdout matches ("": stdout is empty).
type result struct {
	code        int
	msg, stdout string
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// exitStatus is a finished command's status as a shell reports it.
func exitStatus(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
