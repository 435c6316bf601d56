//go:build linux

package main

import (
	"fmt"
	"os"
	"syscall"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/xhyveargv"
)

// vmnetRefused tells whether vmnet would refuse this process an interface:
// vmnet_start_interface fails for a caller that is neither root nor
// entitled (docs/facts.md §3), and the stand-in has no entitlements, so
// it refuses whenever the effective uid is not 0 (creating the tap needs
// CAP_NET_ADMIN anyway). XHYVE_STANDIN_VMNET=refuse makes it refuse even
// for root, so that tests can play an unprivileged or unentitled caller.
func vmnetRefused() bool {
	return os.Getenv("XHYVE_STANDIN_VMNET") == "refuse" || os.Geteuid() != 0
}

// vmnetFailed prints what vmn_create prints when vmnet_start_interface
// fails: xhyve master on stderr (since commit c457626, 2016-05), xhyve
// v0.2.0 and hyperkit with printf, that is on the buffered stdout. The
// device's init then fails and main exits 1.
func vmnetFailed(d xhyveargv.Dialect) {
	const msg = "virtio_net: Could not create vmnet interface, permission denied or no entitlement?\n"
	if d == xhyveargv.Xhyve {
		os.Stderr.WriteString(msg)
		return
	}
	stdout.WriteString(msg)
}

// setupNet is the virtio-net slot's init (pci_vtnet_init with vmnet): it
// gets the interface (here a tap joined to the bridge), prints the MAC and
// exits for -M, and in xhyve master then drops the privileges. ok is false
// when the start-up ends here, with status code.
func (v *vm) setupNet(s xhyveargv.Slot, uuid string) (code int, ok bool) {
	c := v.cfg
	mac, err := MACForUUID(uuid)
	if err != nil {
		return v.errorf("Invalid UUID %q", uuid), false
	}
	if vmnetRefused() {
		vmnetFailed(c.Dialect)
		return exitError, false
	}
	bridge := os.Getenv("XHYVE_STANDIN_BRIDGE")
	if bridge == "" {
		bridge = "vmnet0"
	}
	if !c.PrintMAC {
		tap, err := openTap(TapNameForUUID(uuid), bridge)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s (stand-in): vmnet: %v\n", c.Prog, err)
			vmnetFailed(c.Dialect)
			return exitError, false
		}
		v.tap = tap
	}
	if c.Dialect == xhyveargv.Xhyve {
		if err := dropPrivileges(); err != nil {
			fmt.Fprintf(os.Stderr, "Dropping privileges after networking was enabled.: %v\n", err)
			return exitError, false
		}
	}
	if c.PrintMAC {
		stdout.WriteString("MAC: " + formatMAC(mac) + "\n")
		return exitOK, false // exit(0): the exit flushes stdout
	}
	v.plan.mac = formatMAC(mac)
	v.plan.netSlot = s
	return 0, true
}

// dropPrivileges is xhyve master's drop_privileges() (commit 2078375,
// 2016-05; not in v0.2.0, not in hyperkit): once vmnet has its interface,
// a process with euid or egid 0 sets its gid and uid to the REAL ones, so
// a setuid-root xhyve goes on entirely as its user (devices set up later,
// such as the LPC's autopty, then belong to the user). Go applies setuid
// and setgid to every thread of the process.
func dropPrivileges() error {
	if os.Geteuid() != 0 && os.Getegid() != 0 {
		return nil
	}
	if err := syscall.Setgid(os.Getgid()); err != nil {
		return err
	}
	return syscall.Setuid(os.Getuid())
}

// qemuProcAttr: QEMU runs in its own process group and gets SIGKILL when
// the stand-in dies (Pdeathsig), however it dies.
//
// A process whose real and effective ids differ (the stand-in installed
// setuid root and run by a user: ruid = the user, euid 0) cannot simply
// pass Pdeathsig on: executing a program in that state is a "secure exec"
// (AT_SECURE; Linux commoncap: the new euid differs from the old real
// uid), and the kernel then clears the parent-death signal, so QEMU
// outlived a killed stand-in and stayed behind as root. So when the ids
// differ QEMU is started with its real ids set to the effective ones (Go
// sets them in the child before PR_SET_PDEATHSIG, which survives an exec
// that changes no ids). QEMU then runs with exactly the privileges the
// hypervisor process has, as the VM does inside the real hypervisor.
func qemuProcAttr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	uid, euid, gid, egid := os.Getuid(), os.Geteuid(), os.Getgid(), os.Getegid()
	if uid != euid || gid != egid {
		a.Credential = &syscall.Credential{Uid: uint32(euid), Gid: uint32(egid), NoSetGroups: true}
	}
	return a
}
