package isotest

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Sector is the ISO 9660 logical block size.
const Sector = 2048

// Block numbers of the fixed part of a RockRidge image.
const (
	PVDBlock  = 16 // primary volume descriptor; the set terminator follows
	RootBlock = 20 // first directory extent; the others follow it

	lPathTableBlock = 18
	mPathTableBlock = 19
)

// RockRidge returns an ISO 9660 image with Rock Ridge extensions holding
// files (path -> content), laid out as xorriso lays out boot2docker ISOs:
// the root "." entry carries SP and a CE entry whose Continuation Area holds
// the RRIP ER entry, and every entry carries PX, TF and (but "." and "..")
// NM. The image is deterministic, so damaged variants derived from it are
// reproducible.
func RockRidge(files map[string]string) []byte {
	root := buildTree(files)
	dirs := []*node{root}
	for i := 0; i < len(dirs); i++ { // breadth first: the path table order
		dirs[i].number = i + 1
		for _, c := range dirs[i].children {
			if c.dir {
				dirs = append(dirs, c)
			}
		}
	}
	next := uint32(RootBlock)
	for _, d := range dirs {
		d.loc, d.size = next, dirSize(d)
		next += d.size / Sector
	}
	ceBlock := next
	next++
	for _, d := range dirs {
		for _, c := range d.children {
			if !c.dir {
				c.loc, c.size = next, uint32(len(c.content))
				next += (c.size + Sector - 1) / Sector
			}
		}
	}

	img := make([]byte, int(next)*Sector)
	for _, d := range dirs {
		recs := dirRecords(d, ceBlock)
		off := int(d.loc) * Sector
		for _, r := range recs {
			if off%Sector+len(r) > Sector { // records never cross a block
				off += Sector - off%Sector
			}
			off += copy(img[off:], r)
		}
		for _, c := range d.children {
			if !c.dir {
				copy(img[int(c.loc)*Sector:], c.content)
			}
		}
	}
	copy(img[int(ceBlock)*Sector:], erEntry())
	lpt, mpt := pathTables(dirs)
	copy(img[lPathTableBlock*Sector:], lpt)
	copy(img[mPathTableBlock*Sector:], mpt)
	copy(img[PVDBlock*Sector:], pvd(next, uint32(len(lpt)), root))
	copy(img[(PVDBlock+1)*Sector:], []byte("\xffCD001\x01")) // set terminator
	return img
}

// WriteRockRidge writes RockRidge(files) to a temporary file and returns its
// path.
func WriteRockRidge(t testing.TB, files map[string]string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "rockridge.iso")
	if err := os.WriteFile(out, RockRidge(files), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

type node struct {
	name     string // Rock Ridge name
	dir      bool
	content  string
	children []*node // sorted by ISO identifier
	parent   *node
	number   int // path table directory number
	loc      uint32
	size     uint32
}

func buildTree(files map[string]string) *node {
	root := &node{dir: true}
	root.parent = root
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		parts := strings.Split(strings.Trim(p, "/"), "/")
		cur := root
		for i, name := range parts {
			var next *node
			for _, c := range cur.children {
				if c.name == name {
					next = c
				}
			}
			if next == nil {
				next = &node{name: name, dir: i < len(parts)-1, parent: cur}
				cur.children = append(cur.children, next)
			}
			cur = next
		}
		cur.content = files[p]
	}
	var sortTree func(n *node)
	sortTree = func(n *node) {
		sort.Slice(n.children, func(i, j int) bool { return isoID(n.children[i]) < isoID(n.children[j]) })
		for _, c := range n.children {
			sortTree(c)
		}
	}
	sortTree(root)
	return root
}

// isoID is the plain ISO 9660 identifier of n: upper case d-characters, and
// for files an extension dot and version, as xorriso writes them.
func isoID(n *node) string {
	id := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.' && !n.dir:
			return r
		}
		return '_'
	}, n.name)
	if n.dir {
		return id
	}
	if !strings.Contains(id, ".") {
		id += "."
	}
	return id + ";1"
}

func dirSize(d *node) uint32 {
	var off int
	for _, r := range dirRecords(d, 0) {
		if off%Sector+len(r) > Sector {
			off += Sector - off%Sector
		}
		off += len(r)
	}
	return uint32((off + Sector - 1) / Sector * Sector)
}

