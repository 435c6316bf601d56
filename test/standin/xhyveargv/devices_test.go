package xhyveargv

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestParseDisk: the path is the config up to its first comma, the options
// after it are the real ones, and a slot without a path is refused.
func TestParseDisk(t *testing.T) {
	for _, tc := range []struct {
		slot string
		want Disk
		err  string
	}{
		{"4:0,virtio-blk,/Users/Jane Doe/disk.img", Disk{Path: "/Users/Jane Doe/disk.img"}, ""},
		{"4,virtio-blk,/d.img,ro,sectorsize=4096", Disk{Path: "/d.img", ReadOnly: true}, ""},
		{"4,virtio-blk,/d.img,sync,direct,nocache", Disk{Path: "/d.img"}, ""},
		{"3,ahci-cd,/b2d.iso", Disk{Path: "/b2d.iso"}, ""},
		{"5,ahci-hd,/h.img", Disk{Path: "/h.img"}, ""},
		{"4,virtio-blk,/a,b.img", Disk{}, `Invalid device option "b.img"`},
		{"4,virtio-blk", Disk{}, "virtio-blk: backing file required"},
		{"4,virtio-blk,", Disk{}, "virtio-blk: backing file required"},
		{"3,ahci-cd", Disk{}, "ahci-cd: backing file required"},
	} {
		c, err := Parse(Xhyve, "xhyve", []string{"-s", tc.slot, "-f", fw})
		if err != nil {
			t.Fatalf("-s %q: %v", tc.slot, err)
		}
		got, err := ParseDisk(c.Slots[0])
		if code, _ := status(err); tc.err != "" && (code != StatusError || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("-s %q: %v (exit %d), want %q, exit 1", tc.slot, err, code, tc.err)
			continue
		}
		if tc.err == "" && (err != nil || got.Path != tc.want.Path || got.ReadOnly != tc.want.ReadOnly || got.Slot != c.Slots[0]) {
			t.Errorf("-s %q: %+v, %v; want %+v", tc.slot, got, err, tc.want)
		}
	}
}

func TestParseUUID(t *testing.T) {
	u, err := ParseUUID("6BA7B810-9dad-11d1-80b4-00c04fd430c8")
	want := [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	if err != nil || u != want {
		t.Errorf("ParseUUID = %x, %v", u, err)
	}
	for _, bad := range []string{"", testUUID[:35], testUUID + "0", "6ba7b810-9dad-11d1-80b4+00c04fd430c8", "6ba7b810-9dad-11d1-80b4-00c04fd430cz", "{6ba7b810-9dad-11d1-80b4-00c04fd430}"} {
		if _, err := ParseUUID(bad); err == nil {
			t.Errorf("ParseUUID(%q) accepted", bad)
		}
	}
}

func TestUsageText(t *testing.T) {
	for _, tc := range []struct {
		d          Dialect
		prog       string
		prefix     string
		has, hasnt []string
	}{
		{Xhyve, "xhyve", "Usage: xhyve [-behuwxMACHPWY] [-c vcpus] [-F <pidfile>]", []string{"-M: print MAC", "-F: pidfile", "-p: pin", "Ex: -l com1,stdio"}, nil},
		{Hyperkit, "hyperkit", "Usage: hyperkit [-behuwxMACHPWY] [-c vcpus] [-F <pidfile>]", []string{"-M: print MAC", "-F: pidfile", "Ex: -l com1,stdio", "\n" + strings.Repeat(" ", 7+len("hyperkit")) + " [-m mem]"}, []string{"-p: pin"}},
		{Xhyve020, "xhyve", "Usage: xhyve [-behuwxACHPWY] [-c vcpus] [-g <gdb port>] [-l <lpc>]\n       ", []string{"-p: pin", "-m: memory size in MB\n"}, []string{"-M", "-F", "Ex:"}},
	} {
		u := UsageText(tc.d, tc.prog)
		if !strings.HasPrefix(u, tc.prefix) || !strings.HasSuffix(u, "-Y: disable MPtable generation\n") {
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

// TestReport: the refusal goes out as the real binary writes it, message
// then usage, with its status; any other error is the program's, status 1.
func TestReport(t *testing.T) {
	for _, tc := range []struct {
		d    Dialect
		prog string
		args []string
		want string
		code int
	}{
		{Xhyve, "xhyve", []string{"-z"}, "xhyve: illegal option -- z\n" + UsageText(Xhyve, "xhyve"), 1},
		{Hyperkit, "hyperkit", nil, UsageText(Hyperkit, "hyperkit"), 1},
		{Hyperkit, "com.docker.hyperkit", []string{"-m", "x"}, "com.docker.hyperkit: invalid memsize 'x'\n", 64},
		{Xhyve, "xhyve", []string{"-s", "2,e1000", "-f", fw}, "pci slot 2:0: unknown device \"e1000\"\n", 1},
	} {
		_, err := Parse(tc.d, tc.prog, tc.args)
		var out bytes.Buffer
		if code := Report(&out, tc.prog, err); code != tc.code || out.String() != tc.want {
			t.Errorf("%s %q: exit %d, wrote %q; want %d, %q", tc.prog, tc.args, code, out.String(), tc.code, tc.want)
		}
	}
	var out bytes.Buffer
	if code := Report(&out, "fakehv", errors.New("no kernel")); code != 1 || out.String() != "fakehv: no kernel\n" {
		t.Errorf("a plain error: exit %d, wrote %q", code, out.String())
	}
}
