// Command fakehv is a fake xhyve/hyperkit for unit tests; see package fakehv.
// It builds and runs on macOS and Linux: only its console pty differs
// (pty_darwin.go, pty_linux.go).
package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
)

type exitCodes struct{ reset, poweroff, crash int }

var codes = map[string]exitCodes{
	"xhyve":    {reset: 0, poweroff: 1, crash: 3},
	"hyperkit": {reset: 2, poweroff: 0, crash: 3},
}

func main() {
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
	a, err := parse(b.Dialect, os.Args[1:])
	if err != nil {
		die("%v", err)
	}
	switch {
	case a.version:
		home := map[string]string{"xhyve": "https://github.com/mist64/xhyve", "hyperkit": "https://github.com/docker/hyperkit"}[b.Dialect]
		fmt.Fprintf(os.Stderr, "%s: v0.0.0-fake\n\nHomepage: %s\nLicense: BSD\n\n", b.Dialect, home)
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
	if b.FailStart != "" {
		fmt.Println(b.FailStart)
		os.Exit(1)
	}
	if a.pidfile == "" || a.uuid == "" || a.kernel == "" {
		die("fake needs -F, -U and -f kexec")
	}
	if err := a.checkFiles(); err != nil {
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
	pty, ptyName, err := openPTY()
	if err != nil {
		os.Remove(a.pidfile) // a failed start is a normal exit: no pidfile left
		die("console: %v", err)
	}
	if a.tty != "" {
		os.Remove(a.tty)
		if err := os.Symlink(ptyName, a.tty); err != nil {
			os.Remove(a.pidfile)
			die("autopty link: %v", err)
		}
	}
	fmt.Printf("COM1 connected to %s\n", ptyName)
	fmt.Fprintf(pf, "%d\n", os.Getpid())
	pf.Close()
	appendByte(self + ".boots")
	start := time.Now()
	c := codes[b.Dialect]
	exit := func(code int) {
		os.Remove(a.pidfile)
		os.Exit(code)
	}

	if b.Console != "" {
		go pty.WriteString(b.Console)
	}
	if b.FloodBytes > 0 {
		go flood(pty, os.Stderr, b.FloodBytes)
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
			exit(code)
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
func flood(console, stderr *os.File, n int) {
	for _, w := range []*os.File{console, stderr} {
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
