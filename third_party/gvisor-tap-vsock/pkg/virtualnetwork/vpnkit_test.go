package virtualnetwork

// Fork: the vpnkit handshake's checks (new file).

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/containers/gvisor-tap-vsock/pkg/types"
)

const testUUID = "c3d68012-0208-11ea-9fd7-f2189899ab08"

func newTestNetwork(t *testing.T) *VirtualNetwork {
	t.Helper()
	n, err := New(&types.Configuration{
		MTU:                    1500,
		Subnet:                 "192.168.127.0/24",
		GatewayIP:              "192.168.127.1",
		GatewayMacAddress:      "5a:94:ef:e4:0c:dd",
		VpnKitUUIDMacAddresses: map[string]string{testUUID: "5a:94:ef:e4:0c:ee"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// initMsg is hyperkit's 49-byte msg_init: magic, LE version 22, commit.
func initMsg(magic string) []byte {
	b := append([]byte(magic), binary.LittleEndian.AppendUint32(nil, 22)...)
	return append(b, bytes.Repeat([]byte{'a'}, 40)...)
}

// commandMsg is hyperkit's 41-byte msg_command.
func commandMsg(cmd byte, uuid string) []byte {
	b := make([]byte, 41)
	b[0] = cmd
	copy(b[1:], uuid)
	return b
}

// TestVpnKitHandshakeRefused: a peer that is not hyperkit gets its
// connection closed and AcceptVpnKit returns why (v0.8.9 logged the error
// and served the connection anyway).
func TestVpnKitHandshakeRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		send [][]byte
		want error
	}{
		{"bad magic", [][]byte{initMsg("VMN4T")}, ErrVpnKitHandshake},
		{"short init", [][]byte{initMsg("VMN3T")[:20]}, io.ErrUnexpectedEOF},
		{"unknown command", [][]byte{initMsg("VMN3T"), commandMsg(2, testUUID)}, ErrVpnKitHandshake},
		{"short command", [][]byte{initMsg("VMN3T"), commandMsg(1, testUUID)[:30]}, io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNetwork(t)
			peer, conn := net.Pipe()
			defer peer.Close()
			done := make(chan error, 1)
			go func() { done <- n.AcceptVpnKit(conn) }()
			go func() { // as hyperkit: each message, then the init's echo
				for _, b := range tc.send {
					if _, err := peer.Write(b); err != nil {
						return
					}
					if len(b) == 49 {
						if _, err := io.ReadFull(peer, make([]byte, 49)); err != nil {
							return
						}
					}
				}
				_ = peer.Close() // a short message ends with the connection
			}()
			select {
			case err := <-done:
				if !errors.Is(err, tc.want) {
					t.Errorf("AcceptVpnKit returned %v, want %v", err, tc.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("AcceptVpnKit kept a connection whose handshake failed")
			}
			if _, err := conn.Write([]byte{0}); !errors.Is(err, io.ErrClosedPipe) {
				t.Errorf("connection still open after a failed handshake (write: %v)", err)
			}
		})
	}
}

// TestVpnKitHandshakeDeadline: a peer that sends nothing is dropped after
// the timeout.
func TestVpnKitHandshakeDeadline(t *testing.T) {
	n := newTestNetwork(t)
	peer, conn := net.Pipe()
	defer peer.Close()
	done := make(chan error, 1)
	go func() { done <- n.acceptVpnKit(conn, 100*time.Millisecond) }()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("acceptVpnKit returned %v, want a deadline error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the handshake has no deadline")
	}
}

// TestVpnKitHandshake: hyperkit's handshake gets its init echoed and the
// configured MAC, MTU and max packet size.
func TestVpnKitHandshake(t *testing.T) {
	n := newTestNetwork(t)
	peer, conn := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- n.AcceptVpnKit(conn) }()
	_ = peer.SetDeadline(time.Now().Add(5 * time.Second))
	in := initMsg("VMN3T")
	if _, err := peer.Write(in); err != nil {
		t.Fatal(err)
	}
	echo := make([]byte, 49)
	if _, err := io.ReadFull(peer, echo); err != nil || !bytes.Equal(echo, in) {
		t.Fatalf("init reply %q, %v; want %q", echo, err, in)
	}
	if _, err := peer.Write(commandMsg(1, testUUID)); err != nil {
		t.Fatal(err)
	}
	resp := make([]byte, 258)
	if _, err := io.ReadFull(peer, resp); err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 258)
	copy(want, []byte{1, 0xdc, 0x05, 0xea, 0x05, 0x5a, 0x94, 0xef, 0xe4, 0x0c, 0xee})
	if !bytes.Equal(resp, want) {
		t.Errorf("response %x, want %x", resp[:11], want[:11])
	}
	_ = peer.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("AcceptVpnKit did not return when the peer closed")
	}
}
