package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/xhyveargv"
)

const testID = "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef"

// TestParseRefusesAsTheRealOne: what xhyve or hyperkit would refuse, the
// fake refuses with their message and status (the shared parser's tables
// in test/standin/xhyveargv cover every option; these are the ones the
// fake's leniency used to let through or word differently).
func TestParseRefusesAsTheRealOne(t *testing.T) {
	for _, tt := range []struct {
		name    string
		dialect string
		argv    []string
		code    int
		want    string
	}{
		{"com2 is a device, com3 is not", "hyperkit", []string{"-l", "com3,stdio", "-f", "kexec,/k"}, 64, "hyperkit: invalid lpc device configuration 'com3,stdio'"},
		{"17 vCPUs on xhyve", "xhyve", []string{"-c", "17", "-f", "kexec,/k,,"}, 1, "17 vCPUs requested but only 16 available"},
		{"65 vCPUs on hyperkit", "hyperkit", []string{"-c", "65", "-f", "kexec,/k"}, 1, "65 vCPUs requested but only 64 available"},
		{"no vCPUs", "xhyve", []string{"-c", "0", "-f", "kexec,/k,,"}, 1, "Invalid guest vCPUs (0)"},
		{"memory not a number", "xhyve", []string{"-m", "lots", "-f", "kexec,/k,,"}, 64, "xhyve: invalid memsize 'lots'"},
		{"memory in tenths", "xhyve", []string{"-m", "1.5G", "-f", "kexec,/k,,"}, 64, "invalid memsize '1.5G'"},
		{"short uuid", "xhyve", []string{"-U", testID[:35], "-f", "kexec,/k,,"}, 1, "Invalid UUID"},
		{"slot 32", "xhyve", []string{"-s", "32,virtio-rnd", "-f", "kexec,/k,,"}, 1, `Invalid PCI slot info field "32,virtio-rnd"`},
		{"a slot taken twice", "xhyve", []string{"-s", "2,virtio-net", "-s", "2:0,virtio-rnd", "-f", "kexec,/k,,"}, 1, "pci slot 2:0 already occupied!"},
		{"unknown emulation", "xhyve", []string{"-s", "6,virtio-9p", "-f", "kexec,/k,,"}, 1, `pci slot 6:0: unknown device "virtio-9p"`},
		{"kexec without its commas", "xhyve", []string{"-f", "kexec,/vmlinuz"}, 1, "Invalid firmware argument"},
		{"no firmware", "xhyve", []string{"-A"}, 1, ""},
		{"value missing", "xhyve", []string{"-A", "-U"}, 1, "xhyve: option requires an argument -- U"},
		{"unknown option", "hyperkit", []string{"-Az"}, 1, "hyperkit: illegal option -- z"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.dialect, tt.dialect, tt.argv)
			var e *xhyveargv.Error
			if !errors.As(err, &e) || e.Code != tt.code || !strings.Contains(e.Msg, tt.want) {
				t.Errorf("parse(%s, %q) = %v, want status %d and %q", tt.dialect, tt.argv, err, tt.code, tt.want)
			}
		})
	}
	if _, err := parse("goxhyve", "goxhyve", nil); err == nil || err.Error() != `unknown dialect "goxhyve"` {
		t.Errorf("unknown dialect: %v", err)
	}
}

