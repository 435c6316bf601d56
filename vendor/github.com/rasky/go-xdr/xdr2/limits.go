package xdr

// Fork: this file is new. It holds the checks that every length read from
// the input goes through before anything is allocated for it (see
// README.md of the fork): a field's own limit (the maxlen struct tag), the
// Decoder's maxReadSize, and the bytes the reader has left when it can tell.

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strconv"
)

// growChunk is the largest allocation made ahead of the data when the
// reader cannot tell how many bytes it has left: longer opaque data is read
// into a buffer that grows as it arrives, and longer arrays grow by
// appending, so a length that lies costs only what was actually sent.
const growChunk = 64 << 10

// Remainder is implemented by readers that know how many bytes they have
// left, such as *bytes.Reader, *bytes.Buffer and *strings.Reader.
type Remainder interface {
	Len() int
}

// remaining returns how many bytes d's reader has left, when it can tell:
// an *io.LimitedReader holds at most N more, a Remainder exactly Len.
func (d *Decoder) remaining() (int64, bool) {
	switch r := d.r.(type) {
	case *io.LimitedReader:
		return r.N, true
	case Remainder:
		return int64(r.Len()), true
	}
	return 0, false
}

// takeFieldMax returns the maxlen limit of the struct field being decoded
// (0: none) and clears it, so that it applies to the field's own length
// only and not to the lengths nested in its elements.
func (d *Decoder) takeFieldMax() uint {
	m := d.fieldMax
	d.fieldMax = 0
	return m
}

// checkLength checks a length read from the input before anything is
// allocated for it: count elements that take at least minSize bytes each
// must fit the field's limit, the Decoder's maxReadSize and the bytes left.
// When the input is too short it returns the bytes it consumed (see
// truncated).
func (d *Decoder) checkLength(fn string, count uint32, minSize int64) (int, error) {
	if limit := d.takeFieldMax(); limit != 0 && uint(count) > limit {
		msg := fmt.Sprintf("length %d over the field's limit of %d", count, limit)
		return 0, unmarshalError(fn, ErrOverflow, msg, count, nil)
	}
	if d.maxReadSize != 0 && uint(count) > d.maxReadSize {
		return 0, unmarshalError(fn, ErrOverflow, errMaxSlice, count, nil)
	}
	if left, ok := d.remaining(); ok && int64(count)*minSize > left {
		msg := fmt.Sprintf("length %d needs %d bytes, %d left", count, int64(count)*minSize, left)
		return d.truncated(fn, msg, count, left)
	}
	return 0, nil
}

// truncated reports input too short for a length read from it, as
// io.ReadFull would have, without allocating: the bytes left are consumed,
// and the error is an ErrIO one wrapping io.ErrUnexpectedEOF.
func (d *Decoder) truncated(fn, msg string, value interface{}, left int64) (int, error) {
	n, _ := io.CopyN(io.Discard, d.r, left)
	return int(n), unmarshalError(fn, ErrIO, msg, value, io.ErrUnexpectedEOF)
}

// minElemSize is the fewest bytes one element of type t takes in XDR:
// every item is a multiple of four bytes, and only types of no size (empty
// structs, zero-length arrays) can take none.
func minElemSize(t reflect.Type) int64 {
	if t.Size() == 0 {
		return 0
	}
	return 4
}

// readOpaque reads size bytes. When the reader cannot tell what it has
// left, more than growChunk bytes are read into a buffer that grows with
// the data, so a short input allocates only about what it holds.
func (d *Decoder) readOpaque(size int) ([]byte, int, error) {
	if _, known := d.remaining(); known || size <= growChunk {
		buf := make([]byte, size)
		n, err := io.ReadFull(d.r, buf)
		return buf, n, err
	}
	var b bytes.Buffer
	b.Grow(growChunk)
	n, err := b.ReadFrom(io.LimitReader(d.r, int64(size)))
	if err == nil && n < int64(size) {
		err = io.ErrUnexpectedEOF
		if n == 0 {
			err = io.EOF
		}
	}
	return b.Bytes(), int(n), err
}

// fieldMaxTag reads the maxlen option of a struct field's tag (0: none).
// It applies to variable-length opaque data, strings, arrays and maps.
func fieldMaxTag(tag xdrtag, kind reflect.Kind) (uint, error) {
	s := tag.Get("maxlen")
	if s == "" {
		return 0, nil
	}
	switch kind {
	case reflect.Slice, reflect.String, reflect.Map:
	default:
		return 0, fmt.Errorf("maxlen on a field of kind %s", kind)
	}
	m, err := strconv.ParseUint(s, 10, 32)
	if err != nil || m == 0 {
		return 0, fmt.Errorf("maxlen=%q is not a positive 32-bit number", s)
	}
	return uint(m), nil
}

// DecodeOpaqueLimited is DecodeOpaque for data of at most max bytes: a
// longer length is an error, returned before anything is allocated for it.
func (d *Decoder) DecodeOpaqueLimited(max uint) ([]byte, int, error) {
	d.fieldMax = max
	defer func() { d.fieldMax = 0 }()
	return d.DecodeOpaque()
}

// appendElems decodes count elements into the slice v by appending them,
// so that storage grows with the elements actually decoded. n is what the
// caller has read so far; the total is returned.
func (d *Decoder) appendElems(v reflect.Value, count, n int) (int, error) {
	s := reflect.MakeSlice(v.Type(), 0, growChunk/8)
	elem := v.Type().Elem()
	for i := 0; i < count; i++ {
		e := reflect.New(elem).Elem()
		n2, err := d.decode(e)
		n += n2
		if err != nil {
			return n, err
		}
		s = reflect.Append(s, e)
	}
	v.Set(s)
	return n, nil
}
