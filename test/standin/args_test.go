package main

import (
	"errors"
	"strings"
	"testing"
)

const testUUID = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"

func parse(t *testing.T, d Dialect, args ...string) (*Config, error) {
	t.Helper()
	prog := "xhyve"
	if d == DialectHyperkit {
		prog = "hyperkit"
	}
	c, err := Parse(d, prog, args)
	if err == nil {
		err = c.Validate()
	}
	return c, err
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return -1
}

func TestAcceptReject(t *testing.T) {
	fw := "kexec,/k,/i,console=ttyS0"
	cases := []struct {
		d    Dialect
		args string
		code int // 0 = accepted
		msg  string
	}{
		// accepted
		{DialectXhyve, "-A -U " + testUUID + " -c 2 -m 1024 -u -s 0:0,hostbridge -s 31,lpc -l com1,autopty -s 2:0,virtio-net -F /tmp/pid -f " + fw, 0, ""},
		{DialectXhyve, "-M -U " + testUUID + " -s 2:0,virtio-net -f kexec,/dev/null,,", 0, ""},
		{DialectXhyve, "-AuHPwx -c2 -m2G -f " + fw, 0, ""},
		{DialectXhyve, "-s 3,ahci-cd,/x.iso -s 4,virtio-blk,/d.img -s 5,ahci-hd,/h.img -s 6,virtio-rnd -f " + fw, 0, ""},
		{DialectXhyve, "-s 1:2:3,virtio-net -f " + fw, 0, ""},
		{DialectXhyve, "-l com1,stdio -l com2,/dev/ttyS9 -l COM1,autopty -f " + fw, 0, ""},
		{DialectXhyve, "-c 16 -f " + fw, 0, ""},
		{DialectXhyve, "-Y x -b -e -C -W -g 1234 -f " + fw, 0, ""}, // -Y takes an argument in the real getopt string
		{DialectXhyve, "-f " + fw + " trailing non-option args", 0, ""},
		{DialectHyperkit, "-c 64 -f kexec,/k", 0, ""},
		{DialectHyperkit, "-s 3,virtio-9p,path=/s,tag=t -s 4,virtio-sock,guest_cid=3,path=/d -s 5,virtio-vpnkit,path=/v -f " + fw, 0, ""},
		{DialectHyperkit, "-l com1,autopty=/tmp/tty,log=/tmp/log -f " + fw, 0, ""},
		{DialectHyperkit, "-f bootrom,/rom", 0, ""},

		// rejected by getopt
		{DialectXhyve, "-z -f " + fw, 1, "illegal option -- z"},
		{DialectXhyve, "-p 0:1 -f " + fw, 1, "illegal option -- p"},
		{DialectXhyve, "--help", 1, "illegal option -- -"},
		{DialectXhyve, "-f", 1, "option requires an argument -- f"},
		{DialectXhyve, "-A -Y", 1, "option requires an argument -- Y"},
		{DialectXhyve, "-A", 1, ""}, // no -f: usage
		// -s
		{DialectXhyve, "-s 2 -f " + fw, 1, `Invalid PCI slot info field "2"`},
		{DialectXhyve, "-s x,virtio-net -f " + fw, 1, "Invalid PCI slot info field"},
		{DialectXhyve, "-s 32,virtio-net -f " + fw, 1, "Invalid PCI slot info field"},
		{DialectXhyve, "-s 2:8,virtio-net -f " + fw, 1, "Invalid PCI slot info field"},
		{DialectXhyve, "-s 256:0:0,virtio-net -f " + fw, 1, "Invalid PCI slot info field"},
		{DialectXhyve, "-s -1,virtio-net -f " + fw, 1, "Invalid PCI slot info field"},
		{DialectXhyve, "-s 2,virtio-net -s 2:0,virtio-rnd -f " + fw, 1, "pci slot 2:0 already occupied!"},
		{DialectXhyve, "-s 2,e1000 -f " + fw, 1, `pci slot 2:0: unknown device "e1000"`},
		{DialectXhyve, "-s 2,virtio-9p,path=/s -f " + fw, 1, `unknown device "virtio-9p"`},
		{DialectXhyve, "-s 2,virtio-sock -f " + fw, 1, `unknown device "virtio-sock"`},
		{DialectXhyve, "-s 2,virtio-vpnkit -f " + fw, 1, `unknown device "virtio-vpnkit"`},
		{DialectHyperkit, "-s 2,virtio-foo -f " + fw, 1, `unknown device "virtio-foo"`},
		{DialectXhyve, "-s 2, -f " + fw, 1, `unknown device ""`},
		// -c
		{DialectXhyve, "-c 17 -f " + fw, 1, "17 vCPUs requested but only 16 available"},
		{DialectHyperkit, "-c 65 -f " + fw, 1, "65 vCPUs requested but only 64 available"},
		{DialectXhyve, "-c 0 -f " + fw, 1, "Invalid guest vCPUs (0)"},
		{DialectXhyve, "-c two -f " + fw, 1, "Invalid guest vCPUs (0)"},
		// -m
		{DialectXhyve, "-m 1.5G -f " + fw, exUsage, "invalid memsize '1.5G'"},
		{DialectXhyve, "-m lots -f " + fw, exUsage, "invalid memsize 'lots'"},
		{DialectXhyve, "-m 2X -f " + fw, exUsage, "invalid memsize"},
		{DialectXhyve, "-m 0 -f " + fw, 1, "Unable to setup memory"},
		// -l
		{DialectXhyve, "-l com3,stdio -f " + fw, exUsage, "invalid lpc device configuration 'com3,stdio'"},
		{DialectXhyve, "-l ,stdio -f " + fw, exUsage, "invalid lpc device configuration"},
		// -f
		{DialectXhyve, "-f kexec,/k,/i", 1, "Invalid firmware argument"},
		{DialectXhyve, "-f kexec,/k", 1, "Invalid firmware argument"},
		{DialectXhyve, "-f linux,/k,/i,c", 1, "Invalid firmware argument"},
		{DialectXhyve, "-f bootrom,/rom", 1, "Invalid firmware argument"},
		{DialectHyperkit, "-f kexec", 1, "Invalid firmware argument"},
		{DialectHyperkit, "-f kexec,,/i,c", 1, "Invalid firmware argument"},
		// -U
		{DialectXhyve, "-U 6ba7b810-9dad-11d1-80b4-00c04fd430c -f " + fw, 1, "Invalid UUID"},
		{DialectXhyve, "-U 6ba7b810x9dad-11d1-80b4-00c04fd430c8 -f " + fw, 1, "Invalid UUID"},
		{DialectXhyve, "-U 6ba7b810-9dad-11d1-80b4-00c04fd430cg -f " + fw, 1, "Invalid UUID"},
	}
	for _, tc := range cases {
		_, err := parse(t, tc.d, strings.Fields(tc.args)...)
		if got := exitCode(err); got != tc.code {
			t.Errorf("%v %q: exit %d (%v), want %d", tc.d, tc.args, got, err, tc.code)
			continue
		}
		if tc.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.msg)) {
			t.Errorf("%v %q: error %q, want it to contain %q", tc.d, tc.args, err, tc.msg)
		}
	}
}

