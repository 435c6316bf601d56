package vpnkit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
)

const testUUID = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"

// TestMessages: the bytes hyperkit sends, laid out by hand from its packed
// structs (docs/facts.md §9).
func TestMessages(t *testing.T) {
	want := append([]byte("VMN3T"), 22, 0, 0, 0)
	want = append(want, "40cbd5caa9580e2b6de8fef53f4581943c430312"...)
	if got := InitMessage(); !bytes.Equal(got, want) || len(got) != 49 {
		t.Errorf("init %q, want %q", got, want)
	}
	eth := append([]byte{1}, testUUID...)
	eth = append(eth, 0, 0, 0, 0)
	if got := CommandMessage(testUUID, [4]byte{}); !bytes.Equal(got, eth) {
		t.Errorf("ethernet command %x, want %x", got, eth)
	}
	ip := append([]byte{8}, testUUID...)
	ip = append(ip, 7, 65, 168, 192) // 192.168.65.7 byte-swapped
	if got := CommandMessage(testUUID, [4]byte{192, 168, 65, 7}); !bytes.Equal(got, ip) {
		t.Errorf("preferred_ipv4 command %x, want %x", got, ip)
	}
}

func vifResponse(mtu, max uint16, mac [6]byte) []byte {
	r := make([]byte, ResponseSize)
	r[0] = 1
	binary.LittleEndian.PutUint16(r[1:], mtu)
	binary.LittleEndian.PutUint16(r[3:], max)
	copy(r[5:], mac[:])
	return r
}

func serverInit(magic string, version uint32) []byte {
	b := make([]byte, InitSize)
	copy(b, magic)
	binary.LittleEndian.PutUint32(b[5:], version)
	copy(b[9:], "0123456789012345678901234567890123456789")
	return b
}

// duplex is one end of a conversation: reads come from in, writes go to out.
type duplex struct {
	in  io.Reader
	out bytes.Buffer
}

func (d *duplex) Read(p []byte) (int, error)  { return d.in.Read(p) }
func (d *duplex) Write(p []byte) (int, error) { return d.out.Write(p) }

var testMAC = [6]byte{0x5a, 0x94, 0xef, 0xe4, 0x0c, 0xee}

func TestHandshake(t *testing.T) {
	disc := make([]byte, ResponseSize)
	disc[0], disc[1] = 2, 12
	copy(disc[2:], "no such uuid")
	for _, tc := range []struct {
		name   string
		server []byte
		vif    VIF
		err    bool
		log    string
	}{
		{"vif", append(serverInit("VMN3T", 22), vifResponse(1500, 1514, testMAC)...), VIF{1500, 1514, testMAC}, false,
			"virtio-net-vpnkit: magic=VMN3T version=22 commit=0123456789012345678901234567890123456789\n"},
		{"other version only logged", append(serverInit("VMN3T", 23), vifResponse(1500, 1514, testMAC)...), VIF{1500, 1514, testMAC}, false,
			"version mismatch: version 22 requested, got version 23.\n"},
		{"bad magic", serverInit("VMNET", 22), VIF{}, true, "virtio-net-vpnkit: bad init magic: VMNET\n"},
		{"disconnect", append(serverInit("VMN3T", 22), disc...), VIF{}, true, "virtio-net-vpnkit: server disconnected: no such uuid\n"},
		{"unknown response", append(serverInit("VMN3T", 22), append([]byte{9}, make([]byte, ResponseSize-1)...)...), VIF{}, true, "unknown response from server: 9\n"},
		{"short init", serverInit("VMN3T", 22)[:20], VIF{}, true, "virtio-net-vpnkit: read EOF\nvirtio-net-vpnkit: failed to read init reply\n"},
		{"short response", append(serverInit("VMN3T", 22), 1, 2), VIF{}, true, "read EOF\nvirtio-net-vpnkit: failed to read response message\n"},
	} {
		d := &duplex{in: bytes.NewReader(tc.server)}
		var log strings.Builder
		vif, err := Handshake(d, testUUID, [4]byte{}, &log)
		if (err != nil) != tc.err || vif != tc.vif || (err != nil && !errors.Is(err, ErrHandshake)) {
			t.Errorf("%s: %+v, %v", tc.name, vif, err)
		}
		if !strings.HasSuffix(log.String(), tc.log) {
			t.Errorf("%s: log %q, want it to end %q", tc.name, log.String(), tc.log)
		}
		sent := d.out.Bytes()
		if !bytes.HasPrefix(sent, InitMessage()) {
			t.Errorf("%s: sent %q", tc.name, sent)
		}
		wantCmd := !tc.err || strings.Contains(tc.log, "disconnected") || strings.Contains(tc.log, "unknown") || strings.Contains(tc.log, "response message")
		if wantCmd != (len(sent) == InitSize+CommandSize) {
			t.Errorf("%s: sent %d bytes", tc.name, len(sent))
		}
	}
}

func TestMACString(t *testing.T) {
	if got := (VIF{MAC: [6]byte{2, 0x50, 0, 0xa, 0xbc, 0xff}}).MACString(); got != "02:50:00:0a:bc:ff" {
		t.Errorf("MACString %q", got)
	}
}
