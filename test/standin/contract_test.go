package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/xhyveargv"
)

// goldenDir holds the driver's real hypervisor command lines, one argument
// per line, as its own unit tests pin them. They are read as data only: the
// stand-in follows docs/facts.md, and this test checks that what the driver
// sends is a command line the stand-in (and so, per the facts, the real
// binary) takes as meant.
const goldenDir = "../../internal/hypervisor/testdata"

// goldenArgs reads a golden file: one argument per line, a final newline
// optional (arguments may hold spaces, never newlines).
func goldenArgs(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// optionValues reads the golden by hand, as the facts describe the command
// line, independently of the parser under test: every value of each
// option that takes one (the pairs "-s" VALUE), and the flags.
func optionValues(args []string) (vals map[string][]string, flags map[string]bool) {
	vals, flags = map[string][]string{}, map[string]bool{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) != 2 || a[0] != '-' {
			continue
		}
		if strings.Contains("fFgcsmlUY", a[1:]) && i+1 < len(args) {
			vals[a] = append(vals[a], args[i+1])
			i++
			continue
		}
		flags[a] = true
	}
	return vals, flags
}

// TestDriverCommandLines: every golden argv of internal/hypervisor parses
// for its dialect without error, passes the start-up checks, and the
// stand-in finds in it the kernel, initrd, command line, disk, ISO, pidfile
// and console the golden names; the QEMU command line it would run boots
// exactly those.
func TestDriverCommandLines(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(goldenDir, "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[xhyveargv.Dialect]bool{}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".golden")
		var d xhyveargv.Dialect
		switch {
		case strings.HasPrefix(name, "hyperkit"):
			d = xhyveargv.Hyperkit
		case strings.HasPrefix(name, "xhyve"):
			d = xhyveargv.Xhyve
		default:
			t.Errorf("%s: cannot tell the dialect from the name (want xhyve* or hyperkit*)", path)
			continue
		}
		seen[d] = true
		t.Run(name, func(t *testing.T) { checkGolden(t, d, goldenArgs(t, path)) })
	}
	for _, d := range []xhyveargv.Dialect{xhyveargv.Xhyve, xhyveargv.Hyperkit} {
		if !seen[d] {
			t.Errorf("no golden command line for dialect %d in %s", d, goldenDir)
		}
	}
}

