package usernet

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"

	"github.com/containers/gvisor-tap-vsock/pkg/types"
)

// ErrForwarded means the host address already forwards the protocol.
var ErrForwarded = errors.New("host port already forwarded")

// ErrNotForwarded means no forward of the protocol listens on the host
// address.
var ErrNotForwarded = errors.New("host port not forwarded")

// Forward is one port forward: connections (TCP) or datagrams (UDP) to
// Host on the host reach Guest inside the network.
type Forward struct {
	Proto string // "tcp" or "udp"
	Host  netip.AddrPort
	Guest netip.AddrPort
}

type forwardKey struct {
	proto string
	host  netip.AddrPort
}

// Expose forwards proto ("tcp" or "udp") from hostAddr, an IP and port the
// host listens on, to guestAddr, an IP of the network and a port. The host
// port is taken at once: an error says it is in use.
func (n *Network) Expose(proto, hostAddr, guestAddr string) error {
	f, err := n.parseForward(proto, hostAddr, guestAddr)
	if err != nil {
		return err
	}
	k := forwardKey{f.Proto, f.Host}
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.forwards[k]; ok {
		return fmt.Errorf("expose %s %s: %w", f.Proto, f.Host, ErrForwarded)
	}
	req := types.ExposeRequest{Local: f.Host.String(), Remote: f.Guest.String(), Protocol: types.TransportProtocol(f.Proto)}
	if err := n.call("/services/forwarder/expose", req, nil); err != nil {
		return fmt.Errorf("expose %s %s to %s: %w", f.Proto, f.Host, f.Guest, err)
	}
	n.forwards[k] = f
	return nil
}

// Unexpose removes the forward of proto from hostAddr and closes its host
// listener.
func (n *Network) Unexpose(proto, hostAddr string) error {
	host, err := netip.ParseAddrPort(hostAddr)
	if err != nil {
		return fmt.Errorf("unexpose %s %q: host address: %w", proto, hostAddr, err)
	}
	k := forwardKey{proto, host}
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.forwards[k]; !ok {
		return fmt.Errorf("unexpose %s %s: %w", proto, host, ErrNotForwarded)
	}
	req := types.UnexposeRequest{Local: host.String(), Protocol: types.TransportProtocol(proto)}
	if err := n.call("/services/forwarder/unexpose", req, nil); err != nil {
		return fmt.Errorf("unexpose %s %s: %w", proto, host, err)
	}
	delete(n.forwards, k)
	return nil
}

// Forwards lists the port forwards, by host address then protocol.
func (n *Network) Forwards() []Forward {
	n.mu.Lock()
	fs := make([]Forward, 0, len(n.forwards))
	for _, f := range n.forwards {
		fs = append(fs, f)
	}
	n.mu.Unlock()
	sort.Slice(fs, func(i, j int) bool {
		if c := fs[i].Host.Compare(fs[j].Host); c != 0 {
			return c < 0
		}
		return fs[i].Proto < fs[j].Proto
	})
	return fs
}

// parseForward checks a forward's protocol and addresses.
func (n *Network) parseForward(proto, hostAddr, guestAddr string) (Forward, error) {
	if proto != "tcp" && proto != "udp" {
		return Forward{}, fmt.Errorf("expose %q: protocol must be tcp or udp", proto)
	}
	host, err := netip.ParseAddrPort(hostAddr)
	if err != nil || host.Port() == 0 || !host.Addr().Is4() {
		return Forward{}, fmt.Errorf("expose %s: host address %q: want an IPv4 address and a port, such as 127.0.0.1:8080", proto, hostAddr)
	}
	guest, err := netip.ParseAddrPort(guestAddr)
	if err != nil || guest.Port() == 0 || !n.cfg.Subnet.Contains(guest.Addr()) {
		return Forward{}, fmt.Errorf("expose %s: guest address %q: want an address of %s and a port", proto, guestAddr, n.cfg.Subnet)
	}
	return Forward{Proto: proto, Host: host, Guest: guest}, nil
}