func TestVersionAndHelpStopParsing(t *testing.T) {
	c, err := Parse(DialectXhyve, "xhyve", []string{"-v", "-z"})
	if err != nil || !c.Version {
		t.Fatalf("-v -z: %v %+v", err, c)
	}
	c, err = Parse(DialectXhyve, "xhyve", []string{"-h"})
	if err != nil || !c.Help {
		t.Fatalf("-h: %v", err)
	}
	// an error before -v wins
	if _, err := Parse(DialectXhyve, "xhyve", []string{"-z", "-v"}); exitCode(err) != 1 {
		t.Fatalf("-z -v: %v", err)
	}
}

func TestFirmwareCmdlineWithCommas(t *testing.T) {
	cases := []struct {
		d                       Dialect
		arg                     string
		kernel, initrd, cmdline string
	}{
		{DialectXhyve, "kexec,/b/vmlinuz64,/b/initrd.img,loglevel=3 console=ttyS0,115200 base host=x", "/b/vmlinuz64", "/b/initrd.img", "loglevel=3 console=ttyS0,115200 base host=x"},
		{DialectXhyve, "kexec,/k,/i,a,b,,c,", "/k", "/i", "a,b,,c,"},
		{DialectXhyve, "kexec,/k,,", "/k", "", ""},
		{DialectXhyve, "kexec,/dev/null,,", "/dev/null", "", ""},
		{DialectXhyve, "kexecfoo,/k,/i,c", "/k", "/i", "c"}, // prefix match, like strncmp
		{DialectHyperkit, "kexec,/k", "/k", "", ""},
		{DialectHyperkit, "kexec,/k,/i", "/k", "/i", ""},
		{DialectHyperkit, "kexec,/k,/i,x=1,y=2", "/k", "/i", "x=1,y=2"},
	}
	for _, tc := range cases {
		c, err := Parse(tc.d, "xhyve", []string{"-f", tc.arg})
		if err != nil {
			t.Errorf("%q: %v", tc.arg, err)
			continue
		}
		fw := c.Firmware
		if fw.Kind != "kexec" || fw.Kernel != tc.kernel || fw.Initrd != tc.initrd || fw.Cmdline != tc.cmdline {
			t.Errorf("%q: got %+v", tc.arg, fw)
		}
	}
}

