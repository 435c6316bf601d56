// Package vpnkit is the host side of hyperkit's virtio-vpnkit device
// (src/lib/pci_virtio_net_vpnkit.c, docs/facts.md §9), for the stand-in:
// it connects to the user-mode network's unix socket as hyperkit does
// (retrying every 100 ms for ever), performs hyperkit's handshake as the
// client, writes the macfile, and carries frames between the server's
// framing (2-byte little-endian length, frames padded to 60 bytes) and
// QEMU's -netdev stream (4-byte big-endian length). It follows the
// hyperkit sources, never the driver, and imports none of its packages.
package vpnkit

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
)

// The wire protocol, protocol version 22 (hyperkit commit d7c159a, in
// every release since 2017). Integers are little-endian (macOS's host
// order) and the structs packed.
const (
	// Magic opens both init messages.
	Magic = "VMN3T"
	// Version is the protocol version hyperkit sends.
	Version = 22
	// Commit is the 40-character commit id hyperkit sends (its own git
	// SHA-1): hyperkit v0.20210107's, the release the stand-in's -v names.
	Commit = "40cbd5caa9580e2b6de8fef53f4581943c430312"

	cmdEthernet      = 1
	cmdPreferredIPv4 = 8
	respVIF          = 1
	respDisconnect   = 2

	// InitSize is struct msg_init: magic[5], uint32 version, commit[40].
	InitSize = 49
	// CommandSize is struct msg_command: uint8 command, then a union of
	// the 36-byte UUID and the UUID + uint32 IPv4 (the larger, 40).
	CommandSize = 41
	// ResponseSize is struct msg_response: uint8 type, then a union of
	// vif_info (10 bytes) and disconnect_reason (uint8 len, msg[256]).
	ResponseSize = 258
)

// VIF is vif_info, what the server's RESP_VIF gives the interface.
type VIF struct {
	MTU           uint16
	MaxPacketSize uint16
	MAC           [6]byte
}

// MACString formats the MAC as hyperkit's "%02x:...:%02x" does.
func (v VIF) MACString() string {
	m := v.MAC
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// ErrHandshake is why an attempt failed (a bad magic, a disconnect or an
// unknown response, a short read or write); hyperkit then retries.
var ErrHandshake = errors.New("vpnkit handshake failed")

// InitMessage is the 49 bytes hyperkit sends first.
func InitMessage() []byte {
	b := make([]byte, InitSize)
	copy(b, Magic)
	binary.LittleEndian.PutUint32(b[5:], Version)
	copy(b[9:], Commit)
	return b
}

// CommandMessage is the 41-byte command: CMD_PREFERRED_IPV4 with the UUID
// and the address when ip is not 0.0.0.0, else CMD_ETHERNET with the UUID
// (hyperkit tests s_addr != 0, so preferred_ipv4=0.0.0.0 asks for nothing).
// The address is stored byte-swapped from network order ("VPNKit uses
// LE"): a.b.c.d goes out as d c b a. Unused bytes are zero.
func CommandMessage(uuid string, ip [4]byte) []byte {
	b := make([]byte, CommandSize)
	b[0] = cmdEthernet
	copy(b[1:37], uuid)
	if ip != [4]byte{} {
		b[0] = cmdPreferredIPv4
		b[37], b[38], b[39], b[40] = ip[3], ip[2], ip[1], ip[0]
	}
	return b
}

// Handshake is hyperkit's vpnkit_connect on a connected socket: it sends
// the init message, reads the server's (only the magic must match; another
// version is logged), sends the command and reads the response. log gets
// hyperkit's stderr lines, word for word.
func Handshake(rw io.ReadWriter, uuid string, ip [4]byte, log io.Writer) (VIF, error) {
	fail := func(msg string) (VIF, error) {
		fmt.Fprintf(log, "virtio-net-vpnkit: %s\n", msg)
		return VIF{}, fmt.Errorf("%w: %s", ErrHandshake, msg)
	}
	if reallyWrite(rw, InitMessage(), log) != nil {
		return fail("failed to write init msg")
	}
	reply := make([]byte, InitSize)
	if reallyRead(rw, reply, log) != nil {
		return fail("failed to read init reply")
	}
	if string(reply[:5]) != Magic {
		return fail("bad init magic: " + string(reply[:5]))
	}
	version := int32(binary.LittleEndian.Uint32(reply[5:9]))
	fmt.Fprintf(log, "virtio-net-vpnkit: magic=%s version=%d commit=%40s\n", reply[:5], version, cString(reply[9:]))
	if version != Version {
		fmt.Fprintf(log, "virtio-net-vpnkit: protocol version mismatch: version %d requested, got version %d.\n", Version, version)
	}
	if reallyWrite(rw, CommandMessage(uuid, ip), log) != nil {
		return fail("failed to write command")
	}
	resp := make([]byte, ResponseSize)
	if reallyRead(rw, resp, log) != nil {
		return fail("failed to read response message")
	}
	switch resp[0] {
	case respVIF:
		var v VIF
		v.MTU = binary.LittleEndian.Uint16(resp[1:])
		v.MaxPacketSize = binary.LittleEndian.Uint16(resp[3:])
		copy(v.MAC[:], resp[5:11])
		return v, nil
	case respDisconnect:
		// "%*s": the length byte is a field width, not a limit
		return fail(fmt.Sprintf("server disconnected: %*s", int(resp[1]), cString(resp[2:])))
	}
	return fail(fmt.Sprintf("unknown response from server: %d", resp[0]))
}

// cString is a fixed char array printed with %s: up to its first NUL.
func cString(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\x00")
	return s
}

// reallyRead is hyperkit's really_read: all of p or a logged failure.
// (hyperkit also shuts the socket's read side; the caller closes it.)
func reallyRead(r io.Reader, p []byte, log io.Writer) error {
	_, err := io.ReadFull(r, p)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		fmt.Fprintf(log, "virtio-net-vpnkit: read EOF\n")
	default:
		fmt.Fprintf(log, "virtio-net-vpnkit: read error: %s\n", strerror(err))
	}
	return err
}

// reallyWrite is hyperkit's really_write: all of p or a logged failure.
func reallyWrite(w io.Writer, p []byte, log io.Writer) error {
	n, err := w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		fmt.Fprintf(log, "virtio-net-vpnkit: write error: %s\n", strerror(err))
	}
	return err
}

// strerror is the errno text of err, or err itself when it has none.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return err.Error()
}
