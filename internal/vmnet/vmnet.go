// Package vmnet reads macOS's vmnet preferences, which say which address the
// host has on the shared network its VMs join.
package vmnet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"

	"howett.net/plist"
)

// Shared is the host side of vmnet's shared (NAT) network.
type Shared struct {
	Address net.IP     // the host's own address, e.g. 192.168.64.1
	Mask    net.IPMask // e.g. 255.255.255.0
}

// Network returns the shared subnet.
func (s Shared) Network() *net.IPNet {
	return &net.IPNet{IP: s.Address.Mask(s.Mask), Mask: s.Mask}
}

type prefs struct {
	SharedNetAddress string `plist:"Shared_Net_Address"`
	SharedNetMask    string `plist:"Shared_Net_Mask"`
}

// ErrNoSharedAddress reports preferences without Shared_Net_Address, as
// macOS 26 was seen writing them: the host's address is then the one of
// the interface that carries the VM's network (Choose).
var ErrNoSharedAddress = errors.New("vmnet plist has no Shared_Net_Address")

// Parse reads com.apple.vmnet.plist (XML or binary). A missing mask defaults
// to /24, vmnet's own default.
func Parse(r io.Reader) (Shared, error) {
	// The plist decoder seeks (a binary plist's offset table is at its end),
	// and the file is a few hundred bytes.
	data, err := io.ReadAll(r)
	if err != nil {
		return Shared{}, fmt.Errorf("read vmnet plist: %w", err)
	}
	var p prefs
	if err := plist.NewDecoder(bytes.NewReader(data)).Decode(&p); err != nil {
		return Shared{}, fmt.Errorf("decode vmnet plist: %w", err)
	}
	if p.SharedNetAddress == "" {
		return Shared{}, ErrNoSharedAddress
	}
	addr := net.ParseIP(p.SharedNetAddress).To4()
	if addr == nil {
		return Shared{}, fmt.Errorf("vmnet plist Shared_Net_Address %q is not an IPv4 address", p.SharedNetAddress)
	}
	mask := net.CIDRMask(24, 32)
	if p.SharedNetMask != "" {
		m := net.ParseIP(p.SharedNetMask).To4()
		if m == nil {
			return Shared{}, fmt.Errorf("vmnet plist Shared_Net_Mask %q is not an IPv4 mask", p.SharedNetMask)
		}
		mask = net.IPMask(m)
		if ones, bits := mask.Size(); ones == 0 && bits == 0 {
			return Shared{}, fmt.Errorf("vmnet plist Shared_Net_Mask %q is not a contiguous mask", p.SharedNetMask)
		}
	}
	return Shared{Address: addr, Mask: mask}, nil
}