func TestMemsize(t *testing.T) {
	cases := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"1024", 1024 * mib, true},
		{"256", 256 * mib, true},
		{"1048575", 1048575 * mib, true},
		{"1048576", 1048576, true}, // >= 1 MiB: bytes
		{"2147483648", 2 << 30, true},
		{"0x400", 1024 * mib, true}, // strtoul base 0
		{"010", 8 * mib, true},      // octal
		{"1G", 1 << 30, true},
		{"2g", 2 << 30, true},
		{"512M", 512 * mib, true},
		{"512m", 512 * mib, true},
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
	c, err := Parse(DialectXhyve, "xhyve", []string{
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
}

func TestLPC(t *testing.T) {
	c, err := Parse(DialectHyperkit, "hyperkit", []string{"-l", "com1,autopty=/t,log=/l", "-l", "com2", "-f", "kexec,/k"})
	if err != nil {
		t.Fatal(err)
	}
	if b := c.LPC["COM1"]; b == nil || *b != "autopty=/t,log=/l" {
		t.Errorf("COM1 backend %v", b)
	}
	if b, ok := c.LPC["COM2"]; !ok || b != nil {
		t.Errorf("COM2 backend %v %v", b, ok)
	}
}

func TestStatuses(t *testing.T) {
	for _, tc := range []struct {
		d    Dialect
		how  string
		want int
	}{
		{DialectXhyve, "reset", 0}, {DialectXhyve, "poweroff", 1}, {DialectXhyve, "halt", 2}, {DialectXhyve, "crash", 3},
		{DialectHyperkit, "reset", 2}, {DialectHyperkit, "poweroff", 0}, {DialectHyperkit, "halt", 0}, {DialectHyperkit, "crash", 3},
	} {
		if got := statusFor(tc.d, tc.how); got != tc.want {
			t.Errorf("%v %s: %d, want %d", tc.d, tc.how, got, tc.want)
		}
	}
}

func TestUsageAndVersionText(t *testing.T) {
	v := versionText(DialectXhyve, "xhyve")
	if !strings.HasPrefix(v, "xhyve: v0.2.0-standin\n\n") || !strings.HasSuffix(v, "Homepage: http://www.xhyve.xyz\nLicense: BSD\n\n") {
		t.Errorf("xhyve version text %q", v)
	}
	v = versionText(DialectXhyve020, "xhyve")
	if !strings.HasPrefix(v, "xhyve: 0.2.0\n\n") || !strings.HasSuffix(v, "Homepage: https://github.com/mist64/xhyve\nLicense: BSD\n\n") {
		t.Errorf("xhyve v0.2.0 version text %q", v)
	}
	v = versionText(DialectHyperkit, "hyperkit")
	if v != "hyperkit: v0.20210107-standin\n\nHomepage: https://github.com/docker/hyperkit\nLicense: BSD\n\n" {
		t.Errorf("hyperkit version text %q", v)
	}
	for _, tc := range []struct {
		d          Dialect
		prefix     string
		has, hasnt []string
	}{
		{DialectXhyve, "Usage: xhyve [-behuwxMACHPWY] [-c vcpus] [-F <pidfile>]", []string{"-M: print MAC", "-F: pidfile", "-p: pin", "Ex: -l com1,stdio"}, nil},
		{DialectHyperkit, "Usage: hyperkit [-behuwxMACHPWY] [-c vcpus] [-F <pidfile>]", []string{"-M: print MAC", "-F: pidfile", "Ex: -l com1,stdio"}, []string{"-p: pin"}},
		{DialectXhyve020, "Usage: xhyve [-behuwxACHPWY] [-c vcpus] [-g <gdb port>] [-l <lpc>]\n       ", []string{"-p: pin", "-m: memory size in MB\n"}, []string{"-M", "-F", "Ex:"}},
	} {
		u := usageText(tc.d, "xhyve")
		if tc.d == DialectHyperkit {
			u = usageText(tc.d, "hyperkit")
		}
		if !strings.HasPrefix(u, tc.prefix) {
			t.Errorf("%v usage %q", tc.d, u)
		}
		for _, h := range tc.has {
			if !strings.Contains(u, h) {
				t.Errorf("%v usage lacks %q", tc.d, h)
			}
		}
		for _, h := range tc.hasnt {
			if strings.Contains(u, h) {
				t.Errorf("%v usage has %q", tc.d, h)
			}
		}
	}
}

// TestRelease020: XHYVE_STANDIN_RELEASE=v0.2.0 plays xhyve's only release,
// whose getopt string has neither F nor M.
func TestRelease020(t *testing.T) {
	for _, tc := range []struct {
		prog, release string
		want          Dialect
		ok            bool
	}{
		{"xhyve", "", DialectXhyve, true},
		{"xhyve", "v0.2.0", DialectXhyve020, true},
		{"goxhyve", "v0.2.0", DialectXhyve020, true},
		{"xhyve", "v0.3.0", 0, false},
		{"hyperkit", "v0.2.0", 0, false},
		{"hyperkit", "", DialectHyperkit, true},
	} {
		d, err := dialectFor(tc.prog, tc.release)
		if (err == nil) != tc.ok || (tc.ok && d != tc.want) {
			t.Errorf("dialectFor(%q, %q) = %v, %v", tc.prog, tc.release, d, err)
		}
	}
	fw := "kexec,/k,/i,c"
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
		_, err := parse(t, DialectXhyve020, strings.Fields(tc.args)...)
		if got := exitCode(err); got != tc.code {
			t.Errorf("v0.2.0 %q: exit %d (%v), want %d", tc.args, got, err, tc.code)
			continue
		}
		if tc.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.msg)) {
			t.Errorf("v0.2.0 %q: %q, want %q", tc.args, err, tc.msg)
		}
		var ee *ExitError
		if tc.code == 1 && strings.Contains(tc.msg, "illegal option") && (!errors.As(err, &ee) || !ee.Usage) {
			t.Errorf("v0.2.0 %q: no usage after getopt's message", tc.args)
		}
	}
}
