package b2diso

import (
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

// rockRidge18 returns the Rock Ridge 18.09+ base image and its layout.
func rockRidge18(t *testing.T) (base, layout) {
	t.Helper()
	b := bases(t)[0]
	return b, parseLayout(b.img)
}

func mustFind(t *testing.T, l layout, prefix string) record {
	t.Helper()
	r, ok := l.find(prefix)
	if !ok {
		t.Fatalf("no record %q", prefix)
	}
	return r
}

// TestDamageReported checks what the driver gets for typical damage: the
// reader must neither hang nor panic, damage that hides the boot files is a
// *DamagedError saying what is wrong, and Rock Ridge damage that plain ISO
// 9660 names survive still yields the boot files.
func TestDamageReported(t *testing.T) {
	b, l := rockRidge18(t)
	kernel, boot := mustFind(t, l, "VMLINUZ"), mustFind(t, l, "BOOT")
	nm := kernel.susp[len(kernel.susp)-1]
	rootDot := l.records[0]
	ce := rootDot.susp[len(rootDot.susp)-1]
	area := l.ceAreas[0]
	tests := []struct {
		name   string
		damage func(img []byte) []byte
		want   string // "" for success, else in the *DamagedError
	}{
		{"SUSP entry of length 0", func(img []byte) []byte { img[nm.off+2] = 0; return img }, ""},
		{"SUSP entry shorter than its header", func(img []byte) []byte { img[nm.off+2] = 3; return img }, ""},
		{"NM entry without flags", func(img []byte) []byte { img[nm.off+2] = 4; return img }, ""},
		{"CE entry pointing at its own area", func(img []byte) []byte {
			copy(img[area:], ceEntry(uint32(area/isotest.Sector), uint32(area%isotest.Sector), 28))
			return img
		}, ""},
		{"continuation area of 4 GiB", func(img []byte) []byte { put32(img[ce.off+20:], 0xFFFFFFFF); return img }, ""},
		{"root record longer than its slot", func(img []byte) []byte { img[isotest.PVDBlock*isotest.Sector+156] = 255; return img }, "root directory record"},
		{"identifier longer than its record", func(img []byte) []byte { img[kernel.off+32] = 200; return img }, "identifier"},
		{"directory looping to the root", func(img []byte) []byte { put32(img[boot.off+2:], rootDot.loc); return img }, "loops"},
		{"directory past the end", func(img []byte) []byte { put32(img[boot.off+2:], 1<<20); return img }, "past the end"},
		{"kernel past the end", func(img []byte) []byte { put32(img[kernel.off+2:], uint32(len(img)/isotest.Sector-1)); return img }, "past the end"},
		{"truncated inside the kernel", func(img []byte) []byte { return img[:int(kernel.loc)*isotest.Sector+100] }, "past the end"},
		{"not an ISO", func([]byte) []byte { return []byte("<html>404</html>") }, "volume descriptor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := tt.damage(bytes.Clone(b.img))
			var (
				files [2][]byte
				err   error
			)
			bounded(t, tt.name, func() { _, files, err = readAll(img) })
			var de *DamagedError
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("err %v, want the boot files", err)
			case tt.want == "" && string(files[0]) != b.kernel:
				t.Fatalf("kernel %d bytes, want %d", len(files[0]), len(b.kernel))
			case tt.want != "" && (!errors.As(err, &de) || !errors.Is(err, ErrDamaged) || errors.Is(err, ErrNotFound)):
				t.Fatalf("err %v, want a *DamagedError", err)
			case tt.want != "" && (errors.Is(err, errPanicked) || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err %q, want it to say %q", err, tt.want)
			}
		})
	}
}

