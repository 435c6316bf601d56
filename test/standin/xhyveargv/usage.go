package xhyveargv

import (
	"fmt"
	"strings"
)

// UsageText is the usage message of each dialect (xhyve src/xhyve.c and
// hyperkit src/hyperkit.c usage()): xhyve master lists -p (which its getopt
// string lacks), hyperkit does not; v0.2.0 has neither -F nor -M, and its -l
// and -m lines are shorter.
func UsageText(d Dialect, prog string) string {
	pad := strings.Repeat(" ", len(prog))
	if d == Xhyve020 {
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
	if d == Hyperkit {
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
