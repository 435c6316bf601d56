package usernet

import (
	"errors"
	"fmt"
	"net/netip"
)

// DefaultSubnet is the network's subnet unless Config says otherwise. It is
// gvproxy's (podman machine's) default: a /24 high in 192.168.0.0/16, away
// from the 10/8 and 172.16/12 that corporate networks mostly use and from
// the 192.168.0.x and 192.168.1.x of home routers. Nothing on the host is
// routed to it (the network has no host interface); a clash only hides the
// host-side network with the same addresses from the guests, and then the
// subnet can be changed.
const DefaultSubnet = "192.168.127.0/24"

// DefaultMTU is the guests' MTU unless Config says otherwise: Ethernet's.
const DefaultMTU = 1500

// MaxMTU is the largest MTU hyperkit survives: until the guest's receive
// ring is ready, hyperkit reads each frame into a 2048-byte buffer and
// asserts that it fits, and a frame is the MTU plus a 14-byte header.
const MaxMTU = 2048 - 14

// MinMTU is IPv4's minimum datagram size every host must accept (RFC 791).
const MinMTU = 576

// DefaultMaxConns is how many machines may be connected at once unless
// Config says otherwise.
const DefaultMaxConns = 64

// Subnet prefix lengths allowed: a /8 at most, and a /29 at least, which
// holds the network address, the gateway, the host alias, the broadcast
// address and four addresses for DHCP.
const (
	minPrefixBits = 8
	maxPrefixBits = 29
)

// Config describes a Network. The zero value is the default network.
type Config struct {
	// Subnet is the network's IPv4 subnet, in a private range (RFC 1918).
	// The gateway (DHCP, DNS, NAT) is its first address, the host alias
	// its last but one; DHCP hands out the others. Zero means
	// DefaultSubnet.
	Subnet netip.Prefix
	// MTU is the guests' MTU (sent in the vpnkit handshake and by DHCP).
	// Zero means DefaultMTU.
	MTU int
	// MaxConns caps the machines connected at once; more are refused in
	// the handshake. Zero means DefaultMaxConns.
	MaxConns int
	// HostLoopback makes the host alias address reach the host's
	// 127.0.0.1 (gvproxy's host.containers.internal). Off by default:
	// guests would then reach every service the host has on loopback.
	HostLoopback bool
	// Logf receives the network's messages (refused connections and
	// such). Nil discards them.
	Logf func(format string, args ...any)
}

// withDefaults returns c with its zero fields filled in.
func (c Config) withDefaults() Config {
	if !c.Subnet.IsValid() {
		c.Subnet = netip.MustParsePrefix(DefaultSubnet)
	}
	if c.MTU == 0 {
		c.MTU = DefaultMTU
	}
	if c.MaxConns == 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return c
}

// Validate reports what is wrong with c, its zero fields taken as their
// defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	p := c.Subnet
	switch {
	case !p.Addr().Is4():
		return fmt.Errorf("usernet subnet %s is not IPv4: use an IPv4 subnet such as %s", p, DefaultSubnet)
	case p != p.Masked():
		return fmt.Errorf("usernet subnet %s has host bits set: use %s", p, p.Masked())
	case !isPrivate(p):
		return fmt.Errorf("usernet subnet %s is not inside a private range: use one inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16", p)
	case p.Bits() < minPrefixBits || p.Bits() > maxPrefixBits:
		return fmt.Errorf("usernet subnet %s: the prefix length must be /%d to /%d (room for the gateway, the host alias and DHCP)", p, minPrefixBits, maxPrefixBits)
	}
	if c.MTU < MinMTU || c.MTU > MaxMTU {
		return fmt.Errorf("usernet MTU %d is out of range: use %d to %d (hyperkit drops the VM on frames over 2048 bytes), or %d", c.MTU, MinMTU, MaxMTU, DefaultMTU)
	}
	if c.MaxConns < 0 {
		return errors.New("usernet MaxConns is negative: use 0 for the default or a positive number")
	}
	return nil
}

// isPrivate reports whether p lies inside one of RFC 1918's ranges.
func isPrivate(p netip.Prefix) bool {
	for _, r := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} {
		r := netip.MustParsePrefix(r)
		if p.Bits() >= r.Bits() && r.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// addresses are the network's own addresses, derived from its subnet.
type addresses struct {
	gateway   netip.Addr // first address: DHCP, DNS, NAT
	hostAlias netip.Addr // last but one: the host's loopback, if enabled
	broadcast netip.Addr // last
}

// addressesOf derives the addresses of a valid subnet.
func addressesOf(p netip.Prefix) addresses {
	b := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	base := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	at := func(i uint32) netip.Addr {
		v := base + i
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	return addresses{gateway: at(1), hostAlias: at(host - 1), broadcast: at(host)}
}