func checkGolden(t *testing.T, d xhyveargv.Dialect, args []string) {
	prog := "xhyve"
	if d == xhyveargv.Hyperkit {
		prog = "hyperkit"
	}
	cfg, err := xhyveargv.Parse(d, prog, args)
	if err != nil {
		t.Fatalf("%s rejects the driver's command line: %v\n%s", prog, err, strings.Join(args, "\n"))
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("%s start-up checks fail: %v", prog, err)
	}
	vals, flags := optionValues(args)
	one := func(opt string) string {
		t.Helper()
		if len(vals[opt]) != 1 {
			t.Fatalf("the golden has %d %s options, want 1: %q", len(vals[opt]), opt, vals[opt])
		}
		return vals[opt][0]
	}

	// -f kexec,KERNEL,INITRD,CMDLINE: split at the first three commas only
	// (docs/facts.md §3), so the command line keeps its commas.
	fw := one("-f")
	fields := strings.Split(fw, ",")
	if len(fields) < 4 || fields[0] != "kexec" {
		t.Fatalf("golden -f %q is not kexec,KERNEL,INITRD,CMDLINE", fw)
	}
	want := xhyveargv.Firmware{Kind: "kexec", Kernel: fields[1], Initrd: fields[2], Cmdline: strings.Join(fields[3:], ",")}
	if cfg.Firmware != want {
		t.Errorf("firmware: stand-in found %+v, golden says %+v", cfg.Firmware, want)
	}
	for what, p := range map[string]string{"kernel": want.Kernel, "initrd": want.Initrd} {
		if !filepath.IsAbs(p) {
			t.Errorf("%s %q is not absolute", what, p)
		}
	}
	if !strings.Contains(" "+want.Cmdline+" ", " console=ttyS0 ") {
		t.Errorf("cmdline %q does not put the console on ttyS0 (COM1, the pty the supervisor reads)", want.Cmdline)
	}

	// -F PIDFILE
	if pf := one("-F"); cfg.Pidfile != pf || !filepath.IsAbs(pf) {
		t.Errorf("pidfile: stand-in found %q, golden says %q (must be absolute)", cfg.Pidfile, pf)
	}

	// -U, -c, -m, -A, -u
	if u := one("-U"); cfg.UUID != u {
		t.Errorf("UUID: stand-in found %q, golden says %q", cfg.UUID, u)
	} else if _, err := MACForUUID(u); err != nil {
		t.Errorf("no MAC for UUID %q: %v", u, err)
	}
	if n, err := strconv.Atoi(one("-c")); err != nil || cfg.VCPUs != n {
		t.Errorf("vCPUs: stand-in found %d, golden says %q", cfg.VCPUs, vals["-c"])
	}
	if mb, ok := strings.CutSuffix(one("-m"), "M"); ok {
		if n, err := strconv.ParseUint(mb, 10, 64); err != nil || cfg.MemBytes != n*xhyveargv.MiB {
			t.Errorf("memory: stand-in found %d bytes, golden says %sM", cfg.MemBytes, mb)
		}
	}
	if !cfg.ACPI || !flags["-A"] {
		t.Errorf("no ACPI (-A): SIGTERM could never press the power button")
	}
	if cfg.UTC != flags["-u"] {
		t.Errorf("RTC in UTC: stand-in %v, golden %v", cfg.UTC, flags["-u"])
	}

	// -s: every slot the golden lists, and which one is the disk and the ISO.
	golden := map[string]string{} // emulation -> its path (up to the options)
	for _, s := range vals["-s"] {
		f := strings.Split(s, ",")
		if len(f) < 2 {
			t.Fatalf("golden -s %q has no emulation", s)
		}
		golden[f[1]] = ""
		if len(f) > 2 {
			golden[f[1]] = f[2]
		}
	}
	if len(cfg.Slots) != len(vals["-s"]) {
		t.Errorf("stand-in has %d slots, golden lists %d", len(cfg.Slots), len(vals["-s"]))
	}
	var disks []xhyveargv.Disk
	emuls := map[string]int{}
	for _, s := range cfg.Slots {
		emuls[s.Emul]++
		switch s.Emul {
		case "virtio-blk", "ahci-hd", "ahci-cd":
			dk, err := xhyveargv.ParseDisk(s)
			if err != nil {
				t.Errorf("slot %s: %v", s, err)
				continue
			}
			if dk.Path != golden[s.Emul] || !filepath.IsAbs(dk.Path) {
				t.Errorf("%s: stand-in opens %q, golden says %q (must be absolute)", s.Emul, dk.Path, golden[s.Emul])
			}
			disks = append(disks, dk)
		}
	}
	// One network device: vmnet's virtio-net, or (hyperkit only) the
	// virtio-vpnkit device of user-mode networking (docs/facts.md §9).
	wantSlots := map[string]int{"hostbridge": 1, "lpc": 1, "virtio-net": 1, "virtio-blk": 1, "ahci-cd": 1}
	if emuls["virtio-vpnkit"] > 0 {
		wantSlots["virtio-net"], wantSlots["virtio-vpnkit"] = 0, 1
		if d != xhyveargv.Hyperkit {
			t.Errorf("a virtio-vpnkit slot for %s, which has no such device", prog)
		}
	}
	for emul, n := range wantSlots {
		if emuls[emul] != n {
			t.Errorf("%d %s slots, want %d", emuls[emul], emul, n)
		}
	}
	for _, s := range cfg.Slots {
		if s.Emul == "virtio-vpnkit" {
			checkGoldenVpnkit(t, s, cfg.UUID)
		}
	}
	for _, s := range cfg.Slots {
		if s.Emul == "lpc" && s.Bus != 0 {
			t.Errorf("LPC on bus %d: xhyve allows bus 0 only", s.Bus)
		}
	}

	// -l com1,stdio: the console is the hypervisor's stdin, a pty slave the
	// supervisor owns (docs/facts.md §3: a pty the setuid-root hypervisor
	// made would be root's), in both dialects.
	lpc := one("-l")
	backend := cfg.LPC["COM1"]
	if backend == nil {
		t.Fatalf("-l %q gives COM1 no backend", lpc)
	}
	if lpc != "com1,stdio" || *backend != "stdio" {
		t.Errorf("COM1: golden -l %q, stand-in backend %q; want com1,stdio", lpc, *backend)
	}

	// What QEMU would boot: the golden's kernel, initrd and command line,
	// its disk and its ISO (read-only, as a CD).
	p := &plan{uuid: cfg.UUID, disks: disks, lpc: true, multiFunc: map[[2]int]bool{}}
	q := buildQEMUArgs(cfg, p)
	for _, pair := range [][2]string{{"-kernel", want.Kernel}, {"-initrd", want.Initrd}, {"-append", want.Cmdline}} {
		if !hasPair(q, pair[0], pair[1]) {
			t.Errorf("QEMU command line lacks %s %q:\n%q", pair[0], pair[1], q)
		}
	}
	drives := strings.Join(q, "\n")
	for _, want := range []string{
		"file=" + qemuEscape(golden["virtio-blk"]) + ",format=raw",
		"file=" + qemuEscape(golden["ahci-cd"]) + ",format=raw,readonly=on,media=cdrom",
	} {
		if !strings.Contains(drives, want) {
			t.Errorf("QEMU command line has no drive %q:\n%s", strings.TrimSpace(want), drives)
		}
	}
}

func hasPair(args []string, opt, val string) bool {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == opt && args[i+1] == val {
			return true
		}
	}
	return false
}

// checkGoldenVpnkit: the device's options parse as hyperkit reads them, the
// socket path survives its cut to sun_path (103 bytes), and the device's
// UUID is the VM's, which names the machine to the network.
func checkGoldenVpnkit(t *testing.T, s xhyveargv.Slot, vmUUID string) {
	vk, err := xhyveargv.ParseVpnkit(s)
	if err != nil {
		t.Fatalf("hyperkit refuses the virtio-vpnkit options %q: %v", s.Config, err)
	}
	if !filepath.IsAbs(vk.Path) || vk.Path == xhyveargv.DefaultVpnkitPath || len(vk.Path) > 103 {
		t.Errorf("vpnkit socket %q: want an absolute path of the driver's own, at most 103 bytes", vk.Path)
	}
	if vk.UUID != vmUUID {
		t.Errorf("vpnkit uuid %q, the VM's -U is %q", vk.UUID, vmUUID)
	}
}
