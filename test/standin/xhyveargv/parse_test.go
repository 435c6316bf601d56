package xhyveargv

import (
	"errors"
	"strings"
	"testing"
)

const testUUID = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"

// parse runs what main() does before the devices: Parse, then Validate.
func parse(d Dialect, args ...string) (*Config, error) {
	prog := "xhyve"
	if d == Hyperkit {
		prog = "hyperkit"
	}
	c, err := Parse(d, prog, args)
	if err == nil {
		err = c.Validate()
	}
	return c, err
}

// status is the exit status err gives, and whether usage follows it.
func status(err error) (int, bool) {
	if err == nil {
		return 0, false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code, e.Usage != ""
	}
	return -1, false
}

const fw = "kexec,/k,/i,console=ttyS0"

// TestAcceptReject: each option as the real binaries take it, and each
// refusal with their message and exit status (docs/facts.md §3): getopt's
// and the usage 1, -m and -l errx() 64, everything else 1.
func TestAcceptReject(t *testing.T) {
	cases := []struct {
		d     Dialect
		args  string
		code  int // 0 = accepted
		msg   string
		usage bool
	}{
		// accepted
		{Xhyve, "-A -U " + testUUID + " -c 2 -m 1024 -u -s 0:0,hostbridge -s 31,lpc -l com1,autopty -s 2:0,virtio-net -F /tmp/pid -f " + fw, 0, "", false},
		{Xhyve, "-M -U " + testUUID + " -s 2:0,virtio-net -f kexec,/dev/null,,", 0, "", false},
		{Xhyve, "-AuHPwx -c2 -m2G -f " + fw, 0, "", false},
		{Xhyve, "-s 3,ahci-cd,/x.iso -s 4,virtio-blk,/d.img -s 5,ahci-hd,/h.img -s 6,virtio-rnd -f " + fw, 0, "", false},
		{Xhyve, "-s 1:2:3,virtio-net -f " + fw, 0, "", false},
		{Xhyve, "-s 0:31:7,lpc -f " + fw, 0, "", false},
		{Xhyve, "-s 4,virtio-blk -f " + fw, 0, "", false}, // the path is the device's business, later
		{Xhyve, "-l com1,stdio -l com2,/dev/ttyS9 -l COM1,autopty -f " + fw, 0, "", false},
		{Xhyve, "-l com1,autopty -f " + fw, 0, "", false}, // backends are checked at LPC setup
		{Xhyve, "-c 16 -f " + fw, 0, "", false},
		{Xhyve, "-c 1 -m 1M -f " + fw, 0, "", false},
		{Xhyve, "-Y x -b -e -C -W -g 1234 -f " + fw, 0, "", false}, // -Y takes an argument in the real getopt string
		{Xhyve, "-f " + fw + " trailing non-option args", 0, "", false},
		{Xhyve, "-U 6BA7B810-9DAD-11D1-80B4-00C04FD430C8 -f " + fw, 0, "", false},
		{Hyperkit, "-c 64 -f kexec,/k", 0, "", false},
		{Hyperkit, "-s 3,virtio-9p,path=/s,tag=t -s 4,virtio-sock,guest_cid=3,path=/d -s 5,virtio-vpnkit,path=/v -f " + fw, 0, "", false},
		{Hyperkit, "-l com1,autopty=/tmp/tty,log=/tmp/log -f " + fw, 0, "", false},
		{Hyperkit, "-f bootrom,/rom", 0, "", false},

		// getopt: its line, then the usage, exit 1
		{Xhyve, "-z -f " + fw, 1, "xhyve: illegal option -- z", true},
		{Xhyve, "-p 0:1 -f " + fw, 1, "xhyve: illegal option -- p", true},
		{Hyperkit, "-Au -f " + fw, 0, "", false},
		{Hyperkit, "-Az -f " + fw, 1, "hyperkit: illegal option -- z", true},
		{Xhyve, "--help", 1, "illegal option -- -", true},
		{Xhyve, "-f", 1, "xhyve: option requires an argument -- f", true},
		{Xhyve, "-A -U", 1, "option requires an argument -- U", true},
		{Xhyve, "-A -Y", 1, "option requires an argument -- Y", true},
		{Xhyve, "-A", 1, "", true}, // no -f: the usage alone
		{Xhyve, "-A -- -f " + fw, 1, "", true},
		// -s
		{Xhyve, "-s 2 -f " + fw, 1, `Invalid PCI slot info field "2"`, false},
		{Xhyve, "-s x,virtio-net -f " + fw, 1, `Invalid PCI slot info field "x,virtio-net"`, false},
		{Xhyve, "-s x:0,virtio-rnd -f " + fw, 1, "Invalid PCI slot info field", false},
		{Xhyve, "-s 32,virtio-net -f " + fw, 1, "Invalid PCI slot info field", false},
		{Xhyve, "-s 0:40:0,virtio-rnd -f " + fw, 1, "Invalid PCI slot info field", false},
		{Xhyve, "-s 2:8,virtio-net -f " + fw, 1, "Invalid PCI slot info field", false},
		{Xhyve, "-s 256:0:0,virtio-net -f " + fw, 1, "Invalid PCI slot info field", false},
		{Xhyve, "-s -1,virtio-net -f " + fw, 1, "Invalid PCI slot info field", false},
		{Xhyve, "-s 2,virtio-net -s 2:0,virtio-rnd -f " + fw, 1, "pci slot 2:0 already occupied!", false},
		{Xhyve, "-s 2,e1000 -f " + fw, 1, `pci slot 2:0: unknown device "e1000"`, false},
		{Xhyve, "-s 2,virtio-9p,path=/s -f " + fw, 1, `unknown device "virtio-9p"`, false},
		{Xhyve, "-s 2,virtio-sock -f " + fw, 1, `unknown device "virtio-sock"`, false},
		{Xhyve, "-s 2,virtio-vpnkit -f " + fw, 1, `unknown device "virtio-vpnkit"`, false},
		{Hyperkit, "-s 2,virtio-foo -f " + fw, 1, `unknown device "virtio-foo"`, false},
		{Xhyve, "-s 2, -f " + fw, 1, `unknown device ""`, false},
		// -c
		{Xhyve, "-c 17 -f " + fw, 1, "17 vCPUs requested but only 16 available", false},
		{Hyperkit, "-c 65 -f " + fw, 1, "65 vCPUs requested but only 64 available", false},
		{Xhyve, "-c 0 -f " + fw, 1, "Invalid guest vCPUs (0)", false},
		{Xhyve, "-c two -f " + fw, 1, "Invalid guest vCPUs (0)", false},
		{Xhyve, "-c -3 -f " + fw, 1, "Invalid guest vCPUs (-3)", false},
		// -m
		{Xhyve, "-m 1.5G -f " + fw, StatusUsage, "xhyve: invalid memsize '1.5G'", false},
		{Hyperkit, "-m lots -f " + fw, StatusUsage, "hyperkit: invalid memsize 'lots'", false},
		{Xhyve, "-m 2X -f " + fw, StatusUsage, "invalid memsize '2X'", false},
		{Xhyve, "-m 4GM -f " + fw, 0, "", false}, // only the first unit letter counts
		{Xhyve, "-m 0 -f " + fw, 1, "Unable to setup memory (22)", false},
		{Xhyve, "-m 2T -f " + fw, 1, "Unable to setup memory (22)", false},
		// -l
		{Xhyve, "-l com3,stdio -f " + fw, StatusUsage, "xhyve: invalid lpc device configuration 'com3,stdio'", false},
		{Xhyve, "-l ,stdio -f " + fw, StatusUsage, "invalid lpc device configuration", false},
		// -f
		{Xhyve, "-f kexec,/k,/i", 1, "Invalid firmware argument\n    -f kexec,'kernel','initrd','\"cmdline\"'", false},
		{Xhyve, "-f kexec,/k", 1, "Invalid firmware argument", false},
		{Xhyve, "-f linux,/k,/i,c", 1, "Invalid firmware argument", false},
		{Xhyve, "-f bootrom,/rom", 1, "Invalid firmware argument", false},
		{Hyperkit, "-f kexec", 1, "Invalid firmware argument\n    -f kexec,'kernel'[,'initrd']", false},
		{Hyperkit, "-f kexec,,/i,c", 1, "Invalid firmware argument", false},
		// -U
		{Xhyve, "-U 6ba7b810-9dad-11d1-80b4-00c04fd430c -f " + fw, 1, `Invalid UUID "6ba7b810-9dad-11d1-80b4-00c04fd430c"`, false},
		{Xhyve, "-U 6ba7b810x9dad-11d1-80b4-00c04fd430c8 -f " + fw, 1, "Invalid UUID", false},
		{Xhyve, "-U 6ba7b810-9dad-11d1-80b4-00c04fd430cg -f " + fw, 1, "Invalid UUID", false},
		{Xhyve, "-U {6ba7b810-9dad-11d1-80b4-00c04fd430c} -f " + fw, 1, "Invalid UUID", false},
	}
	for _, tc := range cases {
		_, err := parse(tc.d, strings.Fields(tc.args)...)
		code, usage := status(err)
		if code != tc.code || usage != tc.usage {
			t.Errorf("%v %q: exit %d, usage %v (%v); want %d, %v", tc.d, tc.args, code, usage, err, tc.code, tc.usage)
			continue
		}
		if tc.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.msg)) {
			t.Errorf("%v %q: error %q, want it to contain %q", tc.d, tc.args, err, tc.msg)
		}
	}
}

