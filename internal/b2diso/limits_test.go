package b2diso

import (
	"bytes"
	"errors"
	"testing"

	"github.com/kdomanski/iso9660"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso/isotest"
)

// worstCase returns an image whose root directory is as large as the reader
// accepts (1 MiB), every entry full of System Use entries and pointing at a
// Continuation Area that is full of NM entries and points at itself.
func worstCase(t *testing.T) []byte {
	t.Helper()
	b, l := rockRidge18(t)
	img := bytes.Clone(b.img)
	area := uint32(len(img) / isotest.Sector)
	ce := make([]byte, isotest.Sector)
	for i := 0; i+6 <= isotest.Sector-28; i += 6 {
		copy(ce[i:], "NM\x06\x01\x00a")
	}
	copy(ce[isotest.Sector-28:], ceEntry(area, 0, isotest.Sector))
	img = append(img, ce...)

	root := uint32(len(img) / isotest.Sector)
	dir := make([]byte, 1<<20)
	dot := l.records[0]
	copy(dir, b.img[dot.off:dot.off+dot.len]) // ".": SP and the ER
	for sec := 0; sec < len(dir); sec += isotest.Sector {
		off := sec
		if sec == 0 {
			off = dot.len
		}
		for ; off+254 <= sec+isotest.Sector; off += 254 {
			r := dir[off : off+254]
			r[0], r[32], r[33] = 254, 1, 'A'
			put32(r[2:], area)
			put32(r[10:], 1)
			copy(r[34:], ceEntry(area, 0, isotest.Sector))
			for j := 34 + 28; j+4 <= 254; j += 4 {
				copy(r[j:], "PD\x04\x01")
			}
		}
	}
	img = append(img, dir...)
	put32(img[isotest.PVDBlock*isotest.Sector+156+2:], root)
	put32(img[isotest.PVDBlock*isotest.Sector+156+10:], uint32(len(dir)))
	return img
}

// TestWorstCaseBounded reads an image at every limit of the reader at once:
// it must still take well under timeLimit and memLimit.
func TestWorstCaseBounded(t *testing.T) {
	img := worstCase(t)
	var err error
	bounded(t, "worst case", func() { _, _, err = readAll(img) })
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrDamaged) {
		t.Errorf("err %v, want ErrNotFound: the root lists no /boot", err)
	}
}

// walk lists every directory under f, as a recursive extraction would.
func walk(f *iso9660.File) (int, error) {
	children, err := f.GetChildren()
	if err != nil {
		return 0, err
	}
	n := len(children)
	for _, c := range children {
		if c.IsDir() {
			m, err := walk(c)
			if n += m; err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// TestRecursiveWalkEnds walks images whose directories point back at an
// ancestor: the reader must refuse the loop rather than recurse forever.
func TestRecursiveWalkEnds(t *testing.T) {
	b := bases(t)[2] // Rock Ridge legacy: /boot/isolinux is two levels down
	if b.name != "rock ridge legacy" {
		t.Fatalf("base %s", b.name)
	}
	l := parseLayout(b.img)
	boot, isolinux := mustFind(t, l, "BOOT"), mustFind(t, l, "ISOLINUX")
	root := l.records[0].loc
	tests := []struct {
		name   string
		damage func(img []byte)
		loop   bool
	}{
		{"valid", func([]byte) {}, false},
		{"/boot is the root", func(img []byte) { put32(img[boot.off+2:], root) }, true},
		{"/boot/isolinux is the root", func(img []byte) { put32(img[isolinux.off+2:], root) }, true},
		{"/boot/isolinux is /boot", func(img []byte) { put32(img[isolinux.off+2:], boot.loc) }, true},
		{"/boot is /boot/isolinux", func(img []byte) { put32(img[boot.off+2:], isolinux.loc) }, false}, // no loop
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := bytes.Clone(b.img)
			tt.damage(img)
			var (
				n   int
				err error
			)
			bounded(t, tt.name, func() {
				im, err2 := iso9660.OpenImage(bytes.NewReader(img))
				if err = err2; err != nil {
					return
				}
				rootDir, err2 := im.RootDir()
				if err = err2; err != nil {
					return
				}
				n, err = walk(rootDir)
			})
			if tt.loop != (err != nil) {
				t.Errorf("walked %d entries, err %v; want a loop error: %v", n, err, tt.loop)
			}
		})
	}
}
