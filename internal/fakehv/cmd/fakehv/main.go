// Command fakehv is a fake xhyve/hyperkit for unit tests; see package fakehv.
// It builds and runs on macOS and Linux alike.
package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
	"github.com/zchee/docker-machine-driver-xhyve/test/standin/xhyveargv"
)

type exitCodes struct{ reset, poweroff, crash int }

var codes = map[string]exitCodes{
	"xhyve":    {reset: 0, poweroff: 1, crash: 3},
	"hyperkit": {reset: 2, poweroff: 0, crash: 3},
}

func main() {
	// First, before the runtime opens anything of its own: what the
	// hypervisor was given beyond stdin, stdout and stderr.
	fds := inheritedFDs()
	self, err := os.Executable()
	if err != nil {
		die("%v", err)
	}
	// Started through a symlink (hyperkit installed as com.docker.hyperkit),
	// macOS reports the link and Linux the target: the behaviour file and
	// the counters live next to the installed binary on both.
	if resolved, err := filepath.EvalSymlinks(self); err == nil {
		self = resolved
	}
	var b fakehv.Behavior
	if data, err := os.ReadFile(self + ".json"); err == nil {
		if err := json.Unmarshal(data, &b); err != nil {
			die("behaviour: %v", err)
		}
	}
	if b.Dialect == "" {
		b.Dialect = "xhyve"
	}
	prog := filepath.Base(os.Args[0])
	a, err := parse(b.Dialect, prog, os.Args[1:])
	if err != nil {
		// As the real binary refuses it: its message, the usage after
		// getopt's, status 1 or 64.
		os.Exit(xhyveargv.Report(os.Stderr, prog, err))
	}
	switch {
	case a.version:
		home := map[string]string{"xhyve": "https://github.com/mist64/xhyve", "hyperkit": "https://github.com/docker/hyperkit"}[b.Dialect]
		fmt.Fprintf(os.Stderr, "%s: v0.0.0-fake\n\nHomepage: %s\nLicense: BSD\n\n", b.Dialect, home)
		return
	case a.help:
		d, _ := dialectNamed(b.Dialect)
		os.Stderr.WriteString(xhyveargv.UsageText(d, prog))
		return
	case a.mac && b.FailStart != "":
		fmt.Println(b.FailStart) // vmnet reports on stdout
		os.Exit(1)
	case a.mac:
		// The MAC is printed during virtio-net setup, from the -U id.
		if a.uuid == "" || !a.net {
			die("-M needs -U and a virtio-net slot: the MAC is printed during virtio-net setup")
		}
		fmt.Printf("MAC: %s\n", macFor(a.uuid))
		return
	}
	os.WriteFile(self+".fds", []byte(fds), 0o644)
	if b.FailStart != "" {
		fmt.Println(b.FailStart)
		os.Exit(1)
	}
	if err := a.fakeLimits(); err != nil {
		die("%v", err)
	}
	if err := a.checkBoot(); err != nil {
		die("%v", err)
	}
	time.Sleep(time.Duration(b.SetupMS) * time.Millisecond)
	// Catch SIGTERM before the pidfile says the VM exists, so that a caller
	// who saw the pidfile gets the power button, never a kill by the race;
	// the loop below decides between the two from ACPIAfterMS.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	pf, err := os.OpenFile(a.pidfile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		die("pidfile: %v", err)
	}
	fmt.Fprintf(pf, "%d\n", os.Getpid())
	pf.Close()
	exit := func(code int) {
		os.Remove(a.pidfile) // removed at every normal exit
		os.Exit(code)
	}
	// Device setup, after the pidfile: the disks open, vmnet starts, and
	// the stdio console takes fd 0 (raw, as the real ttyopen sets it).
	if err := a.checkDisks(); err != nil {
		fmt.Fprintf(os.Stderr, "fakehv: %v\n", err)
		exit(1)
	}
	if b.FailSetup != "" {
		fmt.Println(b.FailSetup) // xhyve prints a refused vmnet on stdout
		exit(1)
	}
	powerButton := a.setupVpnkit()
	console := io.Discard
	if a.stdio {
		if _, err := term.MakeRaw(0); err == nil {
			console = os.Stdin // the stdio backend writes to fd 0 too
		}
	}
	if b.Orphan {
		orphan(self)
	}
	// The vCPUs start: a kernel with a ttyS0 console writes to it at once.
	appendByte(self + ".boots")
	start := time.Now()
	c := codes[b.Dialect]
	ending := func(code int) {
		if b.LastWords != "" {
			io.WriteString(console, b.LastWords)
		}
		exit(code)
	}
	if a.consoleOnCOM1() && !b.QuietGuest {
		io.WriteString(console, "Linux version 0.0.0-fakehv (console=ttyS0)\r\n")
	}
	if b.Console != "" {
		go io.WriteString(console, b.Console)
	}
	if b.FloodBytes > 0 {
		go flood(console, os.Stderr, b.FloodBytes)
	}
	if b.Leases != "" {
		go func() {
			time.Sleep(time.Duration(b.LeaseAfterMS) * time.Millisecond)
			if err := writeLease(b.Leases, b.LeaseIP, macFor(a.uuid), time.Now().Add(time.Hour)); err != nil {
				fmt.Fprintf(os.Stderr, "fakehv: dhcp: %v\n", err)
			}
		}()
	}
	if b.SSHAddr != "" {
		go serveBanner(b.SSHAddr)
	}

	var fate <-chan time.Time
	code := -1
	resets := countFile(self + ".resets")
	switch {
	case resets < b.Resets:
		appendByte(self + ".resets")
		fate, code = time.After(time.Duration(b.RunMS)*time.Millisecond), c.reset
	case b.Then == "poweroff":
		fate, code = time.After(time.Duration(b.RunMS)*time.Millisecond), c.poweroff
	case b.Then == "crash":
		fate, code = time.After(time.Duration(b.RunMS)*time.Millisecond), c.crash
	}
	for {
		select {
		case <-fate:
			ending(code)
		case <-powerButton:
			powerButton = nil // pressed once; the guest powers off
			fate, code = time.After(time.Duration(b.PowerOffMS)*time.Millisecond), c.poweroff
		case <-sigs:
			if b.IgnoreTERM {
				continue
			}
			if time.Since(start) < time.Duration(b.ACPIAfterMS)*time.Millisecond {
				signal.Reset(syscall.SIGTERM) // no ACPI yet: SIGTERM kills
				syscall.Kill(os.Getpid(), syscall.SIGTERM)
				select {}
			}
			fate, code = time.After(time.Duration(b.PowerOffMS)*time.Millisecond), c.poweroff
		}
	}
}