// TestParseAccepts: the forms the documentation allows beyond the goldens',
// and what the fake takes from them.
func TestParseAccepts(t *testing.T) {
	a, err := parse("xhyve", "xhyve", []string{"-M", "-U", strings.ToUpper(testID), "-s", "2:0,virtio-net", "-f", "kexec,/dev/null,,"})
	if err != nil || !a.mac || !a.net || a.kernel != "/dev/null" || a.initrd != "" || a.cmdline != "" {
		t.Errorf("the -M query: %+v, %v", a, err)
	}
	for _, argv := range [][]string{
		{"-c", "16"}, {"-m", "1G"}, {"-m", "512"}, {"-m", "2048M"}, {"-s", "0:31:7,lpc"},
		{"-s", "4,virtio-blk,/disk.img,sectorsize=4096"}, {"-l", "com1,stdio"}, {"-l", "com1,autopty"},
	} {
		if _, err := parse("xhyve", "xhyve", append(argv, "-f", "kexec,/k,,")); err != nil {
			t.Errorf("parse(xhyve, %q): %v", argv, err)
		}
	}
	a, err = parse("hyperkit", "hyperkit", []string{"-c", "64", "-s", "4,virtio-blk,/disk.img,sectorsize=4096", "-s", "3,ahci-cd,/b2d.iso", "-f", "kexec,/k"})
	if err != nil || a.cpus != 64 || strings.Join(a.files, " ") != "/b2d.iso /disk.img" || a.diskErr != nil {
		t.Errorf("hyperkit: %+v, %v; want 64 vCPUs and the paths without their options, in slot order", a, err)
	}
	// -v and -h end the command line where they stand, as the driver's
	// option probe (-F PATH -v, -M -v) relies on.
	for _, argv := range [][]string{{"-v"}, {"-F", "/nonexistent/p.pid", "-v"}, {"-M", "-v"}} {
		if a, err := parse("xhyve", "xhyve", argv); err != nil || !a.version {
			t.Errorf("%q not taken as the version request: %+v, %v", argv, a, err)
		}
	}
	if a, err := parse("hyperkit", "hyperkit", []string{"-h"}); err != nil || !a.help {
		t.Errorf("-h not taken as the help request: %+v, %v", a, err)
	}
}

// TestFakeLimits: what the real binaries run but the fake cannot is refused
// by the fake, in its own words, before it creates the VM; the console is
// stdio only when an LPC slot carries it, as -l has no effect without one.
func TestFakeLimits(t *testing.T) {
	const boot = "kexec,/k,,"
	for _, tt := range []struct {
		name  string
		argv  []string
		want  string
		stdio bool
	}{
		{"all it needs", []string{"-F", "/p", "-U", testID, "-s", "31,lpc", "-l", "com1,stdio", "-f", boot}, "", true},
		{"-l without an LPC slot", []string{"-F", "/p", "-U", testID, "-l", "com1,stdio", "-f", boot}, "", false},
		{"no pidfile", []string{"-U", testID, "-f", boot}, "fake needs -F, -U and -f kexec", false},
		{"no uuid", []string{"-F", "/p", "-f", boot}, "fake needs -F, -U and -f kexec", false},
		{"no kernel", []string{"-F", "/p", "-U", testID, "-f", "kexec,,,"}, "fake needs -F, -U and -f kexec", false},
		{"fbsd", []string{"-F", "/p", "-U", testID, "-f", "fbsd,/u,/d,"}, "fake needs -F, -U and -f kexec", false},
		{"autopty", []string{"-F", "/p", "-U", testID, "-s", "31,lpc", "-l", "com1,autopty", "-f", boot}, `backend "autopty": the fake has only stdio`, false},
		{"com2 on a tty", []string{"-F", "/p", "-U", testID, "-s", "31,lpc", "-l", "com2,/dev/ttyS1", "-f", boot}, `backend "/dev/ttyS1"`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, err := parse("xhyve", "xhyve", tt.argv)
			if err != nil {
				t.Fatalf("xhyve refuses %q: %v", tt.argv, err)
			}
			err = a.fakeLimits()
			if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("fakeLimits(%q) = %v, want %q", tt.argv, err, tt.want)
			}
			if a.stdio != tt.stdio {
				t.Errorf("stdio %v, want %v", a.stdio, tt.stdio)
			}
		})
	}
}

// TestDiskRefusedAtSetup: a disk slot's bad config is the real binary's
// device-setup error, reported by checkDisks (after the pidfile), not by
// parse.
func TestDiskRefusedAtSetup(t *testing.T) {
	a, err := parse("xhyve", "xhyve", []string{"-s", "4,virtio-blk", "-s", "5,virtio-blk,/d.img,bogus", "-f", "kexec,/k,,"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.checkDisks(); err == nil || err.Error() != "virtio-blk: backing file required" {
		t.Errorf("checkDisks = %v, want the first bad slot's refusal", err)
	}
}
