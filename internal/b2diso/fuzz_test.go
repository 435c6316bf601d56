package b2diso

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso/isotest"
)

// systemArea is the part of an image the reader never reads: FuzzInspect
// mutates only what follows it, so that no mutation is wasted on it.
const systemArea = 16 * isotest.Sector

// FuzzInspect reads arbitrary images as the driver does: each must succeed
// or fail with ErrNotFound or a *DamagedError, without the reader panicking,
// within timeLimit and memLimit.
func FuzzInspect(f *testing.F) {
	for _, b := range bases(f) {
		f.Add(b.img[systemArea:])
		for _, m := range mutations(b) {
			for _, seed := range []string{
				"SUSP NM length 0", "CE pointing at itself", "extent is the root's",
				"root record length 255", "identifier length 255", "truncated to 40960 bytes",
			} {
				if strings.Contains(m.name, seed) {
					f.Add(m.img()[min(systemArea, len(m.img())):])
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img := append(make([]byte, systemArea, systemArea+len(data)), data...)
		var err error
		bounded(t, "input", func() { _, _, err = readAll(img) })
		checkOutcome(t, "input", err)
	})
}

// FuzzParseIsolinux checks that whatever isolinux.cfg an ISO carries, the
// command line is deterministic, one line of printable UTF-8 arguments
// separated by single spaces, without initrd=, survives the boot record's
// JSON, and reads back the same as an append line.
func FuzzParseIsolinux(f *testing.F) {
	for _, cfg := range []string{
		newCfg, oldCfg,
		"default b\nlabel a\nappend one\nlabel b\nappend two initrd=/x\n",
		"DEFAULT vesamenu.c32\r\nLABEL a\r\n  APPEND x=1\tquiet\r\n",
		"label a\nappend a\x00b\x1b[0m \xff\xfe initrd=/i \u00a0c\u0085d\n",
		"append -\n", "append initrd=x -\n", "# append no\n",
	} {
		f.Add([]byte(cfg))
	}
	f.Fuzz(func(t *testing.T, cfg []byte) {
		cmdline, ok, err := ParseIsolinux(bytes.NewReader(cfg))
		again, okAgain, errAgain := ParseIsolinux(bytes.NewReader(cfg))
		if again != cmdline || okAgain != ok || (errAgain == nil) != (err == nil) {
			t.Fatalf("not deterministic: %q %v %v, then %q %v %v", cmdline, ok, err, again, okAgain, errAgain)
		}
		if err != nil {
			if len(cfg) < bufio.MaxScanTokenSize {
				t.Fatalf("error for %d bytes: %v", len(cfg), err)
			}
			return
		}
		if ok != (cmdline != "") {
			t.Fatalf("ok %v for %q", ok, cmdline)
		}
		if !utf8.ValidString(cmdline) {
			t.Fatalf("not UTF-8: %q", cmdline)
		}
		for _, r := range cmdline {
			if unicode.IsControl(r) || unicode.IsSpace(r) && r != ' ' {
				t.Fatalf("%U in %q", r, cmdline)
			}
		}
		if cmdline != "" {
			for _, arg := range strings.Split(cmdline, " ") {
				if arg == "" || strings.HasPrefix(arg, "initrd=") {
					t.Fatalf("argument %q in %q", arg, cmdline)
				}
			}
		}
		var decoded string
		if data, err := json.Marshal(cmdline); err != nil || json.Unmarshal(data, &decoded) != nil || decoded != cmdline {
			t.Fatalf("%q does not survive JSON: %q, %v", cmdline, decoded, err)
		}
		if ok && cmdline != "-" { // "append -" means no arguments
			got, gotOK, err := ParseIsolinux(strings.NewReader("append " + cmdline + "\n"))
			if got != cmdline || !gotOK || err != nil {
				t.Fatalf("append %q reads back as %q %v %v", cmdline, got, gotOK, err)
			}
		}
	})
}
