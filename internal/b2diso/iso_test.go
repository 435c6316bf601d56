package b2diso

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso/isotest"
)

const newCfg = `default boot2docker
label boot2docker
	kernel /boot/vmlinuz
	initrd /boot/initrd.img
	append loglevel=3 console=ttyS0 console=tty0 noembed nomodeset norestore waitusb=10 base
`

const oldCfg = `display boot.msg
default boot2docker
label boot2docker
	kernel /boot/vmlinuz64
	initrd /boot/initrd.img
	append loglevel=3 user=docker console=ttyS0 console=tty0 noembed nomodeset norestore base initrd=/boot/initrd.img
`

var (
	newLayout = map[string]string{
		"boot/vmlinuz":          "new-kernel",
		"boot/initrd.img":       "new-initrd",
		"isolinux/isolinux.cfg": newCfg,
		"isolinux/isolinux.bin": "loader",
		"version":               "18.09.0",
	}
	oldLayout = map[string]string{
		"boot/vmlinuz64":             "old-kernel",
		"boot/initrd.img":            "old-initrd",
		"boot/isolinux/isolinux.cfg": oldCfg,
	}
	noAppend = map[string]string{
		"boot/vmlinuz":          "k",
		"boot/initrd.img":       "i",
		"isolinux/isolinux.cfg": "default linux\nlabel linux\n  kernel /boot/vmlinuz\n",
	}
)

func inspect(t *testing.T, iso, kernel, initrd string) (BootFiles, error) {
	t.Helper()
	f, err := os.Open(iso)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Inspect(f, kernel, initrd)
}

func TestInspectLayouts(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  BootFiles
	}{
		{"18.09+", newLayout, BootFiles{"/boot/vmlinuz", "/boot/initrd.img",
			"loglevel=3 console=ttyS0 console=tty0 noembed nomodeset norestore waitusb=10 base"}},
		{"legacy", oldLayout, BootFiles{"/boot/vmlinuz64", "/boot/initrd.img",
			"loglevel=3 user=docker console=ttyS0 console=tty0 noembed nomodeset norestore base"}},
		{"no append line", noAppend, BootFiles{"/boot/vmlinuz", "/boot/initrd.img", DefaultCmdline}},
	}
	for _, tt := range tests {
		for writer, write := range writers {
			t.Run(tt.name+"/"+writer, func(t *testing.T) {
				got, err := inspect(t, write(t, tt.files), "", "")
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Errorf("got %+v\nwant %+v", got, tt.want)
				}
			})
		}
	}
}

// writers make test ISOs: plain ISO 9660 names (upper case, versioned) and
// Rock Ridge ones, which boot2docker ISOs have.
var writers = map[string]func(testing.TB, map[string]string) string{
	"plain":      isotest.Write,
	"rock ridge": isotest.WriteRockRidge,
}

func TestInspectOverrides(t *testing.T) {
	files := map[string]string{
		"custom/bzimage":        "k",
		"custom/rootfs.gz":      "i",
		"isolinux/isolinux.cfg": newCfg,
	}
	iso := isotest.Write(t, files)
	got, err := inspect(t, iso, "/custom/bzImage", "/custom/rootfs.gz")
	if err != nil {
		t.Fatal(err)
	}
	if got.Kernel != "/custom/bzImage" || got.Initrd != "/custom/rootfs.gz" {
		t.Errorf("got %+v", got)
	}
	// Not a damaged ISO: the caller names its flags for the paths.
	if _, err := inspect(t, iso, "", ""); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrDamaged) ||
		!strings.Contains(err.Error(), "/boot/vmlinuz64") || strings.Contains(err.Error(), "--") {
		t.Errorf("undetectable layout: err %v", err)
	}
	if _, err := inspect(t, iso, "/custom/missing", "/custom/rootfs.gz"); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrDamaged) {
		t.Errorf("missing override: err %v", err)
	}
}

func TestInspectNotAnISO(t *testing.T) {
	for name, img := range map[string][]byte{
		"zeros":      make([]byte, 64*1024),
		"empty":      nil,
		"error page": []byte("<html><body>502 Bad Gateway</body></html>"),
	} {
		_, err := Inspect(bytes.NewReader(img), "", "")
		var de *DamagedError
		if !errors.As(err, &de) || errors.Is(err, ErrNotFound) {
			t.Errorf("%s: err %v, want a *DamagedError", name, err)
		}
	}
}