// macFor stands in for vmnet, whose MAC is fixed by the -U interface id
// (docs/facts.md §3): the same UUID always gets the same address.
func macFor(uuid string) net.HardwareAddr {
	sum := sha256.Sum256([]byte(strings.ToLower(uuid)))
	mac := net.HardwareAddr(sum[:6])
	mac[0] = mac[0]&^1 | 2 // unicast, locally administered
	return mac
}

func serveBanner(addr string) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ssh listener: %v\n", err)
		return
	}
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		c.Write([]byte("SSH-2.0-fakehv\r\n"))
		c.Close()
	}
}

// flood writes n bytes of numbered lines, then "flood done", to the console
// and to stderr.
func flood(console, stderr io.Writer, n int) {
	for _, w := range []io.Writer{console, stderr} {
		for i, written := 0, 0; written < n; i++ {
			k, err := fmt.Fprintf(w, "flood line %08d: the quick brown fox jumps over the lazy dog\r\n", i)
			if err != nil {
				return
			}
			written += k
		}
		fmt.Fprintf(w, "flood done\r\n")
	}
}

// inheritedFDs lists the inherited descriptors above 2, as "3 4". Those
// the Go runtime opens for itself before main (Linux cgroup files) are
// close-on-exec; an inherited one never is, or it would not be here.
func inheritedFDs() string {
	var open []string
	for fd := 3; fd < 256; fd++ {
		if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC == 0 {
			open = append(open, strconv.Itoa(fd))
		}
	}
	return strings.Join(open, " ")
}

// orphan starts a child that holds the fake's stdin, stdout and stderr and
// outlives it, and notes its pid next to the binary.
func orphan(self string) {
	cmd := exec.Command("sleep", "60")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		die("orphan: %v", err)
	}
	os.WriteFile(self+".orphan", []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
}

func appendByte(path string) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err == nil {
		f.Write([]byte{'x'})
		f.Close()
	}
}

func countFile(path string) int {
	data, _ := os.ReadFile(path)
	return len(data)
}

func die(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "fakehv: "+format+"\n", a...)
	os.Exit(1)
}
