package xhyveargv

import (
	"bytes"
	"strings"
	"testing"
)

// TestParseVpnkit: hyperkit's options by prefix, the last of a kind
// winning, its defaults, and each refusal with its message, marked as the
// crash it is in hyperkit (docs/facts.md §9).
func TestParseVpnkit(t *testing.T) {
	long := strings.Repeat("a", 40)
	for _, tc := range []struct {
		slot string
		want Vpnkit
		msg  string // refusal: the message hyperkit prints
	}{
		{"2,virtio-vpnkit", Vpnkit{Path: DefaultVpnkitPath}, ""},
		{"2:0,virtio-vpnkit,path=/tmp/n.sock,uuid=" + testUUID, Vpnkit{Path: "/tmp/n.sock", UUID: testUUID}, ""},
		{"2,virtio-vpnkit,uuid=" + long, Vpnkit{Path: DefaultVpnkitPath, UUID: long[:36]}, ""}, // only 36 kept, format unchecked
		{"2,virtio-vpnkit,path=/a,path=/b,macfile=/m", Vpnkit{Path: "/b", MACFile: "/m"}, ""},
		{"2,virtio-vpnkit,path=", Vpnkit{Path: ""}, ""},
		{"2,virtio-vpnkit,pathological=/x", Vpnkit{Path: DefaultVpnkitPath}, "invalid option: pathological=/x\r"},
		{"2,virtio-vpnkit,preferred_ipv4=192.168.65.7", Vpnkit{Path: DefaultVpnkitPath, IPv4: "192.168.65.7", PreferredIPv4: [4]byte{192, 168, 65, 7}}, ""},
		{"2,virtio-vpnkit,preferred_ipv4=10.1", Vpnkit{Path: DefaultVpnkitPath, IPv4: "10.1", PreferredIPv4: [4]byte{10, 0, 0, 1}}, ""},
		{"2,virtio-vpnkit,uuid=" + testUUID[:35], Vpnkit{}, "uuids need to be 36 characters long"},
		{"2,virtio-vpnkit,uuid=", Vpnkit{}, "uuids need to be 36 characters long"},
		{"2,virtio-vpnkit,preferred_ipv4=300.1.1.1", Vpnkit{}, "Unable to parse requested IP 300.1.1.1"},
		{"2,virtio-vpnkit,preferred_ipv4=", Vpnkit{}, "Unable to parse requested IP "},
		{"2,virtio-vpnkit,mac=02:00:00:00:00:01", Vpnkit{}, "invalid option: mac=02:00:00:00:00:01\r"},
		{"2,virtio-vpnkit,", Vpnkit{}, "invalid option: \r"}, // an empty config is an empty option
		{"2,virtio-vpnkit,path=/s,", Vpnkit{}, "invalid option: \r"},
		{"2,virtio-vpnkit,PATH=/s", Vpnkit{}, "invalid option: PATH=/s\r"},
	} {
		c, err := Parse(Hyperkit, "hyperkit", []string{"-s", tc.slot, "-f", fw})
		if err != nil {
			t.Fatalf("-s %q: %v", tc.slot, err)
		}
		got, err := ParseVpnkit(c.Slots[0])
		if tc.msg != "" {
			e, ok := err.(*Error)
			if !ok || e.Msg != tc.msg || !e.Crash || e.Code != StatusError {
				t.Errorf("-s %q: %#v, want the crash after %q", tc.slot, err, tc.msg)
			}
			var out bytes.Buffer
			Report(&out, "hyperkit", err)
			if out.String() != tc.msg+"\n" {
				t.Errorf("-s %q: reported %q", tc.slot, out.String())
			}
			continue
		}
		tc.want.Slot = c.Slots[0]
		if err != nil || got != tc.want {
			t.Errorf("-s %q: %+v, %v; want %+v", tc.slot, got, err, tc.want)
		}
	}
}

// TestVpnkitOnlyHyperkit: xhyve (master and v0.2.0) has no such device
// and refuses the slot as any unknown emulation.
func TestVpnkitOnlyHyperkit(t *testing.T) {
	for _, d := range []Dialect{Xhyve, Xhyve020} {
		_, err := Parse(d, "xhyve", []string{"-s", "2:0,virtio-vpnkit,path=/s,uuid=" + testUUID, "-f", fw})
		if code, usage := status(err); code != StatusError || usage || err.Error() != `pci slot 2:0: unknown device "virtio-vpnkit"` {
			t.Errorf("%v: %v (exit %d)", d, err, code)
		}
	}
}

// TestInetAton: BSD inet_aton's forms and refusals.
func TestInetAton(t *testing.T) {
	for _, tc := range []struct {
		in string
		ip [4]byte
		ok bool
	}{
		{"192.168.65.2", [4]byte{192, 168, 65, 2}, true},
		{"0x7f.1", [4]byte{127, 0, 0, 1}, true},
		{"010.0.0.010", [4]byte{8, 0, 0, 8}, true}, // octal
		{"10.1.2", [4]byte{10, 1, 0, 2}, true},
		{"167772161", [4]byte{10, 0, 0, 1}, true},
		{"4294967297", [4]byte{0, 0, 0, 1}, true}, // a 64-bit long keeps the low 32 bits
		{"1.2.3.4 trailing", [4]byte{1, 2, 3, 4}, true},
		{"0", [4]byte{}, true},
		{"1.2.3.4x", [4]byte{}, false},
		{"1.2.3.256", [4]byte{}, false},
		{"256.1.1.1", [4]byte{}, false},
		{"1.2.65536", [4]byte{}, false},
		{"1.16777216", [4]byte{}, false},
		{"1.2.3.4.5", [4]byte{}, false},
		{"08.1.1.1", [4]byte{}, false},
		{"0x", [4]byte{}, false},
		{"1.", [4]byte{}, false},
		{".1", [4]byte{}, false},
		{"", [4]byte{}, false},
		{" 1.2.3.4", [4]byte{}, false},
	} {
		ip, ok := inetAton(tc.in)
		if ok != tc.ok || ip != tc.ip {
			t.Errorf("inetAton(%q) = %v, %v; want %v, %v", tc.in, ip, ok, tc.ip, tc.ok)
		}
	}
}
