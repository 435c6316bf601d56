package xhyveargv

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzParse: no command line makes the parser panic; every refusal is an
// *Error with one of the real statuses (1, or 64 for -m and -l) that Report
// gives back; what it accepts has the firmware or stopped at -v/-h, and
// its slots are within the PCI ranges it checks. The input is one argument
// per line.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"-A\n-u\n-U\n6bce442e-4359-4bd9-84f7-edfb8ec6d2ef\n-c\n2\n-m\n4096M\n-s\n0:0,hostbridge\n-s\n31,lpc\n-l\ncom1,stdio\n-s\n2:0,virtio-net\n-s\n3:0,ahci-cd,/b2d.iso\n-s\n4:0,virtio-blk,/disk.img\n-s\n5:0,virtio-rnd\n-F\n/x.pid\n-f\nkexec,/k,/i,console=ttyS0 opts=a,b",
		"-M\n-U\n6bce442e-4359-4bd9-84f7-edfb8ec6d2ef\n-s\n2:0,virtio-net\n-f\nkexec,/dev/null,,",
		"-F\n/nonexistent/p.pid\n-v",
		"-AuHc2m0x10G\n-s-1:+2:3,lpc\n-lcom1\n-Y\n--\n-f",
		"-s\n1:2:3:4,virtio-blk,/a,ro,sectorsize=512,bogus\n-fkexec",
		"-m\n18446744073709551615E\n-c\n99999999999\n-U\n{}",
		"-s\n2:0,virtio-vpnkit,path=/tmp/s,uuid=6bce442e-4359-4bd9-84f7-edfb8ec6d2ef,macfile=/m,preferred_ipv4=0x0a.1,x\n-f\nkexec,/k",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		args := strings.Split(in, "\n")
		for _, d := range []Dialect{Xhyve, Hyperkit, Xhyve020} {
			c, err := Parse(d, "xhyve", args)
			if err == nil {
				err = c.Validate()
				if !c.HaveFW && !c.Version && !c.Help {
					t.Fatalf("%v %q: accepted without -f, -v or -h", d, args)
				}
				for _, s := range c.SortedSlots() {
					if s.Bus < 0 || s.Bus > 255 || s.Slot < 0 || s.Slot > 31 || s.Func < 0 || s.Func > 7 || !Emulates(d, s.Emul) {
						t.Fatalf("%v %q: slot %+v accepted", d, args, s)
					}
					switch s.Emul {
					case "virtio-blk", "ahci-hd", "ahci-cd":
						if _, derr := ParseDisk(s); derr != nil {
							checkError(t, d, args, derr)
						}
					case "virtio-vpnkit":
						if _, verr := ParseVpnkit(s); verr != nil {
							checkError(t, d, args, verr)
						}
					}
				}
			}
			if err != nil {
				checkError(t, d, args, err)
			}
		}
	})
}

func checkError(t *testing.T, d Dialect, args []string, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || (e.Code != StatusError && e.Code != StatusUsage) {
		t.Fatalf("%v %q: error %#v, want an *Error with status 1 or 64", d, args, err)
	}
	if got := Report(io.Discard, "xhyve", err); got != e.Code {
		t.Fatalf("%v %q: Report gives %d, the error says %d", d, args, got, e.Code)
	}
}
