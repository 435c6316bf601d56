package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// maxCPUs is each dialect's -c limit (docs/facts.md §3). The fake keeps its
// own copy: it checks the driver, so it must not share the driver's table.
var maxCPUs = map[string]int{"xhyve": 16, "hyperkit": 64}

// args is what the fake takes from its command line.
type args struct {
	version, mac bool
	uuid         string
	pidfile      string
	// stdio is set by -l com1,stdio: COM1 is the process's stdin.
	stdio                   bool
	kernel, initrd, cmdline string
	cpus                    int
	// net is set by a virtio-net slot: -M prints the MAC during its setup,
	// so without one there is nothing to print.
	net bool
	// files are the paths of the virtio-blk and ahci-cd slots, which the
	// hypervisor opens at device setup.
	files []string
}

// parse reads argv as the dialect's hypervisor would (docs/facts.md §3). It
// touches no file, so the driver's golden command lines can be checked as
// written; checkFiles does the part that needs the files to exist.
func parse(dialect string, argv []string) (args, error) {
	if _, ok := maxCPUs[dialect]; !ok {
		return args{}, fmt.Errorf("unknown dialect %q", dialect)
	}
	var a args
	for i := 0; i < len(argv); i++ {
		opt := argv[i]
		switch opt {
		case "-v":
			a.version = true
		case "-M":
			a.mac = true
		case "-A", "-u", "-H", "-P":
		case "-U", "-c", "-m", "-s", "-l", "-F", "-f":
			if i+1 >= len(argv) {
				return a, fmt.Errorf("option %s needs a value", opt)
			}
			i++
			if err := a.set(dialect, opt, argv[i]); err != nil {
				return a, fmt.Errorf("%s %q: %w", opt, argv[i], err)
			}
		default:
			return a, fmt.Errorf("illegal option %q", opt)
		}
	}
	return a, nil
}

func (a *args) set(dialect, opt, v string) error {
	switch opt {
	case "-U":
		if !isUUID(v) {
			return errors.New("not a 36-character UUID")
		}
		a.uuid = v
	case "-F":
		if v == "" {
			return errors.New("empty pidfile path")
		}
		a.pidfile = v
	case "-c":
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxCPUs[dialect] {
			return fmt.Errorf("%s takes 1 to %d vCPUs", dialect, maxCPUs[dialect])
		}
		a.cpus = n
	case "-m":
		return checkMemory(v)
	case "-l":
		return a.setConsole(dialect, v)
	case "-s":
		return a.addSlot(v)
	case "-f":
		// Split at the first three commas only: the command line keeps its own.
		parts := strings.SplitN(v, ",", 4)
		if len(parts) != 4 || parts[0] != "kexec" || parts[1] == "" {
			return errors.New("want kexec,KERNEL,INITRD,CMDLINE")
		}
		a.kernel, a.initrd, a.cmdline = parts[1], parts[2], parts[3]
	}
	return nil
}

// isUUID checks the 8-4-4-4-12 hex form vmnet takes as the interface id.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", c):
			return false
		}
	}
	return true
}

// checkMemory accepts a size with an optional K, M or G suffix; a bare
// number is taken as MB (below 1048576) or bytes.
func checkMemory(v string) error {
	num := strings.TrimRight(v, "KMGkmg")
	if len(v)-len(num) > 1 {
		return errors.New("more than one size suffix")
	}
	if n, err := strconv.ParseUint(num, 10, 64); err != nil || n == 0 {
		return errors.New("not a positive size")
	}
	return nil
}

// setConsole takes -l com1,stdio, which both dialects know (docs/facts.md
// §3). The real ones have other backends (autopty, a tty path, hyperkit's
// log= and asl); the driver uses none of them, so the fake refuses them.
func (a *args) setConsole(_, v string) error {
	dev, backend, ok := strings.Cut(v, ",")
	if !ok || dev != "com1" {
		return errors.New("want com1,BACKEND")
	}
	if backend != "stdio" {
		return fmt.Errorf("backend %q: the fake has only stdio", backend)
	}
	a.stdio = true
	return nil
}

// addSlot checks [bus:]slot[:func],emul[,config]: options after the
// emulation are split on commas, so a path is the third field whole.
func (a *args) addSlot(v string) error {
	parts := strings.Split(v, ",")
	if len(parts) < 2 {
		return errors.New("want [bus:]slot[:func],emulation[,config]")
	}
	nums := strings.Split(parts[0], ":")
	if len(nums) > 3 {
		return errors.New("bad slot")
	}
	slot := nums[0] // slot or slot:func
	if len(nums) == 3 {
		slot = nums[1] // bus:slot:func
	}
	for _, n := range nums {
		if _, err := strconv.ParseUint(n, 10, 8); err != nil {
			return fmt.Errorf("bad slot number %q", n)
		}
	}
	if n, _ := strconv.Atoi(slot); n > 31 {
		return fmt.Errorf("slot %d is not in 0-31", n)
	}
	switch emul := parts[1]; emul {
	case "hostbridge", "lpc", "virtio-rnd":
	case "virtio-net":
		a.net = true
	case "virtio-blk", "ahci-cd":
		if len(parts) < 3 || parts[2] == "" {
			return fmt.Errorf("%s needs a path", emul)
		}
		a.files = append(a.files, parts[2])
	default:
		return fmt.Errorf("unknown emulation %q", emul)
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

// checkDisks fails as device setup does when a disk image or the ISO will
// not open: after the pidfile exists (docs/facts.md §3).
func (a args) checkDisks() error {
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
