package vmnet

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ifaces builds interface addresses from "name=cidr" pairs.
func ifaces(t *testing.T, pairs ...string) []IfaceAddr {
	t.Helper()
	var out []IfaceAddr
	for _, p := range pairs {
		name, cidr, _ := strings.Cut(p, "=")
		ip, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		n.IP = ip
		out = append(out, IfaceAddr{Iface: name, Net: n})
	}
	return out
}

func shared(addr string) *Shared {
	return &Shared{Address: net.ParseIP(addr).To4(), Mask: net.CIDRMask(24, 32)}
}

func TestChoose(t *testing.T) {
	macOS := []string{"lo0=127.0.0.1/8", "en0=192.168.1.20/24", "en0=fe80::1/64"}
	tests := []struct {
		name    string
		shared  *Shared
		vm      string
		addrs   []string
		want    string
		src     Source
		wantErr error
	}{
		{"preferences on vmnet's bridge", shared("192.168.64.1"), "192.168.64.3",
			append(macOS, "bridge100=192.168.64.1/24"), "192.168.64.1", FromPreferences, nil},
		{"no Shared_Net_Address: the bridge's address", nil, "192.168.64.3",
			append(macOS, "bridge100=192.168.64.1/24"), "192.168.64.1", FromInterface, nil},
		{"preferences name an address on no interface (macOS 26)", shared("192.168.64.1"), "192.168.66.4",
			append(macOS, "bridge101=192.168.66.1/24"), "192.168.66.1", FromInterface, nil},
		{"preferences on another interface than the VM's network", shared("192.168.1.20"), "192.168.66.4",
			append(macOS, "bridge101=192.168.66.1/24"), "192.168.66.1", FromInterface, nil},
		{"most specific network wins over a VPN's", nil, "10.0.5.2",
			[]string{"utun3=10.9.9.9/8", "bridge100=10.0.5.1/24", "utun4=10.0.0.9/16"}, "10.0.5.1", FromInterface, nil},
		{"the VM's own address is not the host's", nil, "192.168.64.3",
			[]string{"bridge100=192.168.64.3/24"}, "192.168.64.1", FromGuess, nil},
		{"no interface yet: the preferences", shared("192.168.99.1"), "192.168.70.5", macOS, "192.168.99.1", FromPreferenceOnly, nil},
		{"no VM address yet: the preferences", shared("192.168.64.1"), "", macOS, "192.168.64.1", FromPreferenceOnly, nil},
		{"nothing known: .1 of the VM's /24", nil, "192.168.70.5", macOS, "192.168.70.1", FromGuess, nil},
		{"IPv4-mapped VM address", nil, "::ffff:192.168.64.3",
			[]string{"bridge100=192.168.64.1/24"}, "192.168.64.1", FromInterface, nil},
		{"no preferences and no VM address", nil, "", macOS, "", "", ErrNoVMAddress},
		{"IPv6 VM address", nil, "fd00::3", macOS, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, src, err := Choose(tt.shared, net.ParseIP(tt.vm), ifaces(t, tt.addrs...))
			if tt.want == "" {
				if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("Choose = %v, %v; want error %v", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(net.ParseIP(tt.want)) || src != tt.src {
				t.Errorf("Choose = %v (%s), %v; want %s (%s)", got, src, err, tt.want, tt.src)
			}
			if got.To4() == nil || len(got) != net.IPv4len {
				t.Errorf("Choose = %#v, want a 4-byte address", got)
			}
		})
	}
}

func TestHostAddress(t *testing.T) {
	dir := t.TempDir()
	vm := net.IPv4(192, 168, 70, 5)
	var host []IfaceAddr
	interfaces = func() ([]IfaceAddr, error) { return host, nil }
	t.Cleanup(func() { interfaces = Interfaces })

	if got, err := HostAddress(filepath.Join(dir, "missing.plist"), vm); err != nil || !got.Equal(net.IPv4(192, 168, 70, 1)) {
		t.Errorf("without preferences: %v, %v; want .1 of the VM's /24", got, err)
	}
	good := filepath.Join(dir, "good.plist")
	os.WriteFile(good, []byte(`<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>Shared_Net_Address</key><string>192.168.99.1</string></dict></plist>`), 0o644)
	if got, err := HostAddress(good, vm); err != nil || !got.Equal(net.IPv4(192, 168, 99, 1)) {
		t.Errorf("from preferences: %v, %v", got, err)
	}
	bad := filepath.Join(dir, "bad.plist")
	os.WriteFile(bad, []byte("<plist><dict><key>Shared_Net_Address</key>"), 0o644)
	if got, err := HostAddress(bad, vm); err == nil || !strings.Contains(err.Error(), bad) || !got.Equal(net.IPv4(192, 168, 70, 1)) {
		t.Errorf("damaged preferences: %v, %v; want the fallback and an error naming the file", got, err)
	}
	if _, err := HostAddress(good+".missing", nil); !errors.Is(err, ErrNoVMAddress) {
		t.Errorf("no preferences and no VM address: %v, want ErrNoVMAddress", err)
	}
	noKey := filepath.Join(dir, "nokey.plist")
	os.WriteFile(noKey, []byte(`<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>Shared_Net_Mask</key><string>255.255.255.0</string></dict></plist>`), 0o644)
	if _, err := HostAddress(noKey, nil); !errors.Is(err, ErrNoVMAddress) || !strings.Contains(err.Error(), noKey) {
		t.Errorf("preferences without an address, no VM address: %v, want ErrNoVMAddress naming the file", err)
	}

	// The VM's network is up on vmnet's bridge: it decides, whatever the
	// preferences say, and nothing is worth a warning.
	host = ifaces(t, "en0=10.1.2.3/16", "bridge100=192.168.70.1/24")
	for _, plist := range []string{good, bad, noKey, good + ".missing"} {
		if got, err := HostAddress(plist, vm); err != nil || !got.Equal(net.IPv4(192, 168, 70, 1)) {
			t.Errorf("%s with the VM's bridge up: %v, %v; want the bridge's address", filepath.Base(plist), got, err)
		}
	}
}
