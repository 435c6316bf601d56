package usernet

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
)

// This file speaks hyperkit's side of the vpnkit protocol, written from
// hyperkit's pci_virtio_net_vpnkit.c as described in docs (not from
// gvisor-tap-vsock): 49-byte init, 49 read back, 41-byte command, 258-byte
// response, then frames with a 2-byte little-endian length, padded to 60.

const testCommit = "0123456789abcdef0123456789abcdef01234567"

// startNetwork serves a network on a Unix socket until the test ends;
// setup runs before it serves.
func startNetwork(t *testing.T, cfg Config, setup ...func(*Network)) (*Network, string) {
	t.Helper()
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range setup {
		f(n)
	}
	path := filepath.Join(t.TempDir(), "vpnkit.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.ServeVPNKit(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("ServeVPNKit: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("ServeVPNKit did not return after its context ended")
		}
		if err := n.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return n, path
}

func dial(t *testing.T, path string) net.Conn {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

func initMsg(magic string) []byte {
	b := append([]byte(magic), binary.LittleEndian.AppendUint32(nil, 22)...)
	return append(b, testCommit...)
}

func commandMsg(cmd byte, id string) []byte {
	b := make([]byte, 41)
	b[0] = cmd
	copy(b[1:], id)
	return b
}

// hello performs the handshake and returns the two replies.
func hello(t *testing.T, c net.Conn, id string) (initReply, resp []byte) {
	t.Helper()
	if _, err := c.Write(initMsg("VMN3T")); err != nil {
		t.Fatal(err)
	}
	initReply = make([]byte, 49)
	if _, err := io.ReadFull(c, initReply); err != nil {
		t.Fatalf("read init reply: %v", err)
	}
	if _, err := c.Write(commandMsg(1, id)); err != nil {
		t.Fatal(err)
	}
	resp = make([]byte, 258)
	if _, err := io.ReadFull(c, resp); err != nil {
		t.Fatalf("read response: %v", err)
	}
	return initReply, resp
}

// vm is a connected machine as hyperkit's device is.
type vm struct {
	conn net.Conn
	mac  net.HardwareAddr
}

func join(t *testing.T, path string, id uuid.UUID) *vm {
	t.Helper()
	c := dial(t, path)
	_, resp := hello(t, c, id.String())
	if resp[0] != 1 {
		t.Fatalf("response type %d (%q), want 1", resp[0], resp[2:2+int(resp[1])])
	}
	return &vm{conn: c, mac: net.HardwareAddr(bytes.Clone(resp[5:11]))}
}

// send writes a frame as hyperkit does: padded to 60 bytes, after its
// 2-byte little-endian length.
func (v *vm) send(t *testing.T, frame []byte) {
	t.Helper()
	if _, err := v.conn.Write(encode(frame)); err != nil {
		t.Fatal(err)
	}
}

// encode pads a frame to 60 bytes and puts its length before it.
func encode(frame []byte) []byte {
	if len(frame) < 60 {
		frame = append(frame, make([]byte, 60-len(frame))...)
	}
	return append(binary.LittleEndian.AppendUint16(nil, uint16(len(frame))), frame...)
}

func sendRaw(t *testing.T, c net.Conn, length int, frame []byte) {
	t.Helper()
	if _, err := c.Write(append(binary.LittleEndian.AppendUint16(nil, uint16(length)), frame...)); err != nil {
		t.Fatal(err)
	}
}

// recv reads frames until match accepts one.
func (v *vm) recv(t *testing.T, what string, match func([]byte) bool) []byte {
	t.Helper()
	for {
		var n [2]byte
		if _, err := io.ReadFull(v.conn, n[:]); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		f := make([]byte, binary.LittleEndian.Uint16(n[:]))
		if _, err := io.ReadFull(v.conn, f); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if match(f) {
			return f
		}
	}
}

// closed reports whether the server closed c (EOF before any byte, or a
// reset when the server closed with bytes of ours unread).
func closed(c net.Conn) error {
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.Read(make([]byte, 1024))
	if n == 0 && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)) {
		return nil
	}
	if err == nil {
		return errors.New("the server sent more data")
	}
	return err
}