// TestRelease020: xhyve v0.2.0's getopt string has neither F nor M.
func TestRelease020(t *testing.T) {
	const fw = "kexec,/k,/i,c"
	for _, tc := range []struct {
		args string
		code int
		msg  string
	}{
		{"-F /tmp/pid -f " + fw, 1, "xhyve: illegal option -- F"},
		{"-M -U " + testUUID + " -s 2,virtio-net -f " + fw, 1, "xhyve: illegal option -- M"},
		{"-A -U " + testUUID + " -c 2 -m 1G -s 0:0,hostbridge -s 31,lpc -l com1,stdio -s 2:0,virtio-net -f " + fw, 0, ""},
		{"-f kexec,/k,/i", 1, "Invalid firmware argument"},
		{"-c 17 -f " + fw, 1, "only 16 available"},
		{"-s 2,virtio-9p -f " + fw, 1, "unknown device"},
	} {
		_, err := parse(Xhyve020, strings.Fields(tc.args)...)
		code, usage := status(err)
		if code != tc.code {
			t.Errorf("v0.2.0 %q: exit %d (%v), want %d", tc.args, code, err, tc.code)
			continue
		}
		if tc.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.msg)) {
			t.Errorf("v0.2.0 %q: %q, want %q", tc.args, err, tc.msg)
		}
		if strings.Contains(tc.msg, "illegal option") && !usage {
			t.Errorf("v0.2.0 %q: no usage after getopt's message", tc.args)
		}
	}
}