func TestParseIsolinux(t *testing.T) {
	tests := []struct {
		name, cfg, want string
		ok              bool
	}{
		{"default label wins", "default b\nlabel a\nappend one\nlabel b\nappend two initrd=/x\n", "two", true},
		{"first when no default", "label a\nAPPEND one two\nlabel b\nappend three\n", "one two", true},
		{"default with menu module", "DEFAULT vesamenu.c32\nlabel a\n  append x=1\n", "x=1", true},
		{"dash means empty", "default a\nlabel a\nappend -\n", "", false},
		{"comments", "# append no\nlabel a\nappend yes\n", "yes", true},
		{"none", "label a\nkernel /k\n", "", false},
		{"CRLF", "default a\r\nlabel a\r\nappend x=1 y\r\n", "x=1 y", true},
		{"control characters separate", "label a\nappend a\x00b\tc\x1bd\x7fe\n", "a b c d e", true},
		{"not UTF-8 separates", "label a\nappend a\xffb\n", "a b", true},
		{"only initrd", "label a\nappend initrd=/boot/initrd.img\n", "", false},
	}
	for _, tt := range tests {
		got, ok, err := ParseIsolinux(strings.NewReader(tt.cfg))
		if got != tt.want || ok != tt.ok || err != nil {
			t.Errorf("%s: got %q %v %v, want %q %v", tt.name, got, ok, err, tt.want, tt.ok)
		}
	}
}

func TestParseIsolinuxBounded(t *testing.T) {
	endless := io.MultiReader(strings.NewReader("label a\nappend x\n"), repeat("label b\n"))
	if _, _, err := ParseIsolinux(endless); err == nil || !strings.Contains(err.Error(), "over 1048576 bytes") {
		t.Errorf("endless configuration: err %v", err)
	}
	long := strings.Repeat("x", 100<<10)
	if _, _, err := ParseIsolinux(strings.NewReader("append " + long + "\n")); !errors.Is(err, bufio.ErrTooLong) {
		t.Errorf("100 KiB line: err %v", err)
	}
}

// repeat is an endless reader of s.
type repeat string

func (r repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r[i%len(r)]
	}
	return len(p) - len(p)%len(r), nil
}

func TestEnsureReextractsWhenISOChanges(t *testing.T) {
	for _, cached := range []bool{false, true} {
		t.Run(fmt.Sprintf("cache=%v", cached), func(t *testing.T) { testEnsureReextracts(t, cached) })
	}
}

func testDest(dir string, cached bool) Dest {
	d := Dest{Kernel: filepath.Join(dir, "vmlinuz"), Initrd: filepath.Join(dir, "initrd.img"), Record: filepath.Join(dir, "boot.json")}
	if cached {
		d.Cache = filepath.Join(dir, "cache")
	}
	return d
}

func testEnsureReextracts(t *testing.T, cached bool) {
	dir := t.TempDir()
	dst := testDest(dir, cached)
	iso := filepath.Join(dir, "boot2docker.iso")
	copyFile(t, isotest.Write(t, oldLayout), iso)

	rec, extracted, err := Ensure(iso, "", "", dst)
	if err != nil || !extracted {
		t.Fatalf("first Ensure: extracted=%v err=%v", extracted, err)
	}
	assertFile(t, dst.Kernel, "old-kernel")
	assertFile(t, dst.Initrd, "old-initrd")
	if rec.Kernel != "/boot/vmlinuz64" || len(rec.ISOSHA256) != 64 {
		t.Errorf("record %+v", rec)
	}

	if _, extracted, err := Ensure(iso, "", "", dst); err != nil || extracted {
		t.Fatalf("unchanged ISO: extracted=%v err=%v", extracted, err)
	}

	copyFile(t, isotest.Write(t, newLayout), iso) // what `docker-machine upgrade` does
	rec, extracted, err = Ensure(iso, "", "", dst)
	if err != nil || !extracted {
		t.Fatalf("changed ISO: extracted=%v err=%v", extracted, err)
	}
	assertFile(t, dst.Kernel, "new-kernel")
	assertFile(t, dst.Initrd, "new-initrd")
	if !strings.Contains(rec.Cmdline, "waitusb=10") {
		t.Errorf("cmdline not re-read: %q", rec.Cmdline)
	}

	if err := os.Remove(dst.Kernel); err != nil {
		t.Fatal(err)
	}
	if _, extracted, err := Ensure(iso, "", "", dst); err != nil || !extracted {
		t.Fatalf("deleted kernel: extracted=%v err=%v", extracted, err)
	}
	if _, extracted, err := Ensure(iso, "/boot/vmlinuz", "", dst); err != nil || !extracted {
		t.Fatalf("new override: extracted=%v err=%v", extracted, err)
	}
}

func TestEnsureFailureKeepsNoRecord(t *testing.T) {
	dir := t.TempDir()
	dst := testDest(dir, true)
	iso := isotest.Write(t, map[string]string{"readme": "not boot2docker"})
	if _, _, err := Ensure(iso, "", "", dst); err == nil {
		t.Fatal("ISO without boot files accepted")
	}
	for _, p := range []string{dst.Kernel, dst.Initrd, dst.Record} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind: %v", p, err)
		}
	}
	if _, _, err := Ensure(filepath.Join(dir, "missing.iso"), "", "", dst); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing ISO: err %v", err)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func assertFile(t *testing.T, p, want string) {
	t.Helper()
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s = %q, want %q", p, got, want)
	}
}
