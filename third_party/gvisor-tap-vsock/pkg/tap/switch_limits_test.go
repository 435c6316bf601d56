package tap

// Fork: frame length checks (new file).

import (
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/containers/gvisor-tap-vsock/pkg/types"
)

func protocolOf(name string) types.Protocol {
	if name == "qemu" {
		return types.QemuProtocol
	}
	return types.HyperKitProtocol
}

// prefix is a frame's length in the protocol's framing.
func prefix(proto string, n int) []byte {
	if proto == "qemu" {
		return binary.BigEndian.AppendUint32(nil, uint32(n))
	}
	return binary.LittleEndian.AppendUint16(nil, uint16(n))
}

// TestFrameLengthLimits: a frame shorter than an Ethernet header or longer
// than the switch's limit ends that connection (v0.8.9 panicked on frames of
// 0 to 11 bytes and allocated whatever a 4-byte length asked for), and the
// switch keeps serving others.
func TestFrameLengthLimits(t *testing.T) {
	for _, proto := range []string{"hyperkit", "qemu"} {
		for _, size := range []int{0, 1, 11, 12, 13, 1519, 65535, 1 << 20, 1<<31 - 1} {
			if proto == "hyperkit" && size > 65535 {
				continue
			}
			sw, gw := newTestSwitch()
			sw.SetMaxFrameSize(1518)
			peer, done := accept(t, sw, proto)
			go func() {
				_, _ = peer.Write(prefix(proto, size))
				_, _ = peer.Write(make([]byte, min(size, 64)))
			}()
			err := waitErr(t, done)
			if !errors.Is(err, ErrFrameSize) {
				t.Errorf("%s, %d bytes: Accept returned %v, want ErrFrameSize", proto, size, err)
			}
			_ = peer.SetReadDeadline(time.Now().Add(time.Second))
			if _, err := peer.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrClosedPipe) {
				t.Errorf("%s, %d bytes: connection still open after a bad frame (read: %v)", proto, size, err)
			}
			if gw.delivered != 0 {
				t.Errorf("%s, %d bytes: %d frames reached the stack", proto, size, gw.delivered)
			}
		}
	}
}

// TestFrameLengthsAccepted: the smallest and largest frames pass, padded or
// not.
func TestFrameLengthsAccepted(t *testing.T) {
	for _, proto := range []string{"hyperkit", "qemu"} {
		for _, size := range []int{14, 42, 60, 1518} {
			sw, gw := newTestSwitch()
			sw.SetMaxFrameSize(1518)
			peer, done := accept(t, sw, proto)
			f := frame(gatewayMAC, "\x02\x00\x00\x00\x00\x01", size)
			if _, err := peer.Write(append(prefix(proto, size), f...)); err != nil {
				t.Fatalf("%s, %d bytes: %v", proto, size, err)
			}
			_ = peer.Close()
			if err := waitErr(t, done); errors.Is(err, ErrFrameSize) {
				t.Errorf("%s, %d bytes: refused: %v", proto, size, err)
			}
			gw.mu.Lock()
			if gw.delivered != 1 {
				t.Errorf("%s, %d bytes: %d frames reached the stack, want 1", proto, size, gw.delivered)
			}
			gw.mu.Unlock()
		}
	}
}

// TestDefaultMaxFrameSize: without SetMaxFrameSize, the QEMU framing is
// still bounded before anything is allocated.
func TestDefaultMaxFrameSize(t *testing.T) {
	sw, _ := newTestSwitch()
	peer, done := accept(t, sw, "qemu")
	go func() { _, _ = peer.Write(prefix("qemu", DefaultMaxFrameSize+1)) }()
	if err := waitErr(t, done); !errors.Is(err, ErrFrameSize) {
		t.Errorf("Accept returned %v, want ErrFrameSize", err)
	}
}
