package tap

// Fork: a stalled peer does not stop the others (new file).

import (
	"encoding/binary"
	"io"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip/header"
)

// readFrame reads one hyperkit-framed frame.
func readFrame(r io.Reader) ([]byte, error) {
	var n [2]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.LittleEndian.Uint16(n[:]))
	_, err := io.ReadFull(r, b)
	return b, err
}

// TestStalledPeer: one peer never reads; broadcasts from the stack and from
// another peer still reach the third, and the stack's sends do not block
// (v0.8.9 held one lock over every write, so the first broadcast blocked
// the stack and every other peer for good).
func TestStalledPeer(t *testing.T) {
	sw, gw := newTestSwitch()
	stalled, _ := accept(t, sw, "hyperkit")
	reader, _ := accept(t, sw, "hyperkit")
	sender, _ := accept(t, sw, "hyperkit")
	_ = stalled // connected, never read
	waitConns(t, sw, 3)

	got := make(chan []byte, 1)
	go func() {
		for {
			b, err := readFrame(reader)
			if err != nil {
				close(got)
				return
			}
			got <- b
		}
	}()
	go func() { _, _ = io.Copy(io.Discard, sender) }() // only one peer stalls
	next := func(what string) {
		t.Helper()
		select {
		case _, ok := <-got:
			if !ok {
				t.Fatalf("%s: the reading peer's connection ended", what)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: the reading peer got nothing while another peer stalled", what)
		}
	}

	// more broadcasts than the stalled peer's queue holds, each waited for
	for i := range 2*txQueueLen + 10 {
		sent := make(chan struct{})
		go func() {
			deliver(sw, frame(header.EthernetBroadcastAddress, gatewayMAC, 60))
			close(sent)
		}()
		select {
		case <-sent:
		case <-time.After(5 * time.Second):
			t.Fatalf("broadcast %d: the stack blocked sending to a peer that does not read", i)
		}
		next("a broadcast from the stack")
	}

	// a broadcast ARP request from a peer reaches the others and the stack
	f := frame(header.EthernetBroadcastAddress, "\x02\x00\x00\x00\x00\x03", 60)
	if _, err := sender.Write(append(binary.LittleEndian.AppendUint16(nil, 60), f...)); err != nil {
		t.Fatal(err)
	}
	next("a broadcast from a peer")
	deadline := time.Now().Add(5 * time.Second)
	for {
		gw.mu.Lock()
		n := gw.delivered
		gw.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stack got %d frames from the peer, want 1", n)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitConns waits until the switch has n connections.
func waitConns(t *testing.T, sw *Switch, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		sw.connLock.Lock()
		have := len(sw.conns)
		sw.connLock.Unlock()
		if have == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the switch has %d connections, want %d", have, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestSlowPeerPaced: a burst larger than the queue to a peer that reads,
// slowly, arrives whole: the sender waits for room rather than dropping.
func TestSlowPeerPaced(t *testing.T) {
	sw, _ := newTestSwitch()
	peer, _ := accept(t, sw, "hyperkit")
	mac := "\x02\x00\x00\x00\x00\x07"
	// one frame from the peer teaches the switch its MAC
	f := frame(header.EthernetBroadcastAddress, tcpipLinkAddress(mac), 60)
	if _, err := peer.Write(append(binary.LittleEndian.AppendUint16(nil, 60), f...)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := sw.CAM()[tcpipLinkAddress(mac).String()]; ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the switch did not learn the peer's MAC")
		}
		time.Sleep(time.Millisecond)
	}
	const burst = 4 * txQueueLen
	got := make(chan int, 1)
	go func() {
		n := 0
		for n < burst {
			if _, err := readFrame(peer); err != nil {
				break
			}
			n++
			if n%16 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		got <- n
	}()
	for range burst {
		deliver(sw, frame(tcpipLinkAddress(mac), gatewayMAC, 60))
	}
	select {
	case n := <-got:
		if n != burst {
			t.Fatalf("the peer got %d frames of %d", n, burst)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the peer did not get the whole burst: frames were dropped")
	}
}
