package virtualnetwork

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"time"

	"github.com/containers/gvisor-tap-vsock/pkg/types"
	log "github.com/sirupsen/logrus"
	"gvisor.dev/gvisor/pkg/tcpip/header"
)

// Fork: the handshake is checked and has a deadline; a failed one closes
// the connection and is returned. v0.8.9 logged the error and joined the
// half-handshaken connection to the switch anyway.

// VpnKitHandshakeTimeout bounds the vpnkit handshake: hyperkit sends its
// messages at once, so a peer that takes longer is not hyperkit.
const VpnKitHandshakeTimeout = 10 * time.Second

// ErrVpnKitHandshake is returned by AcceptVpnKit for a peer that does not
// speak hyperkit's vpnkit protocol.
var ErrVpnKitHandshake = errors.New("vpnkit handshake refused")

// The vpnkit protocol's constants (hyperkit src/lib/pci_virtio_net_vpnkit.c).
const (
	vpnkitMagic               = "VMN3T"
	vpnkitCmdEthernet         = 1
	vpnkitCmdPreferredIPv4    = 8
	vpnkitInitSize            = 49
	vpnkitCommandSize         = 41
	vpnkitResponseSize        = 258
	vpnkitResponseVif         = 1
	vpnkitUUIDOffset, uuidLen = 1, 36
)

// AcceptVpnKit performs hyperkit's vpnkit handshake on conn, within
// VpnKitHandshakeTimeout, then serves it until it ends. A failed handshake
// closes conn and returns the error.
func (n *VirtualNetwork) AcceptVpnKit(conn net.Conn) error {
	return n.acceptVpnKit(conn, VpnKitHandshakeTimeout)
}

func (n *VirtualNetwork) acceptVpnKit(conn net.Conn, timeout time.Duration) error {
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		_ = conn.Close()
		return fmt.Errorf("vpnkit handshake: %w", err)
	}
	if err := vpnkitHandshake(conn, n.configuration); err != nil {
		_ = conn.Close()
		return fmt.Errorf("vpnkit handshake: %w", err)
	}
	if err := conn.SetDeadline(time.Time{}); err != nil {
		_ = conn.Close()
		return fmt.Errorf("vpnkit handshake: %w", err)
	}
	return n.networkSwitch.Accept(context.Background(), conn, types.HyperKitProtocol)
}

func vpnkitHandshake(conn net.Conn, configuration *types.Configuration) error {
	// Fork: checked before anything is sent, so that hyperkit is never left
	// waiting for a response that cannot come.
	if configuration.MTU < 0 || configuration.MTU+header.EthernetMinimumSize > math.MaxUint16 {
		return fmt.Errorf("invalid MTU: %d", configuration.MTU)
	}

	// https://github.com/moby/hyperkit/blob/2f061e447e1435cdf1b9eda364cea6414f2c606b/src/lib/pci_virtio_net_vpnkit.c#L91
	msgInit := make([]byte, vpnkitInitSize)
	if _, err := io.ReadFull(conn, msgInit); err != nil {
		return err
	}
	if string(msgInit[:len(vpnkitMagic)]) != vpnkitMagic {
		return fmt.Errorf("%w: magic %q, want %q", ErrVpnKitHandshake, msgInit[:len(vpnkitMagic)], vpnkitMagic)
	}
	if _, err := conn.Write(msgInit); err != nil {
		return err
	}

	// https://github.com/moby/hyperkit/blob/2f061e447e1435cdf1b9eda364cea6414f2c606b/src/lib/pci_virtio_net_vpnkit.c#L123
	msgCommand := make([]byte, vpnkitCommandSize)
	if _, err := io.ReadFull(conn, msgCommand); err != nil {
		return err
	}
	// CMD_PREFERRED_IPV4's address is ignored, as in v0.8.9.
	if c := msgCommand[0]; c != vpnkitCmdEthernet && c != vpnkitCmdPreferredIPv4 {
		return fmt.Errorf("%w: command %d, want %d or %d", ErrVpnKitHandshake, c, vpnkitCmdEthernet, vpnkitCmdPreferredIPv4)
	}
	vpnkitUUID := string(msgCommand[vpnkitUUIDOffset : vpnkitUUIDOffset+uuidLen])
	log.Debugf("UUID sent by Hyperkit: %s", vpnkitUUID)

	// https://github.com/moby/hyperkit/blob/2f061e447e1435cdf1b9eda364cea6414f2c606b/src/lib/pci_virtio_net_vpnkit.c#L131
	resp := make([]byte, vpnkitResponseSize)
	resp[0] = vpnkitResponseVif

	mtu := uint16(configuration.MTU)
	binary.LittleEndian.PutUint16(resp[1:3], mtu)
	binary.LittleEndian.PutUint16(resp[3:5], mtu+header.EthernetMinimumSize)

	mac, err := macAddr(configuration, vpnkitUUID)
	if err != nil {
		return err
	}
	log.Debugf("Sending mac address: %s", mac.String())

	copy(resp[5:11], mac)

	_, err = conn.Write(resp)
	return err
}

func macAddr(configuration *types.Configuration, vpnkitUUID string) (net.HardwareAddr, error) {
	macStr, ok := configuration.VpnKitUUIDMacAddresses[vpnkitUUID]
	if !ok {
		return randomMac()
	}
	return net.ParseMAC(macStr)
}

func randomMac() (net.HardwareAddr, error) {
	buf := make([]byte, 6)
	_, err := rand.Read(buf)
	if err != nil {
		return nil, err
	}

	// Set the local bit
	buf[0] |= 2

	// Set the single address bit
	buf[0] &= ^byte(1)

	return buf, nil
}