// dirRecords encodes the records of directory d: ".", ".." and children.
func dirRecords(d *node, ceBlock uint32) [][]byte {
	dotSU := append(pxEntry(true), tfEntry()...)
	if d.parent == d { // root: SP first, ER in a Continuation Area
		dotSU = append(append(spEntry(), dotSU...), ceEntry(ceBlock, 0, uint32(len(erEntry())))...)
	}
	recs := [][]byte{
		dirRecord("\x00", d.loc, d.size, true, dotSU),
		dirRecord("\x01", d.parent.loc, d.parent.size, true, append(pxEntry(true), tfEntry()...)),
	}
	for _, c := range d.children {
		su := append(pxEntry(c.dir), tfEntry()...)
		su = append(su, nmEntry(c.name)...)
		recs = append(recs, dirRecord(isoID(c), c.loc, c.size, c.dir, su))
	}
	return recs
}

func dirRecord(id string, loc, size uint32, dir bool, su []byte) []byte {
	n := 33 + len(id)
	if len(id)%2 == 0 {
		n++ // padding byte after an even-length identifier
	}
	if len(su)%2 == 1 {
		su = append(su, 0) // records have an even length
	}
	r := make([]byte, n, n+len(su))
	r[0] = byte(n + len(su))
	both32(r[2:], loc)
	both32(r[10:], size)
	copy(r[18:25], timestamp())
	if dir {
		r[25] = 2
	}
	both16(r[28:], 1) // volume sequence number
	r[32] = byte(len(id))
	copy(r[33:], id)
	return append(r, su...)
}

func timestamp() []byte { return []byte{118, 9, 1, 12, 0, 0, 0} } // 2018-09-01 12:00 UTC

func spEntry() []byte { return []byte{'S', 'P', 7, 1, 0xBE, 0xEF, 0} }

func pxEntry(dir bool) []byte {
	e := make([]byte, 36)
	copy(e, "PX\x24\x01")
	mode, links := uint32(0o100644), uint32(1)
	if dir {
		mode, links = 0o40755, 2
	}
	both32(e[4:], mode)
	both32(e[12:], links)
	return e // uid and gid 0
}

func tfEntry() []byte { return append([]byte{'T', 'F', 12, 1, 0x02}, timestamp()...) }

func nmEntry(name string) []byte { return append([]byte{'N', 'M', byte(5 + len(name)), 1, 0}, name...) }

func ceEntry(block, offset, length uint32) []byte {
	e := make([]byte, 28)
	copy(e, "CE\x1c\x01")
	both32(e[4:], block)
	both32(e[12:], offset)
	both32(e[20:], length)
	return e
}

func erEntry() []byte {
	const id, desc, src = "RRIP_1991A", "THE ROCK RIDGE INTERCHANGE PROTOCOL", "SEE THE RRIP SPECIFICATION"
	e := []byte{'E', 'R', byte(8 + len(id) + len(desc) + len(src)), 1, byte(len(id)), byte(len(desc)), byte(len(src)), 1}
	return append(e, id+desc+src...)
}

func pathTables(dirs []*node) (l, m []byte) {
	for _, d := range dirs {
		id := isoID(d)
		if d.parent == d {
			id = "\x00"
		}
		rec := make([]byte, 8+len(id)+len(id)%2)
		rec[0] = byte(len(id))
		copy(rec[8:], id)
		lr, mr := rec, append([]byte(nil), rec...)
		binary.LittleEndian.PutUint32(lr[2:], d.loc)
		binary.LittleEndian.PutUint16(lr[6:], uint16(d.parent.number))
		binary.BigEndian.PutUint32(mr[2:], d.loc)
		binary.BigEndian.PutUint16(mr[6:], uint16(d.parent.number))
		l, m = append(l, lr...), append(m, mr...)
	}
	return l, m
}

func pvd(blocks, pathTableSize uint32, root *node) []byte {
	v := make([]byte, Sector)
	copy(v, "\x01CD001\x01")
	copy(v[8:40], pad("LINUX", 32))
	copy(v[40:72], pad("b2d-v18.09.0", 32))
	both32(v[80:], blocks)
	both16(v[120:], 1) // volume set size
	both16(v[124:], 1) // volume sequence number
	both16(v[128:], Sector)
	both32(v[132:], pathTableSize)
	binary.LittleEndian.PutUint32(v[140:], lPathTableBlock)
	binary.BigEndian.PutUint32(v[148:], mPathTableBlock)
	copy(v[156:190], dirRecord("\x00", root.loc, root.size, true, nil))
	copy(v[190:813], pad("", 813-190))
	for _, off := range []int{813, 830, 847, 864} {
		copy(v[off:], "2018090112000000\x00")
	}
	v[881] = 1 // file structure version
	return v
}

func pad(s string, n int) string { return s + strings.Repeat(" ", n-len(s)) }

func both32(b []byte, v uint32) {
	binary.LittleEndian.PutUint32(b, v)
	binary.BigEndian.PutUint32(b[4:], v)
}

func both16(b []byte, v uint16) {
	binary.LittleEndian.PutUint16(b, v)
	binary.BigEndian.PutUint16(b[2:], v)
}
