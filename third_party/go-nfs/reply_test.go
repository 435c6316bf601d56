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

// TestReplyWriteTo: a reply with data is one record, its data padded.
func TestReplyWriteTo(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	head := bytes.NewBufferString("head")
	msg := &reply{head: head, data: []byte{1, 2, 3, 4, 5}}
	done := make(chan error, 1)
	go func() {
		var marker [4]byte
		done <- msg.writeTo(a, &marker)
	}()
	got := make([]byte, 4+4+8)
	if _, err := io.ReadFull(b, got); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := append(words(lastFragment|12), []byte("head\x01\x02\x03\x04\x05\x00\x00\x00")...)
	if !bytes.Equal(got, want) {
		t.Errorf("reply: %x, want %x", got, want)
	}
	msg.release()
	if msg.head != nil {
		t.Error("release kept the head")
	}
}