// TestEnsureDamagedISO checks the error the driver shows: a *DamagedError
// matching ErrDamaged, naming the ISO file first, and no files left behind,
// whether the damage shows while inspecting or while copying.
func TestEnsureDamagedISO(t *testing.T) {
	b, l := rockRidge18(t)
	kernel := mustFind(t, l, "VMLINUZ")
	damaged := func(fn func(img []byte)) []byte {
		img := bytes.Clone(b.img)
		fn(img)
		return img
	}
	for name, img := range map[string][]byte{
		"truncated":           b.img[:isotest.RootBlock*isotest.Sector+10],
		"bad kernel record":   damaged(func(img []byte) { img[kernel.off+32] = 200 }),
		"kernel past the end": damaged(func(img []byte) { put32(img[kernel.off+10:], uint32(len(img))) }),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			iso := filepath.Join(dir, "boot2docker.iso")
			if err := os.WriteFile(iso, img, 0o600); err != nil {
				t.Fatal(err)
			}
			dst := Dest{Kernel: filepath.Join(dir, "vmlinuz"), Initrd: filepath.Join(dir, "initrd.img"), Record: filepath.Join(dir, "boot.json"), Cache: filepath.Join(dir, "cache")}
			_, _, err := Ensure(iso, "", "", dst)
			var de *DamagedError
			if !errors.As(err, &de) || de.Path != iso || !errors.Is(err, ErrDamaged) || errors.Is(err, ErrNotFound) {
				t.Fatalf("err %v, want a *DamagedError for %s", err, iso)
			}
			if prefix := "ISO " + iso + " is damaged: "; !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("message %q does not start with %q", err, prefix)
			}
			if errors.Is(err, errPanicked) {
				t.Errorf("message %q tells of a reader panic, not of the damage", err)
			}
			for _, p := range []string{dst.Kernel, dst.Initrd, dst.Record} {
				if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s left behind: %v", p, err)
				}
			}
		})
	}
}

// failingDisk fails reads from byte from on, as a dying disk would.
type failingDisk struct {
	img  []byte
	from int64
}

var errDisk = errors.New("input/output error")

func (d failingDisk) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > d.from {
		return 0, errDisk
	}
	return bytes.NewReader(d.img).ReadAt(p, off)
}

func (d failingDisk) Size() int64 { return int64(len(d.img)) }

// TestReadErrorIsNotDamage checks that a failing reader is reported as
// such, not as a damaged ISO: downloading it again would not help.
func TestReadErrorIsNotDamage(t *testing.T) {
	b, l := rockRidge18(t)
	kernel := mustFind(t, l, "VMLINUZ")
	for name, from := range map[string]int64{
		"volume descriptors": isotest.PVDBlock * isotest.Sector,
		"root directory":     isotest.RootBlock * isotest.Sector,
		"continuation area":  int64(l.ceAreas[0]),
	} {
		_, err := Inspect(failingDisk{b.img, from}, "", "")
		if !errors.Is(err, errDisk) || errors.Is(err, ErrDamaged) {
			t.Errorf("%s: err %v, want the read error and no damage", name, err)
		}
	}
	r, _, err := Open(failingDisk{b.img, int64(kernel.loc) * isotest.Sector}, "/boot/vmlinuz")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, r); !errors.Is(err, errDisk) || errors.Is(err, ErrDamaged) {
		t.Errorf("reading the kernel: err %v, want the read error and no damage", err)
	}
}

// TestInspectLargeDirectory reads a Rock Ridge directory of several
// sectors: every entry keeps its own name (with v0.4.0 the entries of the
// first sectors took the names of the last one's).
func TestInspectLargeDirectory(t *testing.T) {
	files := map[string]string{"boot/vmlinuz": "k", "boot/initrd.img": "i", "isolinux/isolinux.cfg": newCfg}
	for i := range 150 {
		files[fmt.Sprintf("boot/zz-filler-%03d", i)] = fmt.Sprint(i)
	}
	img := isotest.RockRidge(files)
	if boot := mustFind(t, parseLayout(img), "BOOT"); boot.size < 3*isotest.Sector {
		t.Fatalf("/boot is %d bytes, want several sectors", boot.size)
	}
	if _, err := Inspect(bytes.NewReader(img), "", ""); err != nil {
		t.Fatal(err)
	}
	for p, want := range files {
		r, _, err := Open(bytes.NewReader(img), p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if got, err := io.ReadAll(r); err != nil || string(got) != want {
			t.Fatalf("%s = %q, %v; want %q", p, got, err, want)
		}
	}
}
