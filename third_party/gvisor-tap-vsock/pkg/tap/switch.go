package tap

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"

	"github.com/containers/gvisor-tap-vsock/pkg/notification"
	"github.com/containers/gvisor-tap-vsock/pkg/types"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	log "github.com/sirupsen/logrus"
	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

type VirtualDevice interface {
	DeliverNetworkPacket(protocol tcpip.NetworkProtocolNumber, pkt *stack.PacketBuffer)
	LinkAddress() tcpip.LinkAddress
	IP() string
}

type NetworkSwitch interface {
	DeliverNetworkPacket(protocol tcpip.NetworkProtocolNumber, pkt *stack.PacketBuffer)
}

type Switch struct {
	Sent     uint64
	Received uint64

	debug bool

	nextConnID int
	conns      map[int]*port
	connLock   sync.Mutex

	cam     map[tcpip.LinkAddress]int
	camLock sync.RWMutex

	gateway VirtualDevice

	// Fork: the longest frame a peer may send (see SetMaxFrameSize).
	maxFrameSize atomic.Int64

	notificationSender *notification.NotificationSender
}

func NewSwitch(debug bool) *Switch {
	e := &Switch{
		debug: debug,
		conns: make(map[int]*port),
		cam:   make(map[tcpip.LinkAddress]int),
	}
	e.maxFrameSize.Store(DefaultMaxFrameSize)
	return e
}

// Fork: frame length checks.

// DefaultMaxFrameSize is the longest frame a peer may send unless
// SetMaxFrameSize says otherwise (upstream main's limit).
const DefaultMaxFrameSize = 128 * 1024

// ErrFrameSize is returned by Accept when a peer sends a frame shorter than
// an Ethernet header or longer than the switch's limit; the connection is
// then closed.
var ErrFrameSize = errors.New("frame length out of range")

// SetMaxFrameSize sets the longest frame a peer may send, checked before
// anything is allocated for it; a longer one ends that peer's connection.
// n below an Ethernet header restores DefaultMaxFrameSize.
func (e *Switch) SetMaxFrameSize(n int) {
	if n < header.EthernetMinimumSize {
		n = DefaultMaxFrameSize
	}
	e.maxFrameSize.Store(int64(n))
}

// checkFrameSize refuses a frame length before it is read.
func (e *Switch) checkFrameSize(n int) error {
	if n < header.EthernetMinimumSize || int64(n) > e.maxFrameSize.Load() {
		return fmt.Errorf("%w: %d bytes (want %d to %d)", ErrFrameSize, n, header.EthernetMinimumSize, e.maxFrameSize.Load())
	}
	return nil
}

func (e *Switch) CAM() map[string]int {
	e.camLock.RLock()
	defer e.camLock.RUnlock()
	ret := make(map[string]int)
	for address, port := range e.cam {
		ret[address.String()] = port
	}
	return ret
}

func (e *Switch) Connect(ep VirtualDevice) {
	e.gateway = ep
}

func (e *Switch) DeliverNetworkPacket(_ tcpip.NetworkProtocolNumber, pkt *stack.PacketBuffer) {
	if err := e.tx(pkt); err != nil {
		log.Error(err)
	}
}

func (e *Switch) Accept(ctx context.Context, rawConn net.Conn, protocol types.Protocol) error {
	conn := protocolConn{Conn: rawConn, protocolImpl: protocolImplementation(protocol)}
	log.Debugf("new connection from %s to %s", conn.RemoteAddr().String(), conn.LocalAddr().String())
	// Fork: each connection gets its own queue and writer (port.go).
	p := e.connect(conn)
	defer e.disconnect(p)
	if err := e.rx(ctx, p.id, conn); err != nil {
		err := fmt.Errorf("cannot receive packets from %s, disconnecting: %w", conn.RemoteAddr().String(), err)
		log.Error(err)
		return err
	}
	return nil
}

func (e *Switch) connect(conn protocolConn) *port {
	e.connLock.Lock()
	defer e.connLock.Unlock()

	id := e.nextConnID
	e.nextConnID++

	p := newPort(id, conn)
	e.conns[id] = p
	go e.writeLoop(p)
	return p
}

func (e *Switch) tx(pkt *stack.PacketBuffer) error {
	return e.txPkt(pkt)
}

// Fork: txPkt picks the target ports under connLock and queues the frame to
// each without blocking; each port's writer sends it (port.go). v0.8.9 held
// one lock over every write, so one peer that did not read stopped the
// stack and every other peer.
func (e *Switch) txPkt(pkt *stack.PacketBuffer) error {
	buf := pkt.ToView().AsSlice()
	if len(buf) < header.EthernetMinimumSize {
		return fmt.Errorf("%w: %d bytes from the stack", ErrFrameSize, len(buf))
	}
	eth := header.Ethernet(buf)
	dst := eth.DestinationAddress()
	src := eth.SourceAddress()

	var targets []*port
	if dst == header.EthernetBroadcastAddress {
		e.camLock.RLock()
		srcID, ok := e.cam[src]
		if !ok {
			srcID = -1
		}
		e.camLock.RUnlock()
		e.connLock.Lock()
		targets = make([]*port, 0, len(e.conns))
		for id, p := range e.conns {
			if id != srcID {
				targets = append(targets, p)
			}
		}
		e.connLock.Unlock()
	} else {
		e.camLock.RLock()
		id, ok := e.cam[dst]
		e.camLock.RUnlock()
		if !ok {
			return nil
		}
		e.connLock.Lock()
		p, ok := e.conns[id]
		e.connLock.Unlock()
		if !ok {
			return nil
		}
		targets = []*port{p}
	}
	for _, p := range targets {
		p.enqueue(buf)
	}
	return nil
}

