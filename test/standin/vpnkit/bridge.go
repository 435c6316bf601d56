package vpnkit

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MinFrame is the length hyperkit pads short frames to (pci_vtnet_tap_tx).
const MinFrame = 60

// AssertMessage is what hyperkit's assert in vmn_write prints (macOS's
// __assert_rtn format) before it aborts, when a frame from the guest is
// longer than the server's max_packet_size.
const AssertMessage = "Assertion failed: (length<= state->vif.max_packet_size), function vmn_write, file src/lib/pci_virtio_net_vpnkit.c, line 647."

// ErrAborted is what ToServer returns after Abort, for callers whose
// Abort returns (tests); the stand-in's never does.
var ErrAborted = errors.New("vpnkit: frame longer than max_packet_size")

// Bridge carries Ethernet frames between QEMU's -netdev stream socket
// (4-byte big-endian length, then the frame) and the vpnkit server
// (2-byte little-endian length, then the frame), doing to them what
// hyperkit's device does (docs/facts.md §9).
type Bridge struct {
	// Server is the connection Connect returned; QEMU is the stand-in's
	// end of the socket pair whose other end QEMU has.
	Server, QEMU io.ReadWriter
	// VIF is the server's answer: its MaxPacketSize bounds the frames
	// sent to it.
	VIF VIF
	// PowerButton presses the VM's ACPI power button (push_power_button).
	PowerButton func()
	// Abort is hyperkit's failing assert: print AssertMessage and die by
	// SIGABRT.
	Abort func()
	// Log gets hyperkit's stderr lines.
	Log io.Writer
}

// ToServer is the transmit side (pci_vtnet_tap_tx, vmn_write): each frame
// from QEMU is padded with zeros to MinFrame, must then be at most
// VIF.MaxPacketSize long or Abort is called, and goes to the server behind
// its 2-byte little-endian length. When the length cannot be written,
// hyperkit shuts the socket's write side and presses the power button, and
// does so again for every later frame (the button stays pressed until the
// guest acknowledges it); an error writing the frame itself is ignored.
// It returns when QEMU's side ends (nil at its EOF) or after Abort.
func (b *Bridge) ToServer() error {
	buf := make([]byte, 0xffff)
	var hdr [4]byte
	for {
		if _, err := io.ReadFull(b.QEMU, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read from qemu: %w", err)
		}
		n := binary.BigEndian.Uint32(hdr[:])
		length := max(n, MinFrame)
		if length > uint32(b.VIF.MaxPacketSize) {
			b.Abort()
			return ErrAborted
		}
		frame := buf[:length]
		if _, err := io.ReadFull(b.QEMU, frame[:n]); err != nil {
			return fmt.Errorf("read from qemu: %w", err)
		}
		clear(frame[n:])
		var lh [2]byte
		binary.LittleEndian.PutUint16(lh[:], uint16(length))
		if reallyWrite(b.Server, lh[:], b.Log) != nil {
			closeWrite(b.Server)
			b.PowerButton()
			continue
		}
		b.Server.Write(frame) // (void) writev(...): hyperkit ignores its result
	}
}

// ToQEMU is the receive side (vmn_read): each frame from the server, 2-byte
// little-endian length then the frame, goes to QEMU behind a 4-byte
// big-endian length. At EOF or a read error from the server, hyperkit
// shuts the socket's read side, presses the power button and its receive
// thread sleeps for ever: ToQEMU returns, and nothing else happens until
// the guest powers off. It also returns when QEMU's side is gone.
func (b *Bridge) ToQEMU() {
	buf := make([]byte, 4+0xffff)
	var lh [2]byte
	for {
		if reallyRead(b.Server, lh[:], b.Log) != nil {
			b.serverGone()
			return
		}
		n := int(binary.LittleEndian.Uint16(lh[:]))
		binary.BigEndian.PutUint32(buf, uint32(n))
		if reallyRead(b.Server, buf[4:4+n], b.Log) != nil {
			b.serverGone()
			return
		}
		if _, err := b.QEMU.Write(buf[:4+n]); err != nil {
			return
		}
	}
}

func (b *Bridge) serverGone() {
	if c, ok := b.Server.(interface{ CloseRead() error }); ok {
		c.CloseRead()
	}
	b.PowerButton()
}

// closeWrite is shutdown(fd, SHUT_WR), where the connection has one.
func closeWrite(w io.Writer) {
	if c, ok := w.(interface{ CloseWrite() error }); ok {
		c.CloseWrite()
	}
}
