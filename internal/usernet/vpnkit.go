package usernet

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/google/uuid"
)

// hyperkit's side of the vpnkit handshake (moby/hyperkit
// src/lib/pci_virtio_net_vpnkit.c, protocol version 22): it sends a 49-byte
// init and reads one back, sends a 41-byte command and reads a 258-byte
// response; integers are little-endian.
const (
	vpnkitMagic      = "VMN3T"
	vpnkitVersion    = 22
	initSize         = 49 // magic[5], u32 version, commit[40]
	commandSize      = 41 // u8 command, uuid[36], u32 ip (CMD_PREFERRED_IPV4)
	responseSize     = 258
	cmdEthernet      = 1
	cmdPreferredIPv4 = 8 // its address is ignored: DHCP decides
	respVIF          = 1 // then u16 mtu, u16 max_packet_size, mac[6]
	respDisconnect   = 2 // then u8 len, msg[256]
	uuidSize         = 36
	ethernetHeader   = 14
)

// serverCommit fills the init's 40-byte commit field of the reply, which
// hyperkit only prints.
const serverCommit = "docker-machine-driver-xhyve usernet"

// ErrHandshake means the peer does not speak hyperkit's vpnkit protocol.
var ErrHandshake = errors.New("not a hyperkit vpnkit handshake")

// readHello reads hyperkit's init and command, answering the init, and
// returns the machine's UUID.
func readHello(conn io.ReadWriter) (uuid.UUID, error) {
	init := make([]byte, initSize)
	if _, err := io.ReadFull(conn, init); err != nil {
		return uuid.UUID{}, fmt.Errorf("read init: %w", err)
	}
	if string(init[:len(vpnkitMagic)]) != vpnkitMagic {
		return uuid.UUID{}, fmt.Errorf("%w: magic %q", ErrHandshake, init[:len(vpnkitMagic)])
	}
	// hyperkit only logs a version other than its own; so do we.
	reply := make([]byte, initSize)
	copy(reply, vpnkitMagic)
	binary.LittleEndian.PutUint32(reply[len(vpnkitMagic):], vpnkitVersion)
	copy(reply[len(vpnkitMagic)+4:], serverCommit)
	if _, err := conn.Write(reply); err != nil {
		return uuid.UUID{}, fmt.Errorf("write init: %w", err)
	}

	cmd := make([]byte, commandSize)
	if _, err := io.ReadFull(conn, cmd); err != nil {
		return uuid.UUID{}, fmt.Errorf("read command: %w", err)
	}
	if cmd[0] != cmdEthernet && cmd[0] != cmdPreferredIPv4 {
		return uuid.UUID{}, fmt.Errorf("%w: command %d", ErrHandshake, cmd[0])
	}
	id, err := uuid.Parse(string(cmd[1 : 1+uuidSize]))
	if err != nil {
		return uuid.UUID{}, fmt.Errorf("%w: uuid %q: %w", ErrHandshake, cmd[1:1+uuidSize], err)
	}
	return id, nil
}

// writeVIF answers the command with the interface: MTU, largest frame and
// MAC. hyperkit aborts on a guest frame over the largest frame, which is
// the MTU plus the Ethernet header, exactly what a guest with this MTU
// sends.
func writeVIF(w io.Writer, mtu int, mac net.HardwareAddr) error {
	resp := make([]byte, responseSize)
	resp[0] = respVIF
	binary.LittleEndian.PutUint16(resp[1:], uint16(mtu))
	binary.LittleEndian.PutUint16(resp[3:], uint16(mtu+ethernetHeader))
	copy(resp[5:], mac)
	_, err := w.Write(resp)
	return err
}

// writeDisconnect refuses the command with a message; hyperkit logs it
// (with debugging on) and tries again 100 ms later.
func writeDisconnect(w io.Writer, msg string) error {
	resp := make([]byte, responseSize)
	resp[0] = respDisconnect
	n := copy(resp[2:2+255], msg)
	resp[1] = byte(n)
	_, err := w.Write(resp)
	return err
}

// MACForUUID is the MAC address a machine gets in the handshake: the first
// six bytes of a SHA-256 of its UUID, made a locally administered unicast
// address. A machine keeps it across restarts, and with it its DHCP lease
// for as long as the network runs (leases live in the network's memory;
// after the network restarts, each machine gets the lowest free address
// when it asks again). hyperkit has no way to choose the MAC itself.
func MACForUUID(id uuid.UUID) net.HardwareAddr {
	sum := sha256.Sum256([]byte("usernet mac " + strings.ToLower(id.String())))
	mac := net.HardwareAddr(sum[:6])
	mac[0] = mac[0]&^0x01 | 0x02 // unicast, locally administered
	if mac.String() == gatewayMAC {
		mac[5] ^= 0xff
	}
	return mac
}
