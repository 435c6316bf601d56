// Command standin is the stand-in for macOS's xhyve and hyperkit
// hypervisors, for the Linux harness (see test/README.md). It is installed
// as .cache/bin/xhyve with .cache/bin/hyperkit a symlink to it: the driver
// looks for those names. It is written from the documented behaviour of the
// real binaries (docs/facts.md §3, and §4 for what vmnet gives the VM), not
// from the driver (§9 for hyperkit's virtio-vpnkit device), and imports
// none of the driver's packages; its contract
// test (contract_test.go) checks that the driver's golden command lines
// (internal/hypervisor/testdata/*.golden) mean to it what the golden says.
//
// One binary, two dialects, chosen by the name it is invoked as:
// "hyperkit" selects hyperkit, any other name xhyve (master, or its
// release v0.2.0 with XHYVE_STANDIN_RELEASE). It takes their command
// line, rejects what they reject, and boots the described VM with QEMU
// (TCG: -accel tcg,thread=multi -cpu max) instead of Hypervisor.framework.
//
// # Environment (set by the sandbox, never by the driver)
//
//	XHYVE_STANDIN_BRIDGE  bridge the VM's tap joins (default vmnet0)
//	XHYVE_STANDIN_QEMU    QEMU binary (default qemu-system-x86_64 on PATH)
//	XHYVE_STANDIN_DEBUG   non-empty: print the QEMU command line on stderr
//	XHYVE_STANDIN_VMNET   "refuse": vmnet refuses the interface even to
//	                      root, as it does to a caller that is neither root
//	                      nor entitled (with euid != 0 it always refuses)
//	XHYVE_STANDIN_RELEASE xhyve dialect only: "" = master (default),
//	                      "v0.2.0" = xhyve's only tagged release; anything
//	                      else (or any value for hyperkit): exit 1
//
// # Command line
//
// Read by the package xhyveargv (test/standin/xhyveargv), which
// internal/fakehv shares, so the unit tests' fake and the stand-in take
// the same command lines: getopt(3) with the real option string
// "behvuwxMACHPWY:f:F:g:c:s:m:l:U:" (v0.2.0: "behvuwxACHPWY:f:g:c:s:m:l:U:",
// so -F and -M are "illegal option" + usage, exit 1) (clustered flags,
// attached or separate arguments, "--", parsing stops at the first
// non-option). Options take effect in order: -v prints the version
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
//	            ahci-cd, virtio-rnd; hyperkit also virtio-vpnkit (below),
//	            virtio-9p and virtio-sock (accepted, not emulated)
//	-l DEV[,BACKEND]
//	            DEV com1, com2 or bootrom (any case), else "xhyve: invalid lpc
//	            device configuration 'X'", exit 64. The backend is checked when
//	            the LPC slot is set up (no -s lpc: -l has no effect):
//	            xhyve: stdio | autopty | /dev/TTY (v0.2.0: stdio | /dev/TTY);
//	            hyperkit: a comma chain of
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
//	            stdout when the virtio-net slot is set up, exit 0 (the exit
//	            writes the buffered line out)
//	-v          "xhyve: v0.2.0-standin" + blank line + blurb + "Homepage:
//	            http://www.xhyve.xyz" + "License: BSD" on stderr; v0.2.0:
//	            "xhyve: 0.2.0" and "Homepage: https://github.com/mist64/xhyve";
//	            hyperkit: "hyperkit: v0.20210107-standin", blank line,
//	            "Homepage: https://github.com/docker/hyperkit", "License: BSD"
//	            on stderr too. Exit 0
//	-h          usage on stderr, exit 0; usage after an error: stderr, as
//	            both real ones. Text per dialect (xhyve lists -p, hyperkit
//	            does not; v0.2.0 lacks -F and -M)
//
// # stdout
//
// Like the real binaries' C stdio: everything the stand-in prints on
// stdout ("linkname", "COM1 connected", "MAC:", vmnet's refusal for
// hyperkit and v0.2.0, hyperkit's "received sigusrN" lines, hyperkit -v)
// is line-buffered when stdout is a terminal and otherwise kept in a
// 1024-byte (BUFSIZ) buffer written only when full or at exit(3). Every
// exit the stand-in takes runs the atexit work (pidfile removal, terminal
// restore) and then writes the buffer; a death by signal does neither. So
// through a pipe those lines arrive when the process exits, not before.
// With -l com1,stdio the console uses fd 0 only, both ways; stdout lines,
// if stdout is the same terminal, show up in the console as they would.
//
// # Start-up
//
// As main(): parse, the checks xhyve makes before and while creating the
// VM (vCPUs, memory, UUID), then the pidfile, then the devices in (bus,
// slot, function) order like init_pci(), so the first failing device
// decides the error and -M exits before later slots (the LPC and its
// "COM1 connected" line usually sit at slot 31), then QEMU.
//
//   - -F PIDFILE (setup_pidfile): created O_CREAT|O_EXCL, mode 0644, the
//     pid written without newline, and its removal registered for exit.
//     A stale file fails startup with "Failed to set up pidfile" and
//     "pidfile error -1" on stderr (both dialects), exit 1, left alone.
//     Any later exit, a failing device included, removes it ("Failed to
//     remove pidfile" when it cannot); a signal death leaves it.
//   - virtio-net: MAC = first 6 bytes of SHA-256("vmnet-standin-mac:" +
//     the 16 UUID bytes), unicast, locally administered (MACForUUID).
//     vmnet refuses when the effective uid is not 0 or
//     XHYVE_STANDIN_VMNET=refuse: "virtio_net: Could not create vmnet
//     interface, permission denied or no entitlement?" on stderr (xhyve
//     master) or on the buffered stdout (hyperkit, v0.2.0), exit 1 (-M
//     too). Otherwise a non-persistent tap "xh-" + 12 hex digits of
//     SHA-256 of the UUID is created (TUNSETIFF; not for -M), joined to the
//     bridge and brought up; QEMU gets its fd. It vanishes when the
//     stand-in and QEMU are gone, however they end. A tap that cannot be
//     made is refused the same way (the reason on stderr). xhyve master
//     then drops privileges like drop_privileges(): with euid or egid 0 it
//     sets its gid and uid to the real ones, so a setuid-root xhyve goes
//     on (ptys, QEMU) as its user; hyperkit and v0.2.0 stay root.
//   - virtio-vpnkit[,path=P][,uuid=U][,macfile=F][,preferred_ipv4=A]
//     (hyperkit; package vpnkit, docs/facts.md §9): prints hyperkit's
//     "virtio-net-vpnkit: initialising, opts=..." and "... interface will
//     have uuid U" ("requesting ip A") lines on the buffered stdout, then
//     connects to P (default /var/tmp/com.docker.slirp.socket; cut to its
//     first 103 bytes like a Mac's sun_path) and does hyperkit's handshake,
//     retrying every 100 ms for ever: without a server the start-up blocks
//     here, pidfile written, QEMU not started; a server that accepts and
//     never answers blocks it too. Then "... Connection established with
//     MAC=M and MTU N", the macfile (F.tmp renamed to F, failures
//     ignored), and QEMU gets virtio-net-pci,mac=M (the server's MAC) on
//     -netdev stream,addr.type=fd, one end of a socket pair the stand-in
//     bridges to the server once QMP answers: 4-byte big-endian frames
//     from QEMU go out padded to 60 behind a 2-byte little-endian length,
//     the server's come back the other way. No root needed: a hyperkit
//     with only this network runs as its user. A refused option (uuid
//     under 36 bytes, preferred_ipv4 inet_aton refuses, an unknown or
//     empty option) prints hyperkit's message on stderr and dies by
//     SIGSEGV, as hyperkit's NULL dereference does; -M has no effect on it.
//   - virtio-blk PATH[,ro|sync|direct|nocache|sectorsize=..] -> QEMU
//     virtio-blk (raw); ahci-hd PATH -> AHCI disk; ahci-cd PATH -> AHCI
//     CD-ROM. A path that cannot be opened: "Could not open backing file: ..."
//     exit 1. virtio-rnd -> virtio-rng-pci. PCI slots are kept where QEMU's pc
//     machine allows (2-31, function 0).
//   - lpc: COM1/COM2 backends. autopty opens a pty (group tty, mode 0620,
//     owned by the effective uid: a setuid-root hyperkit's pty is root's,
//     its user cannot open it) and prints "COM1 connected to /dev/pts/N";
//     hyperkit first prints "linkname PATH" ("linkname (null)" for plain
//     autopty) and, for autopty=PATH, unlinks PATH and writes a regular
//     file (0644 less umask) holding the pty's name without newline. The
//     slave is kept open in raw mode by the stand-in; output that nobody
//     reads is dropped when the pty buffer is full. log=PATH writes the
//     console to PATH (truncated first). stdio: the UART reads and writes
//     fd 0 (made non-blocking; a terminal is put in raw mode and restored
//     at exit); fd 0 must be open for writing (a pty slave opened
//     read-write, as a parent hands it) or the output is lost.
//
// Then QEMU starts paused (-S) with -nodefaults -display none -no-reboot,
// QMP and the serial ports on unix sockets it connects to in a private temp
// dir (removed once connected), and the vCPUs start once QMP answers. QEMU
// runs in its own process group with Pdeathsig=SIGKILL: it dies with the
// stand-in. When the real and effective ids differ (installed setuid root,
// run by a user) QEMU is started with its real ids set to the effective
// ones: exec with differing ids is a secure exec, which clears Pdeathsig
// (the cause of QEMUs left running as root after a user's kill).
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
// virtio-vpnkit: at the server's EOF or a read error, "virtio-net-vpnkit:
// read EOF" (or "read error: ...") on stderr, one power-button press (QMP
// system_powerdown, whether or not ACPI is enabled yet: the status waits
// for the guest), and frames from the server stop; the VM runs on until
// the guest powers off (hyperkit: exit 0). A failed write of a frame's
// length presses the button again, for each frame. A guest frame longer
// than the server's max_packet_size (after padding) prints hyperkit's
// "Assertion failed: (length<= state->vif.max_packet_size), ..." and dies
// by SIGABRT. Both crashes leave the pidfile, lose buffered stdout and
// write no core file; QEMU dies with the stand-in.
//
// SIGTERM: once the guest has enabled ACPI, a power-button press (QMP
// system_powerdown) and the stand-in keeps running until the guest powers
// off; before that the default action: the process dies by the signal at
// once (QEMU with it, pidfile left behind, as a killed xhyve leaves it).
// "Enabled ACPI" is read from the chipset, the same state xhyve acts on: the
// SCI_EN bit of the PM1a control register of QEMU's PIIX4 PM function
// (I/O port pm_io_base+4, read through HMP "i/h"), which the guest sets by
// writing ACPI_ENABLE to the SMI command port when its ACPI subsystem starts.
// SIGINT, SIGHUP, SIGQUIT: default action (die), as the real binaries have
// no handler: no atexit work (pidfile left, terminal left raw, buffered
// stdout lost). SIGKILL: the same. QEMU dies with the stand-in in every
// case (Pdeathsig), the tap goes. Exits the stand-in takes remove the
// pidfile.
//
// # The harness's extension: host sleep (SIGUSR1, SIGUSR2)
//
// Once the VM runs, SIGUSR1 stops it (QMP "stop") and SIGUSR2 lets it go on (QMP "cont"). QEMU's virtual clock
// stands still meanwhile, so the guest wakes up behind by as long as it
// was stopped, as after a Mac's sleep. Only test/sleep-vm.sh (and the e2e
// clock test through it) sends them; the driver never does. xhyve has no
// handler for them (a Mac's sleep simply stops the vCPUs); hyperkit does
// pause and unpause on them, printing "received sigusr1, pausing" and
// "received sigusr2, unpausing" on stdout, and so does its dialect here.
package main
