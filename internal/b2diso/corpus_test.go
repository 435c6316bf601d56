package b2diso

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso/isotest"
)

// mutation is a damaged variant of a valid image, made on demand so the
// corpus is not held in memory at once.
type mutation struct {
	name string
	img  func() []byte
	// cut: the image was truncated, so reading must fail or return the
	// kernel intact.
	cut bool
}

// mutator derives damaged variants of one valid image.
type mutator struct {
	b   base
	l   layout
	out []mutation
}

// with adds the variant fn makes of a copy of the image.
func (m *mutator) with(name string, fn func(img []byte) []byte) {
	valid := m.b.img
	m.out = append(m.out, mutation{name: m.b.name + ": " + name, img: func() []byte { return fn(bytes.Clone(valid)) }})
}

func (m *mutator) set8(name string, off int, v byte) {
	m.with(name, func(img []byte) []byte { img[off] = v; return img })
}

// set32 writes v in both byte orders (ECMA-119 7.3.3), so that the damage
// gets past the check that the two agree.
func (m *mutator) set32(name string, off int, v uint32) {
	m.with(name, func(img []byte) []byte { put32(img[off:], v); return img })
}

func put32(b []byte, v uint32) {
	binary.LittleEndian.PutUint32(b, v)
	binary.BigEndian.PutUint32(b[4:], v)
}

func ceEntry(block, offset, length uint32) []byte {
	e := make([]byte, 28)
	copy(e, "CE\x1c\x01")
	put32(e[4:], block)
	put32(e[12:], offset)
	put32(e[20:], length)
	return e
}

// mutations returns the damaged variants of b, deterministically.
func mutations(b base) []mutation {
	m := &mutator{b: b, l: parseLayout(b.img)}
	size := len(b.img)
	eofBlock := uint32(size / isotest.Sector)

	for n := 0; n < size; n += isotest.Sector / 2 {
		for _, at := range []int{n, n + 33} {
			img := b.img[:min(at, size)]
			m.out = append(m.out, mutation{name: fmt.Sprintf("%s: truncated to %d bytes", b.name, at), img: func() []byte { return img }, cut: true})
		}
	}

	pvd := isotest.PVDBlock * isotest.Sector
	for _, v := range []byte{0, 1, 33, 35, 255} {
		m.set8(fmt.Sprintf("root record length %d", v), pvd+156, v)
	}
	for _, v := range []byte{0, 2, 255} {
		m.set8(fmt.Sprintf("root identifier length %d", v), pvd+156+32, v)
	}
	m.set32("root extent past the end", pvd+156+2, eofBlock+10)
	m.set32("root extent 4 GiB", pvd+156+10, 0xFFFFFFFF)
	m.set32("volume space size 4 Gi blocks", pvd+80, 0xFFFFFFFF)
	m.set32("path table size 4 GiB", pvd+132, 0xFFFFFFFF)
	for _, v := range []byte{0, 2, 3, 4, 255} {
		m.set8(fmt.Sprintf("PVD type %d", v), pvd, v)
	}
	m.with("UDF identifier", func(img []byte) []byte { copy(img[pvd+1:], "BEA01"); return img })
	m.with("no terminator", func(img []byte) []byte { img[pvd+isotest.Sector] = 0; return img })
	m.with("200 primary volume descriptors", func(img []byte) []byte {
		out := append([]byte(nil), img[:pvd]...)
		for range 200 {
			out = append(out, img[pvd:pvd+isotest.Sector]...)
		}
		return out
	})
	m.with("garbage timestamps", func(img []byte) []byte { copy(img[pvd+813:], "\xff\x00x9"); return img })

	for i, r := range m.l.records {
		m.records(i, r, eofBlock)
	}
	for i, area := range m.l.ceAreas {
		m.continuation(i, area)
	}
	for _, pt := range m.l.pathTables {
		for i := 0; i < pt[1]; i += 3 {
			m.set8(fmt.Sprintf("path table byte %d flipped", i), pt[0]+i, b.img[pt[0]+i]^0x81)
		}
	}
	m.loops()
	m.random(100)
	return m.out
}

// records damages directory record r, the i-th in the image.
func (m *mutator) records(i int, r record, eofBlock uint32) {
	name := func(what string, v any) string { return fmt.Sprintf("record %d (%q): %s %v", i, r.id, what, v) }
	for _, v := range []int{0, 1, 32, 33, r.len - 1, r.len + 1, 255} {
		m.set8(name("length", v), r.off, byte(v))
	}
	for _, v := range []int{0, 255, r.len - 33, r.len - 32} {
		m.set8(name("identifier length", v), r.off+32, byte(v))
	}
	for _, v := range []uint32{0, 16, r.parent, eofBlock - 1, eofBlock, eofBlock + 1000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF} {
		m.set32(name("extent at block", v), r.off+2, v)
	}
	for _, v := range []uint32{0, 1, r.size + isotest.Sector, uint32(len(m.b.img)), 0x7FFFFFFF, 0xFFFFFFFF} {
		m.set32(name("extent size", v), r.off+10, v)
	}
	m.set8(name("byte orders disagree on the extent", ""), r.off+2, m.b.img[r.off+2]^1)
	m.set8(name("directory flag toggled", ""), r.off+25, m.b.img[r.off+25]^2)
	for j := 0; j < min(r.len, 33); j++ { // the fixed part; the rest has targeted damage
		m.set8(name("bit flipped in byte", j), r.off+j, m.b.img[r.off+j]^(1<<(j%8)))
	}
	for _, e := range r.susp {
		en := func(what string, v any) string { return name(fmt.Sprintf("SUSP %s %s", e.typ, what), v) }
		for _, v := range []int{0, 1, 2, 3, 4, 5, 11, 255, int(m.b.img[e.off+2]) + 1} {
			m.set8(en("length", v), e.off+2, byte(v))
		}
		for _, typ := range []string{"CE", "SP", "ER", "NM", "PX", "ST"} {
			m.with(en("retyped", typ), func(img []byte) []byte { copy(img[e.off:], typ); return img })
		}
		if e.typ == "SP" {
			for _, v := range []byte{1, 200, 255} {
				m.set8(en("skips", v), e.off+6, v)
			}
			m.set8(en("check byte", 0), e.off+4, 0)
		}
		if e.typ == "CE" {
			m.set32(en("block", "past the end"), e.off+4, eofBlock+5)
			m.set32(en("block", 0xFFFFFFFF), e.off+4, 0xFFFFFFFF)
			for _, v := range []uint32{2047, 2048, 0xFFFFFFFF} {
				m.set32(en("offset", v), e.off+12, v)
			}
			for _, v := range []uint32{0, 3, 2048, 2049, 1 << 30, 0xFFFFFFFF} {
				m.set32(en("area length", v), e.off+20, v)
			}
		}
	}
}

