package usernet

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestHandshakeBytes: the replies hyperkit reads, byte for byte.
func TestHandshakeBytes(t *testing.T) {
	_, path := startNetwork(t, Config{})
	id := uuid.MustParse("c3d68012-0208-11ea-9fd7-f2189899ab08")
	initReply, resp := hello(t, dial(t, path), id.String())

	wantInit := make([]byte, 49)
	copy(wantInit, "VMN3T\x16\x00\x00\x00docker-machine-driver-xhyve usernet")
	if !bytes.Equal(initReply, wantInit) {
		t.Errorf("init reply\n%q\nwant\n%q", initReply, wantInit)
	}
	mac := MACForUUID(id)
	wantResp := make([]byte, 258)
	copy(wantResp, []byte{1, 0xdc, 0x05, 0xea, 0x05}) // VIF, MTU 1500, max packet 1514
	copy(wantResp[5:], mac)
	if !bytes.Equal(resp, wantResp) {
		t.Errorf("response %x, want %x", resp[:11], wantResp[:11])
	}
	if mac.String() != "7a:4c:8f:84:76:30" {
		t.Errorf("MAC for %s is %s; a changed mapping moves every machine's MAC and lease", id, mac)
	}
}

// TestHandshakeRefused: a peer that is not hyperkit, or is late, gets its
// connection closed, and the network goes on serving others.
func TestHandshakeRefused(t *testing.T) {
	id := uuid.NewString()
	for _, tc := range []struct {
		name string
		send [][]byte
	}{
		{"bad magic", [][]byte{initMsg("VPN3T")}},
		{"unknown command", [][]byte{initMsg("VMN3T"), commandMsg(3, id)}},
		{"not a uuid", [][]byte{initMsg("VMN3T"), commandMsg(1, "not-a-uuid-not-a-uuid-not-a-uuid-xx")}},
		{"short init then silence", [][]byte{initMsg("VMN3T")[:10]}},
		{"silence", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, path := startNetwork(t, Config{}, func(n *Network) { n.handshakeTimeout = 200 * time.Millisecond })
			c := dial(t, path)
			for _, b := range tc.send {
				if _, err := c.Write(b); err != nil {
					t.Fatal(err)
				}
				if len(b) == 49 && string(b[:5]) == "VMN3T" {
					if _, err := c.Read(make([]byte, 49)); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := closed(c); err != nil {
				t.Fatalf("connection not closed: %v", err)
			}
			v := join(t, path, uuid.New())
			if len(v.mac) != 6 {
				t.Fatal("no MAC for the next machine")
			}
		})
	}
}

// TestHandshakeLimits: a second connection for a connected UUID, and one
// beyond MaxConns, get hyperkit's RESP_DISCONNECT with the reason.
func TestHandshakeLimits(t *testing.T) {
	_, path := startNetwork(t, Config{MaxConns: 2})
	a, b := uuid.New(), uuid.New()
	join(t, path, a)
	for _, tc := range []struct {
		id   uuid.UUID
		want string
	}{
		{a, "already connected"},
		{b, ""},
		{uuid.New(), "maximum of 2 machines"},
	} {
		_, resp := hello(t, dial(t, path), tc.id.String())
		if tc.want == "" {
			if resp[0] != 1 {
				t.Errorf("%s refused: %q", tc.id, resp[2:2+int(resp[1])])
			}
			continue
		}
		msg := string(resp[2 : 2+int(resp[1])])
		if resp[0] != 2 || !bytes.Contains([]byte(msg), []byte(tc.want)) {
			t.Errorf("%s: response %d %q, want 2 and %q", tc.id, resp[0], msg, tc.want)
		}
	}
}

// TestFrameLimits: through the network, a frame under 14 bytes or over the
// MTU plus 18 (header and one VLAN tag) ends the connection; hyperkit's
// padded minimum and the largest frame are accepted.
func TestFrameLimits(t *testing.T) {
	for _, tc := range []struct {
		length int
		ok     bool
	}{
		{0, false}, {11, false}, {13, false}, {1519, false}, {65535, false},
		{14, true}, {60, true}, {1518, true},
	} {
		n, path := startNetwork(t, Config{})
		v := join(t, path, uuid.New())
		frame := make([]byte, max(tc.length, 14))
		copy(frame, broadcast)
		copy(frame[6:], v.mac)
		frame[12], frame[13] = 0x88, 0xb5 // an EtherType nobody handles
		frame = frame[:tc.length]
		sendRaw(t, v.conn, tc.length, frame)
		if !tc.ok {
			if err := closed(v.conn); err != nil {
				t.Errorf("%d-byte frame: connection not closed: %v", tc.length, err)
			}
			continue
		}
		// still connected: the gateway answers ARP (padded to 60)
		src := n.Gateway().Next()
		v.send(t, arp(1, broadcast, v.mac, src, n.Gateway(), make([]byte, 6)))
		v.recv(t, "the gateway's ARP reply", func(f []byte) bool {
			return isARP(f, 2, mustMAC(gatewayMAC)) && bytes.Equal(f[0:6], v.mac)
		})
	}
}

func TestMACForUUID(t *testing.T) {
	a, b := uuid.New(), uuid.New()
	ma, mb := MACForUUID(a), MACForUUID(b)
	if ma.String() != MACForUUID(a).String() {
		t.Error("the MAC of a UUID changes")
	}
	if ma.String() == mb.String() {
		t.Error("two UUIDs have one MAC")
	}
	for _, m := range []([]byte){ma, mb} {
		if m[0]&1 != 0 || m[0]&2 == 0 {
			t.Errorf("%x is not a locally administered unicast MAC", m)
		}
	}
}
