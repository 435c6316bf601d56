package main

import (
	"fmt"
	"os"
	"strings"
)

func usageText(prog string) string {
	pad := strings.Repeat(" ", len(prog))
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
		"       -l: LPC device configuration\n"+
		"       -m: memory size in MB, may be suffixed with one of K, M, G or T\n"+
		"       -M: print MAC address and exit if using vmnet\n"+
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

func versionText(d Dialect, prog string) string {
	if d == DialectHyperkit {
		return prog + ": v0.20210107-standin\n\n" +
			"Homepage: https://github.com/docker/hyperkit\n" +
			"License: BSD\n\n"
	}
	return prog + ": v0.2.0-standin\n\n" +
		"xhyve is a port of FreeBSD's bhyve hypervisor to OS X that\n" +
		"works entirely in userspace and has no other dependencies.\n\n" +
		"Homepage: https://github.com/mist64/xhyve\n" +
		"License: BSD\n\n"
}

// printUsage prints the usage text where the real binary does: xhyve on
// stderr; hyperkit prints it on stdout for errors (usage(1)).
func printUsage(d Dialect, prog string, code int) {
	if d == DialectHyperkit && code != 0 {
		os.Stdout.WriteString(usageText(prog))
		return
	}
	os.Stderr.WriteString(usageText(prog))
}
