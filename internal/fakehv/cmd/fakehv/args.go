package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/xhyveargv"
)

// dialectNamed maps the behaviour file's dialect to the command line it
// reads.
func dialectNamed(name string) (xhyveargv.Dialect, bool) {
	switch name {
	case "xhyve":
		return xhyveargv.Xhyve, true
	case "hyperkit":
		return xhyveargv.Hyperkit, true
	}
	return 0, false
}

// args is what the fake takes from its command line.
type args struct {
	version, help, mac bool
	uuid               string
	pidfile            string
	// stdio is set by -l com1,stdio with an LPC slot: COM1 is the
	// process's stdin.
	stdio bool
	// firmware is the -f kind; the fake boots kexec only.
	firmware                string
	kernel, initrd, cmdline string
	cpus                    int
	// net is set by a virtio-net slot: -M prints the MAC during its setup,
	// so without one there is nothing to print.
	net bool
	// vpnkit is a virtio-vpnkit slot's config (hyperkit's user-mode
	// network, docs/facts.md §9), nil without one; vpnkitErr is its
	// refusal, which the real device reaches at device setup.
	vpnkit    *xhyveargv.Vpnkit
	vpnkitErr error
	// files are the paths of the disk slots, which the hypervisor opens at
	// device setup; diskErr is a disk slot's config the real one refuses
	// there.
	files   []string
	diskErr error
	// backends are the console backends other than stdio, which the real
	// binaries have and the fake does not.
	backends []string
}

// parse reads argv as the dialect's hypervisor would (docs/facts.md §3),
// through the parser the stand-in uses, then takes what the fake needs. It
// touches no file, so the driver's golden command lines can be checked as
// written; checkFiles does the part that needs the files to exist. A
// refusal is an *xhyveargv.Error, with the real message and status.
func parse(dialect, prog string, argv []string) (args, error) {
	d, ok := dialectNamed(dialect)
	if !ok {
		return args{}, fmt.Errorf("unknown dialect %q", dialect)
	}
	c, err := xhyveargv.Parse(d, prog, argv)
	if err != nil {
		return args{}, err
	}
	a := args{version: c.Version, help: c.Help}
	if a.version || a.help {
		return a, nil // they exit before anything is checked
	}
	if err := c.Validate(); err != nil {
		return args{}, err
	}
	a.mac, a.uuid, a.pidfile, a.cpus = c.PrintMAC, c.UUID, c.Pidfile, c.VCPUs
	fw := c.Firmware
	a.firmware, a.kernel, a.initrd, a.cmdline = fw.Kind, fw.Kernel, fw.Initrd, fw.Cmdline
	for _, s := range c.SortedSlots() {
		switch s.Emul {
		case "virtio-net":
			a.net = true
		case "virtio-vpnkit":
			vk, err := xhyveargv.ParseVpnkit(s)
			a.vpnkit, a.vpnkitErr = &vk, err
		case "virtio-blk", "ahci-hd", "ahci-cd":
			dk, err := xhyveargv.ParseDisk(s)
			if err != nil && a.diskErr == nil {
				a.diskErr = err
			}
			if err == nil {
				a.files = append(a.files, dk.Path)
			}
		}
	}
	// Without an LPC slot, -l has no effect (docs/facts.md §3 via the
	// stand-in): the backends are set up with the LPC.
	if c.HasSlot("lpc") {
		for _, name := range []string{"COM1", "COM2"} {
			switch b := c.LPC[name]; {
			case b == nil:
			case name == "COM1" && *b == "stdio":
				a.stdio = true
			default:
				a.backends = append(a.backends, *b)
			}
		}
	}
	return a, nil
}

// fakeLimits refuses what the real binaries would run but the fake cannot:
// it boots only kexec with -F and -U, and has only the stdio console.
func (a args) fakeLimits() error {
	if a.pidfile == "" || a.uuid == "" || a.firmware != "kexec" || a.kernel == "" {
		return errors.New("fake needs -F, -U and -f kexec")
	}
	if len(a.backends) > 0 {
		return fmt.Errorf("backend %q: the fake has only stdio", a.backends[0])
	}
	return nil
}

// checkBoot fails as the hypervisor does when the kernel or the initrd is
// missing (the fake does so before creating the VM).
func (a args) checkBoot() error {
	if _, err := os.Stat(a.kernel); err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	if a.initrd != "" {
		if _, err := os.Stat(a.initrd); err != nil {
			return fmt.Errorf("initrd: %w", err)
		}
	}
	return nil
}

// checkDisks fails as device setup does when a disk slot's config is
// refused or its image or the ISO will not open: after the pidfile exists
// (docs/facts.md §3).
func (a args) checkDisks() error {
	if a.diskErr != nil {
		return a.diskErr
	}
	for _, f := range a.files {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("Could not open backing file: %w", err)
		}
	}
	return nil
}

// consoleOnCOM1 reports whether the kernel command line puts a console on
// ttyS0, where the guest then writes from early boot.
func (a args) consoleOnCOM1() bool {
	for _, opt := range strings.Fields(a.cmdline) {
		if name, ok := strings.CutPrefix(opt, "console="); ok && strings.SplitN(name, ",", 2)[0] == "ttyS0" {
			return true
		}
	}
	return false
}
