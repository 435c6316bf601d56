package xdr

// Fork: tests of limits.go.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
)

// words encodes big-endian 32-bit words.
func words(ws ...uint32) []byte {
	var b []byte
	for _, w := range ws {
		b = binary.BigEndian.AppendUint32(b, w)
	}
	return b
}

// opaqueReader hides Len, so the decoder cannot tell what is left.
type opaqueReader struct{ r io.Reader }

func (o opaqueReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// allocated returns the bytes allocated while fn ran.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

type auth struct {
	Flavor uint32
	Body   []byte
}

// TestHugeLengthsAllocateLittle: lengths of up to 4 GiB in a few bytes
// of input, with and without a reader that tells what it has left.
func TestHugeLengthsAllocateLittle(t *testing.T) {
	type strs struct{ S []string }
	type nums struct{ N []uint64 }
	cases := []struct {
		name string
		in   []byte
		v    func() interface{}
	}{
		{"opaque of 2 GiB", words(1, 0x7fffffff, 0, 0), func() interface{} { return &auth{} }},
		{"opaque of 2 GiB - 4", words(1, 0x7ffffffc, 0, 0), func() interface{} { return &auth{} }},
		{"string of 1 GiB", words(1<<30, 0), func() interface{} { var s string; return &s }},
		{"array of 1 G strings", words(1<<30, 0), func() interface{} { return &strs{} }},
		{"array of 256 M uint64", words(1<<28, 0), func() interface{} { return &nums{} }},
		{"map of 1 G entries", words(1<<30, 0), func() interface{} { return &map[uint32]uint32{} }},
	}
	for _, c := range cases {
		for _, known := range []bool{true, false} {
			var r io.Reader = bytes.NewReader(c.in)
			if !known {
				r = opaqueReader{r}
			}
			var err error
			grew := allocated(func() { _, err = Unmarshal(r, c.v()) })
			if err == nil {
				t.Errorf("%s (length known %v): decoded from %d bytes", c.name, known, len(c.in))
			}
			if grew > 1<<20 {
				t.Errorf("%s (length known %v): allocated %d KiB", c.name, known, grew>>10)
			}
		}
	}
}

// TestTruncatedIsIOError: a length over the bytes left is reported like a
// short read, after consuming what was left.
func TestTruncatedIsIOError(t *testing.T) {
	d := NewDecoder(bytes.NewReader(words(100, 1, 2)))
	_, n, err := d.DecodeOpaque()
	var ue *UnmarshalError
	if !errors.As(err, &ue) || ue.ErrorCode != ErrIO || !errors.Is(ue.Err, io.ErrUnexpectedEOF) || n != 12 {
		t.Fatalf("DecodeOpaque of 100 bytes from 8: n %d, %v", n, err)
	}
}

// TestMaxlenTag limits a field's own length, not its elements'.
func TestMaxlenTag(t *testing.T) {
	type limited struct {
		H []byte   `xdr:"maxlen=4"`
		S string   `xdr:"maxlen=3"`
		L []string `xdr:"maxlen=2"`
		P *[]byte  `xdr:"optional,maxlen=1"`
	}
	ok := words(4, 0x01020304, 3, 0x61626300, 1, 5, 0x68656c6c, 0x6f000000, 1, 1, 0x07000000)
	var v limited
	if _, err := Unmarshal(bytes.NewReader(ok), &v); err != nil || v.S != "abc" || v.L[0] != "hello" || (*v.P)[0] != 7 {
		t.Fatalf("within limits: %+v, %v", v, err)
	}
	for name, in := range map[string][]byte{
		"handle of 5": words(5, 0, 0),
		"string of 4": words(4, 0x01020304, 4, 0),
		"3 elements":  words(4, 0x01020304, 3, 0x61626300, 3, 0, 0, 0),
		"optional 2":  words(4, 0x01020304, 3, 0x61626300, 0, 1, 2, 0),
	} {
		var v limited
		_, err := Unmarshal(bytes.NewReader(in), &v)
		var ue *UnmarshalError
		if !errors.As(err, &ue) || ue.ErrorCode != ErrOverflow {
			t.Errorf("%s: %v, want ErrOverflow", name, err)
		}
	}
	// A limit does not outlive its field.
	type after struct {
		A []byte `xdr:"maxlen=1"`
		B []byte
	}
	var a after
	if _, err := Unmarshal(bytes.NewReader(words(0, 2, 0x01020000)), &a); err != nil || len(a.B) != 2 {
		t.Errorf("field after a limited one: %+v, %v", a, err)
	}
	type bad struct {
		N uint32 `xdr:"maxlen=1"`
	}
	if _, err := Unmarshal(bytes.NewReader(words(1)), &bad{}); err == nil {
		t.Error("maxlen on a uint32 accepted")
	}
}

// TestDecodeOpaqueLimited refuses data over its limit.
func TestDecodeOpaqueLimited(t *testing.T) {
	if _, _, err := NewDecoder(bytes.NewReader(words(5, 0, 0))).DecodeOpaqueLimited(4); err == nil {
		t.Error("5 bytes under a limit of 4 accepted")
	}
	d := NewDecoder(bytes.NewReader(words(4, 0x01020304, 5, 0, 0)))
	if b, _, err := d.DecodeOpaqueLimited(4); err != nil || len(b) != 4 {
		t.Fatalf("4 bytes under a limit of 4: %x, %v", b, err)
	}
	if b, _, err := d.DecodeOpaque(); err != nil || len(b) != 5 {
		t.Errorf("the limit outlived its call: %x, %v", b, err)
	}
}

// TestLongDataFromUnknownReader decodes data longer than growChunk from a
// reader that does not tell its length.
func TestLongDataFromUnknownReader(t *testing.T) {
	data := bytes.Repeat([]byte{0xab}, 3*growChunk+1)
	in := append(words(uint32(len(data))), data...)
	in = append(in, 0, 0, 0)
	var b []byte
	if _, err := Unmarshal(opaqueReader{bytes.NewReader(in)}, &b); err != nil || !bytes.Equal(b, data) {
		t.Fatalf("%d bytes: got %d, %v", len(data), len(b), err)
	}
	n := growChunk
	nums := words(uint32(n))
	for i := 0; i < n; i++ {
		nums = binary.BigEndian.AppendUint32(nums, uint32(i))
	}
	var got []uint32
	if _, err := Unmarshal(opaqueReader{bytes.NewReader(nums)}, &got); err != nil || len(got) != n || got[n-1] != uint32(n-1) {
		t.Fatalf("%d uint32s: got %d, %v", n, len(got), err)
	}
}
