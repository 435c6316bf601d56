package nfs

// Fork: tests of the reused record buffer, the arguments taken without a
// copy and the replies written with their data (reply.go).

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"testing"
)

// TestReadRecordIntoReuses: a buffer large enough is reused, a record
// never reads into the next one, and a small buffer grows as before.
func TestReadRecordIntoReuses(t *testing.T) {
	long := append(words(lastFragment|5000), bytes.Repeat([]byte{7}, 5000)...)
	in := append(append(append([]byte{}, long...), nullCall...), long...)
	r := bufio.NewReader(bytes.NewReader(in))
	first, err := readRecordInto(r, DefaultMaxRecordSize, nil)
	if err != nil || len(first) != 5000 || first[4999] != 7 {
		t.Fatalf("first record: %d bytes, %v", len(first), err)
	}
	second, err := readRecordInto(r, DefaultMaxRecordSize, first)
	if err != nil || !bytes.Equal(second, nullCall[4:]) {
		t.Fatalf("second record: %x, %v; want %x", second, err, nullCall[4:])
	}
	if &second[0] != &first[0] {
		t.Error("the second record did not reuse the first one's buffer")
	}
	third, err := readRecordInto(r, DefaultMaxRecordSize, make([]byte, 0, 16))
	if err != nil || len(third) != 5000 || third[4999] != 7 {
		t.Fatalf("third record: %d bytes, %v", len(third), err)
	}
	if _, err := readRecordInto(r, DefaultMaxRecordSize, third); err != io.EOF {
		t.Errorf("after the last record: %v, want io.EOF", err)
	}
}

// TestTakeOpaque: data is taken from the record with its padding, and a
// length over the limit or past the record's end is a decode error.
func TestTakeOpaque(t *testing.T) {
	req := func(rec []byte) *request {
		return &request{Body: &io.LimitedReader{R: bytes.NewReader(rec), N: int64(len(rec))}, record: rec}
	}
	rec := append(words(5), 1, 2, 3, 4, 5, 0, 0, 0)
	rec = append(rec, words(9)...)
	r := req(rec)
	data, err := r.takeOpaque(8)
	if err != nil || !bytes.Equal(data, []byte{1, 2, 3, 4, 5}) {
		t.Fatalf("takeOpaque: %x, %v", data, err)
	}
	if next, err := readUint32(r.Body); err != nil || next != 9 {
		t.Errorf("after the data: %d, %v; want 9", next, err)
	}
	for name, rec := range map[string][]byte{
		"over the limit":  append(words(9), make([]byte, 12)...),
		"past the end":    append(words(8), make([]byte, 4)...),
		"padding missing": append(words(5), make([]byte, 5)...),
	} {
		if _, err := req(rec).takeOpaque(8); !isDecodeError(err) {
			t.Errorf("%s: %v, want a decode error", name, err)
		}
	}
}

// TestReplyWriteTo: a reply is one record, its data padded; a reply
// without data is one Write, and one with data goes to the connection a
// wrapper names with NetConn (for writev).
func TestReplyWriteTo(t *testing.T) {
	for _, tc := range []struct {
		name   string
		data   []byte
		writes int // Write calls the wrapper sees
		want   []byte
	}{
		{"no data", nil, 1, append(words(lastFragment|4), "head"...)},
		{"data", []byte{1, 2, 3, 4, 5}, 0, append(words(lastFragment|12), "head\x01\x02\x03\x04\x05\x00\x00\x00"...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sink bytes.Buffer
			conn := &countingConn{w: &sink}
			head := getReplyBuffer()
			head.WriteString("head")
			msg := &reply{head: head, data: tc.data}
			if err := msg.writeTo(conn); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(sink.Bytes(), tc.want) {
				t.Errorf("reply: %x, want %x", sink.Bytes(), tc.want)
			}
			if conn.writes != tc.writes {
				t.Errorf("%d writes through the wrapper, want %d", conn.writes, tc.writes)
			}
			msg.release()
			if msg.head != nil {
				t.Error("release kept the head")
			}
		})
	}
}

// countingConn counts the writes made through it and names, as NetConn, a
// connection that writes to the same sink without counting.
type countingConn struct {
	net.Conn
	w      io.Writer
	writes int
}

func (c *countingConn) Write(p []byte) (int, error) { c.writes++; return c.w.Write(p) }

func (c *countingConn) NetConn() net.Conn { return plainConn{w: c.w} }

type plainConn struct {
	net.Conn
	w io.Writer
}

func (c plainConn) Write(p []byte) (int, error) { return c.w.Write(p) }
