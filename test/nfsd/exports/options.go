package exports

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// lineOpts are the options of one entry.
type lineOpts struct {
	ro, alldirs     bool
	mapall, maproot *Cred
	network, mask   string
	netPrefix       netip.Prefix
	sec             []string
}

// apply checks one option's value and records it. Values are used as
// written: mountd removes no quotes or escapes from them.
func (c Checker) apply(o Option, lo *lineOpts) error {
	switch o.Name {
	case "ro":
		lo.ro = true
	case "alldirs":
		lo.alldirs = true
	case "32bitclients", "offline":
		// no meaning for this server
	case "mapall", "maproot":
		cr, err := c.parseCred(o.Value)
		if err != nil {
			return fmt.Errorf("map credential error: %w", err)
		}
		if o.Name == "mapall" {
			lo.mapall = &cr
		} else {
			lo.maproot = &cr
		}
	case "network":
		if lo.network != "" {
			return errors.New("Network option conflict")
		}
		p, err := parseNet(o.Value)
		if err != nil {
			return fmt.Errorf("Bad net: %s", o.Value)
		}
		lo.network = o.Value
		if lo.mask != "" {
			p = netip.PrefixFrom(p.Addr(), lo.netPrefix.Bits())
		}
		lo.netPrefix = p
	case "mask":
		if lo.mask != "" {
			return errors.New("Network option conflict")
		}
		bits, err := parseMask(o.Value)
		if err != nil {
			return fmt.Errorf("Bad mask: %s", o.Value)
		}
		lo.mask = o.Value
		if lo.network != "" {
			lo.netPrefix = netip.PrefixFrom(lo.netPrefix.Addr(), bits)
		} else {
			lo.netPrefix = netip.PrefixFrom(netip.IPv4Unspecified(), bits)
		}
	case "sec":
		flavors, err := parseSec(o.Value)
		if err != nil {
			return err
		}
		lo.sec = flavors
	case "fspath":
		if !strings.HasPrefix(o.Value, "/") {
			return fmt.Errorf("invalid fspath: %s", o.Value)
		}
	case "fsuuid":
		hex := strings.ReplaceAll(o.Value, "-", "")
		if len(hex) != 32 || strings.Trim(strings.ToLower(hex), "0123456789abcdef") != "" {
			return fmt.Errorf("invalid fsuuid: %s", o.Value)
		}
	}
	return nil
}

// parseSec reads FLAVOR[:FLAVOR...].
func parseSec(value string) ([]string, error) {
	var flavors []string
	for _, fl := range strings.Split(value, ":") {
		switch fl {
		case "":
		case "sys", "krb5", "krb5i", "krb5p":
			if !contains(flavors, fl) {
				flavors = append(flavors, fl)
			}
		default:
			return nil, fmt.Errorf("Unknown security mechanism '%s'", fl)
		}
	}
	if len(flavors) == 0 {
		return nil, fmt.Errorf("Bad security option: %s", value)
	}
	return flavors, nil
}

// parseCred reads USER or UID:GID[:GID...] (each a number or a name).
func (c Checker) parseCred(s string) (Cred, error) {
	if s == "" {
		return Cred{}, errors.New("empty credential")
	}
	parts := strings.Split(s, ":")
	name := parts[0]
	if len(parts) == 1 {
		uid, gid, err := c.lookupUser(name)
		if err != nil {
			return Cred{}, fmt.Errorf("Unknown user: %s", name)
		}
		return Cred{UID: uid, GIDs: []uint32{gid}}, nil
	}
	var cr Cred
	if n, ok := parseID(name); ok {
		cr.UID = n
	} else if uid, _, err := c.lookupUser(name); err == nil {
		cr.UID = uid
	} else {
		return Cred{}, fmt.Errorf("Unknown user: %s", name)
	}
	for _, g := range parts[1:] {
		if g == "" {
			continue
		}
		if n, ok := parseID(g); ok {
			cr.GIDs = append(cr.GIDs, n)
		} else if gid, err := c.lookupGroup(g); err == nil {
			cr.GIDs = append(cr.GIDs, gid)
		} else {
			return Cred{}, fmt.Errorf("Unknown group: %s", g)
		}
	}
	if len(cr.GIDs) == 0 {
		return Cred{}, fmt.Errorf("no groups found: %s", s)
	}
	return cr, nil
}

func (c Checker) lookupUser(name string) (uint32, uint32, error) {
	if c.LookupUser == nil {
		return 0, 0, errors.New("no user database")
	}
	return c.LookupUser(name)
}

func (c Checker) lookupGroup(name string) (uint32, error) {
	if c.LookupGroup == nil {
		return 0, errors.New("no group database")
	}
	return c.LookupGroup(name)
}

// parseID reads a numeric id; negative ones wrap like on macOS (-2 = nobody).
func parseID(s string) (uint32, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < -2147483648 || n > 4294967295 {
		return 0, false
	}
	return uint32(n), true
}

// hostAddrs resolves a host field, used as written.
func (c Checker) hostAddrs(name string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(name); err == nil {
		if !a.Is4() {
			return nil, errors.New("not an IPv4 address")
		}
		return []netip.Addr{a}, nil
	}
	if c.LookupHost == nil {
		return nil, errors.New("no resolver")
	}
	addrs, err := c.LookupHost(name)
	if err == nil && len(addrs) == 0 {
		err = errors.New("no address")
	}
	return addrs, err
}

// parseNet reads a network: dotted with 1-4 parts (classful default mask,
// as in inet_network) or CIDR.
func parseNet(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil && p.Addr().Is4() {
		return p, nil
	}
	parts := strings.Split(s, ".")
	if len(parts) < 1 || len(parts) > 4 {
		return netip.Prefix{}, errors.New("bad network")
	}
	var b [4]byte
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 8)
		if err != nil {
			return netip.Prefix{}, errors.New("bad network")
		}
		b[i] = byte(n)
	}
	bits := 24
	switch {
	case b[0] < 128:
		bits = 8
	case b[0] < 192:
		bits = 16
	}
	return netip.PrefixFrom(netip.AddrFrom4(b), bits), nil
}

// parseMask reads a dotted contiguous netmask.
func parseMask(s string) (int, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return 0, errors.New("bad mask")
	}
	b := a.As4()
	m := net.IPv4Mask(b[0], b[1], b[2], b[3])
	ones, size := m.Size()
	if size == 0 {
		return 0, errors.New("non-contiguous mask")
	}
	return ones, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
