package tap

// Fork: any byte stream ends in an error or EOF, never a panic (new file).

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/containers/gvisor-tap-vsock/pkg/types"
)

// FuzzStreamFrames feeds a peer's bytes to the switch in both stream
// framings; the connection must end when the bytes do, without a panic or
// a hang.
func FuzzStreamFrames(f *testing.F) {
	f.Add([]byte{0, 0})
	f.Add([]byte{5, 0, 1, 2, 3, 4, 5})
	f.Add(append([]byte{60, 0}, frame(gatewayMAC, "\x02\x00\x00\x00\x00\x01", 60)...))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, proto := range []types.Protocol{types.HyperKitProtocol, types.QemuProtocol} {
			sw, _ := newTestSwitch()
			sw.SetMaxFrameSize(1518)
			peer, conn := net.Pipe()
			done := make(chan error, 1)
			go func() { done <- sw.Accept(context.Background(), conn, proto) }()
			go func() {
				_, _ = peer.Write(in)
				_ = peer.Close()
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("%s: the switch did not end the connection", proto)
			}
		}
	})
}
