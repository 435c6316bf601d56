package usernet

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/containers/gvisor-tap-vsock/pkg/types"
	"github.com/containers/gvisor-tap-vsock/pkg/virtualnetwork"
	"github.com/google/uuid"
)

// gatewayMAC is the gateway's MAC address (gvproxy's: any locally
// administered unicast address would do).
const gatewayMAC = "5a:94:ef:e4:0c:dd"

// broadcastMAC reserves the subnet's broadcast address in the DHCP pool,
// which would otherwise hand it out.
const broadcastMAC = "ff:ff:ff:ff:ff:ff"

// Network is one user-mode network. Its methods are safe for concurrent
// use.
type Network struct {
	cfg   Config
	addrs addresses
	vn    *virtualnetwork.VirtualNetwork
	api   http.Handler // gvisor-tap-vsock's HTTP API, called in-process
	// handshakeTimeout is HandshakeTimeout; tests shorten it.
	handshakeTimeout time.Duration

	mu       sync.Mutex
	machines map[uuid.UUID]bool // connected now
	forwards map[forwardKey]Forward
}

// New builds the network: the switch, and on the gateway address DHCP,
// DNS (through the host's resolver) and NAT (through the host's sockets).
// It serves nothing until ServeVPNKit; the gVisor stack lives until the
// process ends (gvisor-tap-vsock cannot stop it).
func New(cfg Config) (*Network, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	a := addressesOf(cfg.Subnet)
	tc := &types.Configuration{
		MTU:               cfg.MTU,
		Subnet:            cfg.Subnet.String(),
		GatewayIP:         a.gateway.String(),
		GatewayMacAddress: gatewayMAC,
		DHCPStaticLeases: map[string]string{
			a.hostAlias.String(): gatewayMAC,
			a.broadcast.String(): broadcastMAC,
		},
		Protocol: types.HyperKitProtocol,
	}
	if cfg.HostLoopback {
		tc.NAT = map[string]string{a.hostAlias.String(): "127.0.0.1"}
		tc.GatewayVirtualIPs = []string{a.hostAlias.String()}
	}
	vn, err := virtualnetwork.New(tc)
	if err != nil {
		return nil, fmt.Errorf("create user-mode network: %w", err)
	}
	return &Network{
		cfg:              cfg,
		addrs:            a,
		vn:               vn,
		api:              vn.ServicesMux(),
		handshakeTimeout: HandshakeTimeout,
		machines:         make(map[uuid.UUID]bool),
		forwards:         make(map[forwardKey]Forward),
	}, nil
}

// Subnet is the network's subnet.
func (n *Network) Subnet() netip.Prefix { return n.cfg.Subnet }

// Gateway is the gateway's address: the guests' router and DNS server, and
// where Listen serves the host's services inside the network.
func (n *Network) Gateway() netip.Addr { return n.addrs.gateway }

// HostAlias is the address that reaches the host's 127.0.0.1 when
// Config.HostLoopback is set (it is kept out of DHCP either way).
func (n *Network) HostAlias() netip.Addr { return n.addrs.hostAlias }

// Listen listens for TCP connections inside the network, on addr: the
// gateway's address, usually, with a port of the caller's choice (the
// guests' traffic to it then reaches the listener rather than the host).
// gvisor-tap-vsock offers TCP only.
func (n *Network) Listen(addr netip.AddrPort) (net.Listener, error) {
	if !n.cfg.Subnet.Contains(addr.Addr()) || addr.Port() == 0 {
		return nil, fmt.Errorf("listen in user-mode network on %s: want an address of %s and a port", addr, n.cfg.Subnet)
	}
	ln, err := n.vn.Listen("tcp", addr.String())
	if err != nil {
		return nil, fmt.Errorf("listen in user-mode network on %s: %w", addr, err)
	}
	return ln, nil
}

// Close removes every port forward, closing their host listeners.
// Connections are ended by ServeVPNKit's context.
func (n *Network) Close() error {
	var errs []error
	for _, f := range n.Forwards() {
		if err := n.Unexpose(f.Proto, f.Host.String()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