// TestVersionAndHelpStopParsing: getopt handles options in order, so -v
// and -h end the command line where they stand, which the driver's option
// probe (-F PATH -v, -M -v) relies on.
func TestVersionAndHelpStopParsing(t *testing.T) {
	for _, args := range [][]string{{"-v", "-z"}, {"-F", "/nonexistent/x.pid", "-v"}, {"-M", "-v"}, {"-c", "99", "-m", "0", "-v"}} {
		c, err := Parse(Xhyve, "xhyve", args)
		if err != nil || !c.Version {
			t.Errorf("%q: %v %+v, want the version request", args, err, c)
		}
	}
	if c, err := Parse(Hyperkit, "hyperkit", []string{"-h", "-z"}); err != nil || !c.Help {
		t.Errorf("-h: %v", err)
	}
	// an error before -v wins
	if _, err := Parse(Xhyve, "xhyve", []string{"-z", "-v"}); err == nil {
		t.Error("-z -v accepted")
	}
	// v0.2.0 knows no -F: the probe fails there, as the driver expects
	if _, err := Parse(Xhyve020, "xhyve", []string{"-F", "/x.pid", "-v"}); err == nil || err.Error() != "xhyve: illegal option -- F" {
		t.Errorf("v0.2.0 -F -v: %v", err)
	}
}

