package usernet

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
)

// Lease is an address DHCP gave a machine.
type Lease struct {
	IP  netip.Addr
	MAC net.HardwareAddr
}

// Leases lists the addresses DHCP has given, by address. Leases live in
// the network's memory: they last until the network stops (DHCP RELEASE
// is ignored), so a machine that restarts gets its address again.
func (n *Network) Leases() ([]Lease, error) {
	var raw map[string]string // IP -> MAC
	if err := n.call("/leases", nil, &raw); err != nil {
		return nil, fmt.Errorf("read leases: %w", err)
	}
	ls := make([]Lease, 0, len(raw))
	for ip, mac := range raw {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return nil, fmt.Errorf("read leases: address %q: %w", ip, err)
		}
		if a == n.addrs.gateway || a == n.addrs.hostAlias || a == n.addrs.broadcast {
			continue // reserved, not leased
		}
		hw, err := net.ParseMAC(mac)
		if err != nil {
			return nil, fmt.Errorf("read leases: MAC %q: %w", mac, err)
		}
		ls = append(ls, Lease{IP: a, MAC: hw})
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].IP.Less(ls[j].IP) })
	return ls, nil
}

// LeaseOf returns the address DHCP gave mac, if any.
func (n *Network) LeaseOf(mac net.HardwareAddr) (netip.Addr, bool, error) {
	ls, err := n.Leases()
	if err != nil {
		return netip.Addr{}, false, err
	}
	for _, l := range ls {
		if l.MAC.String() == mac.String() {
			return l.IP, true, nil
		}
	}
	return netip.Addr{}, false, nil
}
