package main

import (
	"fmt"
	"os"
	"strings"
)

// usageText is the usage message of each dialect (xhyve src/xhyve.c and
// hyperkit src/hyperkit.c usage()): xhyve master lists -p (which its getopt
// string lacks), hyperkit does not; v0.2.0 has neither -F nor -M, and its -l
// and -m lines are shorter.
func usageText(d Dialect, prog string) string {
	pad := strings.Repeat(" ", len(prog))
	if d == DialectXhyve020 {
		return fmt.Sprintf("Usage: %s [-behuwxACHPWY] [-c vcpus] [-g <gdb port>] [-l <lpc>]\n"+
			"       %s [-m mem] [-p vcpu:hostcpu] [-s <pci>] [-U uuid] -f <fw>\n"+
			"       -A: create ACPI tables\n"+
			"       -c: # cpus (default 1)\n"+
			"       -C: include guest memory in core file\n"+
			"       -e: exit on unhandled I/O access\n"+
			"       -f: firmware\n"+
			"       -g: gdb port\n"+
			"       -h: help\n"+
			"       -H: vmexit from the guest on hlt\n"+
			"       -l: LPC device configuration\n"+
			"       -m: memory size in MB\n"+
			"       -p: pin 'vcpu' to 'hostcpu'\n"+
			"       -P: vmexit from the guest on pause\n"+
			"       -s: <slot,driver,configinfo> PCI slot config\n"+
			"       -u: RTC keeps UTC time\n"+
			"       -U: uuid\n"+
			"       -v: show build version\n"+
			"       -w: ignore unimplemented MSRs\n"+
			"       -W: force virtio to use single-vector MSI\n"+
			"       -x: local apic is in x2APIC mode\n"+
			"       -Y: disable MPtable generation\n", prog, pad)
	}
	pin := "       -p: pin 'vcpu' to 'hostcpu'\n"
	if d == DialectHyperkit {
		pin = ""
	}
	return fmt.Sprintf("Usage: %s [-behuwxMACHPWY] [-c vcpus] [-F <pidfile>] [-g <gdb port>] [-l <lpc>]\n"+
		"       %s [-m mem] [-p vcpu:hostcpu] [-s <pci>] [-U uuid] -f <fw>\n"+
		"       -A: create ACPI tables\n"+
		"       -c: # cpus (default 1)\n"+
		"       -C: include guest memory in core file\n"+
		"       -e: exit on unhandled I/O access\n"+
		"       -f: firmware\n"+
		"       -F: pidfile\n"+
		"       -g: gdb port\n"+
		"       -h: help\n"+
		"       -H: vmexit from the guest on hlt\n"+
		"       -l: LPC device configuration. Ex: -l com1,stdio -l com2,autopty -l com2,/dev/myownpty\n"+
		"       -m: memory size in MB, may be suffixed with one of K, M, G or T\n"+
		"       -M: print MAC address and exit if using vmnet\n"+
		pin+
		"       -P: vmexit from the guest on pause\n"+
		"       -s: <slot,driver,configinfo> PCI slot config\n"+
		"       -u: RTC keeps UTC time\n"+
		"       -U: uuid\n"+
		"       -v: show build version\n"+
		"       -w: ignore unimplemented MSRs\n"+
		"       -W: force virtio to use single-vector MSI\n"+
		"       -x: local apic is in x2APIC mode\n"+
		"       -Y: disable MPtable generation\n", prog, pad)
}

// versionText is what -v prints. v0.2.0 as packaged (Homebrew builds it
// with its version number) says "xhyve: 0.2.0"; the stand-in's other
// dialects mark themselves "-standin".
func versionText(d Dialect, prog string) string {
	switch d {
	case DialectHyperkit:
		return prog + ": v0.20210107-standin\n\n" +
			"Homepage: https://github.com/docker/hyperkit\n" +
			"License: BSD\n\n"
	case DialectXhyve020:
		return prog + ": 0.2.0\n\n" +
			"xhyve is a port of FreeBSD's bhyve hypervisor to OS X that\n" +
			"works entirely in userspace and has no other dependencies.\n\n" +
			"Homepage: https://github.com/mist64/xhyve\n" +
			"License: BSD\n\n"
	}
	// master's banner names the project's site since December 2015
	return prog + ": v0.2.0-standin\n\n" +
		"xhyve is a port of FreeBSD's bhyve hypervisor to OS X that\n" +
		"works entirely in userspace and has no other dependencies.\n\n" +
		"Homepage: http://www.xhyve.xyz\n" +
		"License: BSD\n\n"
}

// printUsage prints the usage text on stderr, as both real binaries do
// (usage() is fprintf(stderr, ...) then exit(code)).
func printUsage(d Dialect, prog string) {
	os.Stderr.WriteString(usageText(d, prog))
}