// TestFirmwareCmdlineWithCommas: -f splits at the first three commas only.
func TestFirmwareCmdlineWithCommas(t *testing.T) {
	cases := []struct {
		d                       Dialect
		arg                     string
		kernel, initrd, cmdline string
	}{
		{Xhyve, "kexec,/b/vmlinuz64,/b/initrd.img,loglevel=3 console=ttyS0,115200 base host=x", "/b/vmlinuz64", "/b/initrd.img", "loglevel=3 console=ttyS0,115200 base host=x"},
		{Xhyve, "kexec,/k,/i,a,b,,c,", "/k", "/i", "a,b,,c,"},
		{Xhyve, "kexec,/k,,", "/k", "", ""},
		{Xhyve, "kexec,,,", "", "", ""},              // xhyve checks the kernel when it loads it
		{Xhyve, "kexecfoo,/k,/i,c", "/k", "/i", "c"}, // prefix match, like strncmp
		{Hyperkit, "kexec,/k", "/k", "", ""},
		{Hyperkit, "kexec,/k,/i", "/k", "/i", ""},
		{Hyperkit, "kexec,/k,/i,x=1,y=2", "/k", "/i", "x=1,y=2"},
	}
	for _, tc := range cases {
		c, err := Parse(tc.d, "xhyve", []string{"-f", tc.arg})
		if err != nil {
			t.Errorf("%q: %v", tc.arg, err)
			continue
		}
		want := Firmware{Kind: "kexec", Kernel: tc.kernel, Initrd: tc.initrd, Cmdline: tc.cmdline}
		if c.Firmware != want || !c.HaveFW {
			t.Errorf("%q: got %+v, want %+v", tc.arg, c.Firmware, want)
		}
	}
}

func TestMemsize(t *testing.T) {
	cases := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"1024", 1024 * MiB, true},
		{"256", 256 * MiB, true},
		{"1048575", 1048575 * MiB, true},
		{"1048576", 1048576, true}, // >= 1 MiB: bytes
		{"2147483648", 2 << 30, true},
		{"0x400", 1024 * MiB, true}, // strtoul base 0
		{"010", 8 * MiB, true},      // octal
		{"1G", 1 << 30, true},
		{"2g", 2 << 30, true},
		{"512M", 512 * MiB, true},
		{"512m", 512 * MiB, true},
		{"1048576K", 1 << 30, true},
		{"1T", 1 << 40, true},
		{"4096B", 4096, true},
		{"1Gigabyte", 1 << 30, true}, // only the first unit letter counts
		{"1.5G", 0, false},
		{"lots", 0, false},
		{"2X", 0, false},
		{"1 G", 0, false},
		{"99999999999999999999", 0, false},
		{"17179869184G", 0, false}, // overflow
	}
	for _, tc := range cases {
		got, err := parseMemsize(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("parseMemsize(%q) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestSlots(t *testing.T) {
	c, err := Parse(Xhyve, "xhyve", []string{
		"-s", "31,lpc", "-s", "2:0,virtio-net", "-s", "0:0,hostbridge",
		"-s", "4,virtio-blk,/d.img,ro,sectorsize=4096", "-s", "1:3:2,ahci-cd,/x.iso",
		"-f", "kexec,/k,,"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range c.SortedSlots() {
		got = append(got, s.String()+"|"+s.Config)
	}
	want := []string{"0:0:0,hostbridge|", "0:2:0,virtio-net|", "0:4:0,virtio-blk|/d.img,ro,sectorsize=4096", "0:31:0,lpc|", "1:3:2,ahci-cd|/x.iso"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("slots %v, want %v", got, want)
	}
	if !c.HasSlot("lpc") || c.HasSlot("virtio-rnd") {
		t.Errorf("HasSlot: lpc %v, virtio-rnd %v", c.HasSlot("lpc"), c.HasSlot("virtio-rnd"))
	}
}

func TestLPC(t *testing.T) {
	c, err := Parse(Hyperkit, "hyperkit", []string{"-l", "com1,autopty=/t,log=/l", "-l", "com2", "-l", "bootrom,/rom", "-f", "kexec,/k"})
	if err != nil {
		t.Fatal(err)
	}
	if b := c.LPC["COM1"]; b == nil || *b != "autopty=/t,log=/l" {
		t.Errorf("COM1 backend %v", b)
	}
	if b, ok := c.LPC["COM2"]; !ok || b != nil {
		t.Errorf("COM2 backend %v %v", b, ok)
	}
	if b := c.LPC["BOOTROM"]; b == nil || *b != "/rom" {
		t.Errorf("BOOTROM %v", b)
	}
}
