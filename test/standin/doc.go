// Command standin is the stand-in for macOS's xhyve and hyperkit
// hypervisors, for the Linux harness (see test/README.md). It is installed
// as .cache/bin/xhyve with .cache/bin/hyperkit a symlink to it: the driver
// looks for those names. It is written from the documented behaviour of the
// real binaries (docs/facts.md §3, and §4 for what vmnet gives the VM), not
// from the driver, and imports none of the driver's packages; its contract
// test (contract_test.go) checks that the driver's golden command lines
// (internal/hypervisor/testdata/*.golden) mean to it what the golden says.
//
// One binary, two dialects, chosen by the name it is invoked as:
// "hyperkit" selects hyperkit, any other name xhyve. It takes their command
// line, rejects what they reject, and boots the described VM with QEMU
// (TCG: -accel tcg,thread=multi -cpu max) instead of Hypervisor.framework.
//
// # Environment (set by the sandbox, never by the driver)
//
//	XHYVE_STANDIN_BRIDGE  bridge the VM's tap joins (default vmnet0)
//	XHYVE_STANDIN_QEMU    QEMU binary (default qemu-system-x86_64 on PATH)
//	XHYVE_STANDIN_DEBUG   non-empty: print the QEMU command line on stderr
//
// # Command line
//
// getopt(3) with the real option string "behvuwxMACHPWY:f:F:g:c:s:m:l:U:"
// (clustered flags, attached or separate arguments, "--", parsing stops at
// the first non-option). Options take effect in order: -v prints the version
// and exits 0, -h the usage and exits 0, an error ends parsing at once.
//
//	-A          ACPI tables (without it QEMU runs with acpi=off: no power
//	            button, SIGTERM always kills)
//	-b -C -e -H -P -w -W -x   accepted, no effect
//	-Y ARG      accepted (the real getopt string gives -Y an argument)
//	-u          RTC in UTC (else local time)
//	-c N        vCPUs (C atoi); < 1: "Invalid guest vCPUs (N)"; > 16 (xhyve)
//	            or 64 (hyperkit): "N vCPUs requested but only M available"; exit 1
//	-m SIZE     C strtoul base 0; a plain number < 1048576 is MiB, else bytes;
//	            or number + unit b/k/m/g/t/p/e (any case). Otherwise
//	            "xhyve: invalid memsize 'X'", exit 64 (EX_USAGE, as errx does)
//	-U UUID     RFC 4122 string (36 chars); else "Invalid UUID", exit 1.
//	            Without -U a random UUID is used (as vmnet does)
//	-F PIDFILE  see below
//	-g PORT     accepted, ignored
//	-s [bus:]slot[:func],emul[,config]
//	            sscanf-like address, bus 0-255, slot 0-31, func 0-7; errors:
//	            `Invalid PCI slot info field "X"`, "pci slot S:F already
//	            occupied!", `pci slot S:F: unknown device "E"`; exit 1.
//	            Emulations: hostbridge, lpc, virtio-net, virtio-blk, ahci-hd,
//	            ahci-cd, virtio-rnd; hyperkit also virtio-9p, virtio-sock,
//	            virtio-vpnkit (accepted, not emulated)
//	-l DEV[,BACKEND]
//	            DEV com1, com2 or bootrom (any case), else "xhyve: invalid lpc
//	            device configuration 'X'", exit 64. The backend is checked when
//	            the LPC slot is set up (no -s lpc: -l has no effect):
//	            xhyve: stdio | autopty | /dev/TTY; hyperkit: a comma chain of
//	            autopty, autopty=PATH, log=PATH, asl, null, stdio, /dev/TTY.
//	            Failure: "Unable to initialize backend 'B' for LPC device COM1",
//	            exit 1
//	-f kexec,KERNEL,INITRD,CMDLINE
//	            split at the first three commas only (the cmdline may hold
//	            commas); xhyve needs all three, hyperkit makes INITRD and
//	            CMDLINE optional; the name is a prefix match (as strncmp).
//	            fbsd (and hyperkit's bootrom, multiboot) parse but cannot boot.
//	            Bad: "Invalid firmware argument" + forms, exit 1. No -f: usage,
//	            exit 1. A missing/unreadable kernel or initrd: exit 1
//	-M          print "MAC: xx:xx:xx:xx:xx:xx" (zero-padded lowercase) on
//	            stdout when the virtio-net slot is set up, exit 0
//	-v          "xhyve: v0.2.0-standin" + blank line + blurb + "Homepage:
//	            https://github.com/mist64/xhyve" + "License: BSD" on stderr;
//	            hyperkit: "hyperkit: v0.20210107-standin", blank line,
//	            "Homepage: https://github.com/docker/hyperkit", "License: BSD"
//	            on stdout (as the real ones). Exit 0
//	-h          usage on stderr, exit 0. Usage after an error: stderr
//	            (hyperkit: stdout, as the real one)
//
// # Start-up
//
// Devices are set up in (bus, slot, function) order like init_pci(), so the
// first failing device decides the error and -M exits before later slots
// (the LPC and its "COM1 connected" line usually sit at slot 31):
//
//   - virtio-net: MAC = first 6 bytes of SHA-256("vmnet-standin-mac:" +
//     the 16 UUID bytes), unicast, locally administered (MACForUUID). A
//     non-persistent tap "xh-" + 12 hex digits of SHA-256 of the UUID is
//     created (TUNSETIFF), joined to the bridge and brought up; QEMU gets its
//     fd. It vanishes when the stand-in and QEMU are gone, however they end.
//     No bridge: "Could not create vmnet interface, ..." exit 1.
//   - virtio-blk PATH[,ro|sync|direct|nocache|sectorsize=..] -> QEMU
//     virtio-blk (raw); ahci-hd PATH -> AHCI disk; ahci-cd PATH -> AHCI
//     CD-ROM. A path that cannot be opened: "Could not open backing file: ..."
//     exit 1. virtio-rnd -> virtio-rng-pci. PCI slots are kept where QEMU's pc
//     machine allows (2-31, function 0).
//   - lpc: COM1/COM2 backends. autopty opens a pty, prints "COM1 connected to
//     /dev/pts/N" on stdout at once (hyperkit autopty=PATH also makes PATH a
//     symlink to it, replacing what was there); the slave is kept open in raw
//     mode by the stand-in, output that nobody reads is dropped when the pty
//     buffer is full; log=PATH writes the console to PATH (truncated first).
//     stdio: the console on the terminal (raw mode, restored at exit) or, when
//     stdin is no tty, on stdout.
//
// Then QEMU starts paused (-S) with -nodefaults -display none -no-reboot,
// QMP and the serial ports on unix sockets it connects to in a private temp
// dir (removed once connected). Once QMP answers the VM "exists": -F PIDFILE
// is created with O_CREAT|O_EXCL and the stand-in's pid written (a stale
// file fails startup with "pidfile error 17" (hyperkit: "Failed to set up
// pidfile"), exit 1, and is left alone; it is also checked before device
// setup, where the real binaries create it), then the vCPUs start. QEMU runs
// in its own process group with Pdeathsig=SIGKILL: it dies with the stand-in.
//
// # Running, stopping, exit statuses
//
//	guest poweroff (ACPI S5)       xhyve 1, hyperkit 0
//	guest reboot (reset)           xhyve 0, hyperkit 2   (-no-reboot: always ends)
//	guest halt                     xhyve 2, hyperkit 0   (all vCPUs in HLT with
//	                               interrupts off, polled every 2 s)
//	triple fault                   3 (QEMU logs "Triple fault" with -d cpu_reset)
//	guest panic (pvpanic)          3
//	errors, QEMU dying on its own  1
//
// SIGTERM: once the guest has enabled ACPI, a power-button press (QMP
// system_powerdown) and the stand-in keeps running until the guest powers
// off; before that the default action: the process dies by the signal at
// once (QEMU with it, pidfile left behind, as a killed xhyve leaves it).
// "Enabled ACPI" is read from the chipset, the same state xhyve acts on: the
// SCI_EN bit of the PM1a control register of QEMU's PIIX4 PM function
// (I/O port pm_io_base+4, read through HMP "i/h"), which the guest sets by
// writing ACPI_ENABLE to the SMI command port when its ACPI subsystem starts.
// SIGINT, SIGHUP: default action (die), as the real binaries have no handler.
// SIGKILL: QEMU dies too (Pdeathsig), the tap goes, the pidfile stays.
// Exits handled by the stand-in remove the pidfile.
//
// # The harness's extension: host sleep (SIGUSR1, SIGUSR2)
//
// Not xhyve behaviour (the real binaries have no such signals; a Mac's
// sleep simply stops their vCPUs): once the VM runs, SIGUSR1 stops it
// (QMP "stop") and SIGUSR2 lets it go on (QMP "cont"). QEMU's virtual clock
// stands still meanwhile, so the guest wakes up behind by as long as it
// was stopped, as after a Mac's sleep. Only test/sleep-vm.sh (and the e2e
// clock test through it) sends them; the driver never does.
package main