// txBuf writes one frame with its length prefix, as one write where the
// connection allows it.
func (e *Switch) txBuf(p *port, buf []byte) error {
	conn := p.conn
	if !conn.protocolImpl.Stream() {
		return p.write(buf)
	}
	size := conn.protocolImpl.(streamProtocol).Buf()
	conn.protocolImpl.(streamProtocol).Write(size, len(buf))
	return p.write(append(size, buf...))
}

// Fork: disconnect takes the locks itself, may run twice (the reader and the
// writer both end a connection) and stops the port's writer.
func (e *Switch) disconnect(p *port) {
	if !p.stop() {
		return
	}
	e.connLock.Lock()
	delete(e.conns, p.id)
	e.connLock.Unlock()

	e.camLock.Lock()
	defer e.camLock.Unlock()

	for address, targetConn := range e.cam {
		if targetConn == p.id {
			if e.notificationSender != nil {
				e.notificationSender.Send(types.NotificationMessage{
					NotificationType: types.ConnectionClosed,
					MacAddress:       address.String(),
				})
			}
			delete(e.cam, address)
		}
	}
}

func (e *Switch) rx(ctx context.Context, id int, conn protocolConn) error {
	if conn.protocolImpl.Stream() {
		return e.rxStream(ctx, id, conn, conn.protocolImpl.(streamProtocol))
	}
	return e.rxNonStream(ctx, id, conn)
}

func (e *Switch) rxNonStream(ctx context.Context, id int, conn net.Conn) error {
	bufSize := 1024 * 128
	buf := make([]byte, bufSize)
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		default:
			// passthrough
		}
		n, err := conn.Read(buf)
		if err != nil {
			return fmt.Errorf("cannot read size from socket: %w", err)
		}
		// Fork: a runt datagram made rxBuf panic.
		if err := e.checkFrameSize(n); err != nil {
			return err
		}
		e.rxBuf(ctx, id, buf[:n])
	}
	return nil
}

func (e *Switch) rxStream(ctx context.Context, id int, conn net.Conn, sProtocol streamProtocol) error {
	reader := bufio.NewReader(conn)
	sizeBuf := sProtocol.Buf()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		default:
			// passthrough
		}
		_, err := io.ReadFull(reader, sizeBuf)
		if err != nil {
			return fmt.Errorf("cannot read size from socket: %w", err)
		}
		size := sProtocol.Read(sizeBuf)
		// Fork: checked before the allocation (a 4-byte length asked for up
		// to 4 GiB) and before rxBuf (which panicked under 12 bytes).
		if err := e.checkFrameSize(size); err != nil {
			return err
		}

		buf := make([]byte, size)
		_, err = io.ReadFull(reader, buf)
		if err != nil {
			return fmt.Errorf("cannot read packet from socket: %w", err)
		}
		e.rxBuf(ctx, id, buf)
	}
	return nil
}

func (e *Switch) rxBuf(_ context.Context, id int, buf []byte) {
	if e.debug {
		packet := gopacket.NewPacket(buf, layers.LayerTypeEthernet, gopacket.Default)
		log.Info(packet.String())
	}

	eth := header.Ethernet(buf)

	e.camLock.Lock()
	_, exists := e.cam[eth.SourceAddress()]
	e.cam[eth.SourceAddress()] = id
	e.camLock.Unlock()

	if !exists && e.notificationSender != nil {
		e.notificationSender.Send(types.NotificationMessage{
			NotificationType: types.ConnectionEstablished,
			MacAddress:       eth.SourceAddress().String(),
		})
	}

	if eth.DestinationAddress() != e.gateway.LinkAddress() {
		pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{
			Payload: buffer.MakeWithData(buf),
		})
		if err := e.tx(pkt); err != nil {
			log.Error(err)
		}
		pkt.DecRef()
	}
	if eth.DestinationAddress() == e.gateway.LinkAddress() || eth.DestinationAddress() == header.EthernetBroadcastAddress {
		data := buffer.MakeWithData(buf)
		data.TrimFront(header.EthernetMinimumSize)
		pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{
			Payload: data,
		})
		e.gateway.DeliverNetworkPacket(eth.Type(), pkt)
		pkt.DecRef()
	}

	atomic.AddUint64(&e.Received, uint64(len(buf)))
}

func protocolImplementation(protocol types.Protocol) protocol {
	switch protocol {
	case types.QemuProtocol:
		return &qemuProtocol{}
	case types.BessProtocol:
		return &bessProtocol{}
	case types.VfkitProtocol:
		return &vfkitProtocol{}
	default:
		return &hyperkitProtocol{}
	}
}

func (e *Switch) SetNotificationSender(notificationSender *notification.NotificationSender) {
	e.notificationSender = notificationSender
}