// continuation damages the i-th Continuation Area, at byte off.
func (m *mutator) continuation(i int, off int) {
	block, offset := uint32(off/isotest.Sector), uint32(off%isotest.Sector)
	name := func(what string) string { return fmt.Sprintf("continuation area %d: %s", i, what) }
	m.with(name("CE pointing at itself"), func(img []byte) []byte {
		copy(img[off:], ceEntry(block, offset, 28))
		return img
	})
	other := block*isotest.Sector + 1024
	m.with(name("two areas pointing at each other"), func(img []byte) []byte {
		copy(img[off:], ceEntry(block, 1024, 28))
		copy(img[other:], ceEntry(block, offset, 28))
		return img
	})
	m.with(name("chain of 60 areas"), func(img []byte) []byte {
		base := block * isotest.Sector
		copy(img[off:], ceEntry(block, 0, 28))
		for k := uint32(0); k < 60; k++ {
			copy(img[base+28*k:], ceEntry(block, 28*(k+1)%2044, 28))
		}
		return img
	})
	m.with(name("area of 70 CEs pointing at it"), func(img []byte) []byte {
		base := block * isotest.Sector
		copy(img[off:], ceEntry(block, 0, 70*28))
		for k := uint32(0); k < 70; k++ {
			copy(img[base+28*k:], ceEntry(block, 0, 70*28))
		}
		return img
	})
	m.with(name("entry of length 0"), func(img []byte) []byte { img[off+2] = 0; return img })
	for j := 0; j < 64; j += 2 {
		m.set8(fmt.Sprintf("continuation area %d: bit flipped in byte %d", i, j), off+j, m.b.img[off+j]^(1<<(j%8)))
	}
}

// loops points directories back at their ancestors, and files past the end.
func (m *mutator) loops() {
	root := m.l.records[0].loc
	for i, r := range m.l.records {
		if !r.dir || r.id == "\x00" || r.id == "\x01" {
			continue
		}
		m.set32(fmt.Sprintf("directory %d (%q) extent is its parent's", i, r.id), r.off+2, r.parent)
		m.set32(fmt.Sprintf("directory %d (%q) extent is the root's", i, r.id), r.off+2, root)
	}
	if k, ok := m.l.find("VMLINUZ"); ok {
		last := uint32(len(m.b.img)/isotest.Sector - 1)
		m.set32("kernel extent runs past the end", k.off+2, last)
		m.set32("kernel extent after the end", k.off+2, last+100)
		m.set32("kernel size of the whole image", k.off+10, uint32(len(m.b.img)))
	}
}

// random adds n variants with a few random bytes of the directories and
// volume descriptors overwritten, from a fixed seed.
func (m *mutator) random(n int) {
	rng := rand.New(rand.NewPCG(1, uint64(len(m.b.img))))
	var targets []int
	for _, r := range m.l.records {
		targets = append(targets, r.off)
	}
	targets = append(targets, isotest.PVDBlock*isotest.Sector+150)
	for k := 0; k < n; k++ {
		m.with(fmt.Sprintf("random damage %d", k), func(img []byte) []byte {
			for range 1 + rng.IntN(4) {
				img[targets[rng.IntN(len(targets))]+rng.IntN(64)] = byte(rng.Uint32())
			}
			return img
		})
	}
}

// TestDamagedISOs reads every damaged variant of valid ISOs as the driver
// does. Each must succeed or fail with ErrNotFound or a *DamagedError, within
// timeLimit and memLimit, without the reader panicking; a truncated one must
// not yield a short kernel.
func TestDamagedISOs(t *testing.T) {
	total := 0
	for _, b := range bases(t) {
		if _, files, err := readAll(b.img); err != nil || string(files[0]) != b.kernel {
			t.Fatalf("%s: valid image: %v", b.name, err)
		}
		ms := mutations(b)
		total += len(ms)
		errs := make([]error, len(ms))
		kernels := make([][]byte, len(ms))
		boundedEach(t, len(ms), func(i int) string { return ms[i].name }, func(i int) {
			var files [2][]byte
			_, files, errs[i] = readAll(ms[i].img())
			kernels[i] = files[0]
		})
		for i, m := range ms {
			checkOutcome(t, m.name, errs[i])
			if m.cut && errs[i] == nil && string(kernels[i]) != b.kernel {
				t.Errorf("%s: kernel read as %d bytes without an error, want %d", m.name, len(kernels[i]), len(b.kernel))
			}
		}
	}
	t.Logf("%d damaged ISOs", total)
}
