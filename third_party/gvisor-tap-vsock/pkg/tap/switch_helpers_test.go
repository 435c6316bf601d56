package tap

// Fork: helpers for the switch tests (new file).

import (
	"context"
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

var gatewayMAC = tcpip.LinkAddress("\x5a\x94\xef\xe4\x0c\xdd")

// fakeGateway stands for the gVisor stack: it counts what the switch
// delivers to it.
type fakeGateway struct {
	mu        sync.Mutex
	delivered int
}

func (g *fakeGateway) DeliverNetworkPacket(tcpip.NetworkProtocolNumber, *stack.PacketBuffer) {
	g.mu.Lock()
	g.delivered++
	g.mu.Unlock()
}

func (g *fakeGateway) LinkAddress() tcpip.LinkAddress { return gatewayMAC }

func (g *fakeGateway) IP() string { return "192.168.127.1" }

func newTestSwitch() (*Switch, *fakeGateway) {
	gw := &fakeGateway{}
	sw := NewSwitch(false)
	sw.Connect(gw)
	return sw, gw
}

// accept connects one end of a pipe to the switch and returns the other end
// and the channel Accept's result arrives on.
func accept(t *testing.T, sw *Switch, proto string) (net.Conn, <-chan error) {
	t.Helper()
	peer, conn := net.Pipe()
	t.Cleanup(func() { _ = peer.Close() })
	done := make(chan error, 1)
	go func() { done <- sw.Accept(context.Background(), conn, protocolOf(proto)) }()
	return peer, done
}

// frame returns an Ethernet frame of n bytes (n >= 14) from src to dst.
func frame(dst, src tcpip.LinkAddress, n int) []byte {
	b := make([]byte, n)
	copy(b[0:6], dst)
	copy(b[6:12], src)
	binary.BigEndian.PutUint16(b[12:14], uint16(header.ARPProtocolNumber))
	return b
}

// deliver hands a frame to the switch as the stack would.
func deliver(sw *Switch, b []byte) {
	pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithData(b)})
	sw.DeliverNetworkPacket(header.ARPProtocolNumber, pkt)
	pkt.DecRef()
}

// waitErr waits for Accept to return.
func waitErr(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("the switch kept the connection")
		return nil
	}
}

func tcpipLinkAddress(s string) tcpip.LinkAddress { return tcpip.LinkAddress(s) }
