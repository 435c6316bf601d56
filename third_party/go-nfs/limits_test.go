package nfs

// Fork: tests of the limits (limits.go) and of the fixes marked Fork.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/memfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
)

func words(ws ...uint32) []byte {
	var b []byte
	for _, w := range ws {
		b = binary.BigEndian.AppendUint32(b, w)
	}
	return b
}

// nullCall is a whole record: a NULL call to NFS with empty authenticators.
var nullCall = words(lastFragment|40, 7, 0, 2, nfsServiceID, 3, 0, 0, 0, 0, 0)

func TestReadRecord(t *testing.T) {
	for name, in := range map[string][]byte{
		"not the last fragment": words(40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
		"shorter than a call":   words(lastFragment | 39),
		"over the limit":        words(lastFragment | 1001),
		"2 GiB":                 words(lastFragment | 0x7fffffff),
		"truncated":             words(lastFragment|44, 1, 2, 3),
		"half a marker":         {0x80, 0},
	} {
		if _, err := readRecord(bufio.NewReader(bytes.NewReader(in)), 1000); err == nil || err == io.EOF {
			t.Errorf("%s: %v, want an error", name, err)
		}
	}
	if _, err := readRecord(bufio.NewReader(bytes.NewReader(nil)), 1000); err != io.EOF {
		t.Errorf("no record: %v, want io.EOF", err)
	}
	rec, err := readRecord(bufio.NewReader(bytes.NewReader(nullCall)), 1000)
	if err != nil || !bytes.Equal(rec, nullCall[4:]) {
		t.Errorf("NULL call: %x, %v", rec, err)
	}
}

// TestShortRecordHoldsLittle announces the longest record and sends 100
// bytes of it: reading allocates about what came, not what was announced.
func TestShortRecordHoldsLittle(t *testing.T) {
	in := append(words(lastFragment|DefaultMaxRecordSize), make([]byte, 100)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := readRecord(bufio.NewReader(bytes.NewReader(in)), DefaultMaxRecordSize)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated record: %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<10 {
		t.Errorf("100 bytes of a %d-byte record allocated %d KiB", DefaultMaxRecordSize, grew>>10)
	}
}

// TestTagsMatchLimits: struct tags cannot name constants.
func TestTagsMatchLimits(t *testing.T) {
	want := map[string]int{"Handle": FHSize, "Filename": PathNameMax, "Data": MaxIOSize}
	for _, v := range []any{DirOpArg{}, writeArgs{}, nfsReadArgs{}, readDirArgs{}, readDirPlusArgs{}} {
		typ := reflect.TypeOf(v)
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			if f.Type.Kind() != reflect.Slice {
				continue
			}
			got, err := strconv.Atoi(f.Tag.Get("xdr")[len("maxlen="):])
			if err != nil || got != want[f.Name] {
				t.Errorf("%s.%s: tag %q, want maxlen=%d", typ.Name(), f.Name, f.Tag, want[f.Name])
			}
		}
	}
	var h rpc.Header
	if tag := reflect.TypeOf(h.Cred).Field(1).Tag.Get("xdr"); tag != "maxlen="+strconv.Itoa(rpc.MaxAuthBytes) {
		t.Errorf("rpc.Auth.Body: tag %q", tag)
	}
}

// serveOne serves one TCP connection of a Server without a Handler (enough
// for NULL calls and malformed records) and returns the client's side.
func serveOne(t *testing.T) *net.TCPConn {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{}
	go s.newConn(server).serve(context.Background())
	if err := client.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	return client.(*net.TCPConn)
}

// TestServeClosesOnMalformed: any malformed record ends the connection.
func TestServeClosesOnMalformed(t *testing.T) {
	for name, rec := range map[string][]byte{
		"not the last fragment": words(16, 1, 0, 2, nfsServiceID),
		"a reply":               words(lastFragment|40, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0),
		"RPC version 3":         words(lastFragment|40, 1, 0, 3, nfsServiceID, 3, 0, 0, 0, 0, 0),
		"2 GiB credential":      words(lastFragment|40, 1, 0, 2, nfsServiceID, 3, 0, 1, 0x7fffffff, 0, 0),
		"401-byte credential":   append(words(lastFragment|(40+404), 1, 0, 2, nfsServiceID, 3, 0, 1, 401), make([]byte, 412)...),
		"GETATTR of a 65-byte handle": append(words(lastFragment|(44+68), 1, 0, 2, nfsServiceID, 3, 1, 0, 0, 0, 0, 65),
			make([]byte, 68)...),
	} {
		t.Run(name, func(t *testing.T) {
			c := serveOne(t)
			if _, err := c.Write(rec); err != nil {
				t.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, c); err != nil || n != 0 {
				t.Errorf("read %d bytes, %v; want the connection closed without a reply", n, err)
			}
		})
	}
}

// TestServeAnswersThenCloses: a call's reply is written even when the
// client closes right after its call.
func TestServeAnswersThenCloses(t *testing.T) {
	c := serveOne(t)
	if _, err := c.Write(append(append([]byte{}, nullCall...), 0xff)); err != nil { // and part of a marker
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	reply, err := io.ReadAll(c)
	if err != nil || len(reply) != 4+24 || binary.BigEndian.Uint32(reply[4:]) != 7 {
		t.Errorf("reply %x, %v", reply, err)
	}
}

// countingFS counts the files opened and not closed.
type countingFS struct {
	billy.Filesystem
	open int
}

type countedFile struct {
	billy.File
	fs *countingFS
}

func (f countedFile) Close() error { f.fs.open--; return f.File.Close() }

func (c *countingFS) OpenFile(name string, flag int, perm os.FileMode) (billy.File, error) {
	f, err := c.Filesystem.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	c.open++
	return countedFile{f, c}, nil
}

// TestSetSizeOverInt64OpensNothing: upstream opened the file, then refused
// the size and returned with the file open.
func TestSetSizeOverInt64OpensNothing(t *testing.T) {
	fs := &countingFS{Filesystem: memfs.New()}
	f, err := fs.Create("f")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	size := uint64(math.MaxUint64)
	err = (&SetFileAttributes{SetSize: &size}).Apply(nil, fs, "f")
	var se *NFSStatusError
	if !errors.As(err, &se) || se.NFSStatus != NFSStatusInval {
		t.Errorf("size 2^64-1: %v, want NFS3ERR_INVAL", err)
	}
	if fs.open != 0 {
		t.Errorf("%d files left open", fs.open)
	}
}
