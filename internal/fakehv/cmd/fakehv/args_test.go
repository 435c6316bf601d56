package main

import (
	"strings"
	"testing"
)

// TestParseRejects: what xhyve or hyperkit would refuse or misread, the fake
// refuses too, so a driver that sends it fails here before it fails on a Mac.
func TestParseRejects(t *testing.T) {
	const id = "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef"
	for _, tt := range []struct {
		name    string
		dialect string
		argv    []string
		want    string
	}{
		{"autopty", "xhyve", []string{"-l", "com1,autopty"}, `backend "autopty"`},
		{"autopty with a path", "hyperkit", []string{"-l", "com1,autopty=/tmp/tty"}, `backend "autopty=/tmp/tty"`},
		{"com2", "hyperkit", []string{"-l", "com2,stdio"}, "want com1,BACKEND"},
		{"no backend", "xhyve", []string{"-l", "com1"}, "want com1,BACKEND"},
		{"17 vCPUs on xhyve", "xhyve", []string{"-c", "17"}, "xhyve takes 1 to 16"},
		{"65 vCPUs on hyperkit", "hyperkit", []string{"-c", "65"}, "hyperkit takes 1 to 64"},
		{"no vCPUs", "xhyve", []string{"-c", "0"}, "takes 1 to"},
		{"memory with two suffixes", "xhyve", []string{"-m", "4GM"}, "more than one size suffix"},
		{"memory not a number", "xhyve", []string{"-m", "lots"}, "not a positive size"},
		{"short uuid", "xhyve", []string{"-U", id[:35]}, "36-character UUID"},
		{"braced uuid", "xhyve", []string{"-U", "{" + id[1:35] + "}"}, "36-character UUID"},
		{"slot 32", "xhyve", []string{"-s", "32,virtio-rnd"}, "slot 32 is not in 0-31"},
		{"bus slot func", "xhyve", []string{"-s", "0:40:0,virtio-rnd"}, "slot 40"},
		{"slot not a number", "xhyve", []string{"-s", "x:0,virtio-rnd"}, "bad slot number"},
		{"unknown emulation", "xhyve", []string{"-s", "6,virtio-9pfs"}, `unknown emulation "virtio-9pfs"`},
		{"disk without a path", "xhyve", []string{"-s", "4:0,virtio-blk"}, "virtio-blk needs a path"},
		{"firmware not kexec", "xhyve", []string{"-f", "fbsd,/boot/userboot.so,/disk,"}, "want kexec"},
		{"kexec without its commas", "xhyve", []string{"-f", "kexec,/vmlinuz"}, "want kexec"},
		{"kexec without a kernel", "xhyve", []string{"-f", "kexec,,,"}, "want kexec"},
		{"value missing", "xhyve", []string{"-A", "-U"}, "-U needs a value"},
		{"unknown option", "hyperkit", []string{"-Au"}, `illegal option "-Au"`},
		{"unknown dialect", "goxhyve", nil, `unknown dialect "goxhyve"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.dialect, tt.argv)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parse(%s, %q) err = %v, want %q", tt.dialect, tt.argv, err, tt.want)
			}
		})
	}
}

// TestParseAccepts: the forms the documentation allows beyond the goldens'.
func TestParseAccepts(t *testing.T) {
	a, err := parse("xhyve", []string{"-M", "-U", "6BCE442E-4359-4BD9-84F7-EDFB8EC6D2EF", "-s", "2:0,virtio-net", "-f", "kexec,/dev/null,,"})
	if err != nil || !a.mac || !a.net || a.kernel != "/dev/null" || a.initrd != "" || a.cmdline != "" {
		t.Errorf("the -M query: %+v, %v", a, err)
	}
	for _, argv := range [][]string{
		{"-c", "16"}, {"-m", "1G"}, {"-m", "512"}, {"-s", "0:31:7,lpc"},
		{"-s", "4,virtio-blk,/disk.img,sectorsize=4096"}, {"-l", "com1,stdio"},
	} {
		if _, err := parse("xhyve", argv); err != nil {
			t.Errorf("parse(xhyve, %q): %v", argv, err)
		}
	}
	a, err = parse("hyperkit", []string{"-c", "64", "-s", "4,virtio-blk,/disk.img,sectorsize=4096"})
	if err != nil || a.cpus != 64 || len(a.files) != 1 || a.files[0] != "/disk.img" {
		t.Errorf("hyperkit: %+v, %v; want 64 vCPUs and the disk path without its options", a, err)
	}
	if a, _ := parse("xhyve", []string{"-v"}); !a.version {
		t.Error("-v not taken as the version request")
	}
}
