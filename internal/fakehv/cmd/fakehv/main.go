//go:build linux

// Command fakehv is a fake xhyve/hyperkit for unit tests; see package fakehv.
package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zchee/docker-machine-driver-xhyve/internal/dhcp"
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
	var b fakehv.Behavior
	if data, err := os.ReadFile(self + ".json"); err == nil {
		if err := json.Unmarshal(data, &b); err != nil {
			die("behaviour: %v", err)
		}
	}
	if b.Dialect == "" {
		b.Dialect = "xhyve"
	}
	a, err := parse(os.Args[1:])
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
		if a.uuid == "" {
			die("vmnet: -M needs -U")
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
	time.Sleep(time.Duration(b.SetupMS) * time.Millisecond)
	pf, err := os.OpenFile(a.pidfile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		die("pidfile: %v", err)
	}
	pty, ptyName := openPTY()
	if a.tty != "" {
		os.Remove(a.tty)
		if err := os.Symlink(ptyName, a.tty); err != nil {
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
			writeLease(b.Leases, b.LeaseIP, macFor(a.uuid))
		}()
	}
	if b.SSHAddr != "" {
		go serveBanner(b.SSHAddr)
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
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

type args struct {
	version, mac            bool
	uuid, pidfile, tty      string
	kernel, initrd, cmdline string
}

func parse(argv []string) (args, error) {
	var a args
	for i := 0; i < len(argv); i++ {
		opt := argv[i]
		next := func() (string, error) {
			if i+1 >= len(argv) {
				return "", fmt.Errorf("option %s needs a value", opt)
			}
			i++
			return argv[i], nil
		}
		switch opt {
		case "-v":
			a.version = true
		case "-M":
			a.mac = true
		case "-A", "-u", "-H", "-P":
		case "-U", "-c", "-m", "-s", "-l", "-F", "-f":
			v, err := next()
			if err != nil {
				return a, err
			}
			if err := a.set(opt, v); err != nil {
				return a, err
			}
		default:
			return a, fmt.Errorf("illegal option %s", opt)
		}
	}
	return a, nil
}

func (a *args) set(opt, v string) error {
	switch opt {
	case "-U":
		a.uuid = v
	case "-F":
		a.pidfile = v
	case "-c", "-m":
		if _, err := strconv.Atoi(strings.TrimSuffix(v, "M")); err != nil {
			return fmt.Errorf("bad %s %q", opt, v)
		}
	case "-l":
		if p, ok := strings.CutPrefix(v, "com1,autopty="); ok {
			a.tty = p
		} else if v != "com1,autopty" {
			return fmt.Errorf("unsupported -l %q", v)
		}
	case "-s":
		parts := strings.Split(v, ",")
		if len(parts) > 2 && (parts[1] == "virtio-blk" || parts[1] == "ahci-cd") {
			if _, err := os.Stat(parts[2]); err != nil {
				return fmt.Errorf("-s %s: %v", v, err)
			}
		}
	case "-f":
		parts := strings.SplitN(v, ",", 4)
		if len(parts) != 4 || parts[0] != "kexec" {
			return fmt.Errorf("bad -f %q", v)
		}
		a.kernel, a.initrd, a.cmdline = parts[1], parts[2], parts[3]
		if _, err := os.Stat(a.kernel); err != nil {
			return fmt.Errorf("kernel: %v", err)
		}
	}
	return nil
}

func macFor(uuid string) net.HardwareAddr {
	sum := sha256.Sum256([]byte(strings.ToLower(uuid)))
	mac := net.HardwareAddr(sum[:6])
	mac[0] = mac[0]&^1 | 2 // unicast, locally administered
	return mac
}

func openPTY() (*os.File, string) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		die("ptmx: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		die("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		die("ptsname: %v", err)
	}
	return m, fmt.Sprintf("/dev/pts/%d", n)
}

func writeLease(path, ip string, mac net.HardwareAddr) {
	old, _ := os.ReadFile(path)
	hw := "1," + dhcp.FormatMAC(mac)
	entry := fmt.Sprintf("{\n\tname=boot2docker\n\tip_address=%s\n\thw_address=%s\n\tidentifier=%s\n\tlease=0x%x\n}\n",
		ip, hw, hw, time.Now().Add(time.Hour).Unix())
	tmp := filepath.Join(filepath.Dir(path), ".fakehv-lease")
	if err := os.WriteFile(tmp, append([]byte(entry), old...), 0o644); err == nil {
		os.Rename(tmp, path)
	}
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
