package usernet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/google/uuid"
)

// HandshakeTimeout bounds a connection's vpnkit handshake: hyperkit sends
// its messages at once, so a peer that takes longer is not hyperkit, and
// must not hold a connection slot.
const HandshakeTimeout = 10 * time.Second

// ServeVPNKit accepts hyperkit connections on ln until ctx ends or ln
// fails, then closes ln and every connection it accepted and returns once
// they are done (nil when ctx ended it). Each connection must complete the
// vpnkit handshake within HandshakeTimeout, and then joins the switch with
// the MAC address MACForUUID gives its UUID. A machine whose UUID is
// already connected, or one beyond Config.MaxConns, is refused in the
// handshake (hyperkit tries again every 100 ms).
func (n *Network) ServeVPNKit(ctx context.Context, ln net.Listener) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			_ = ln.Close()
			return fmt.Errorf("accept vpnkit connection: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.serveConn(ctx, conn)
		}()
	}
}

// serveConn runs one connection from handshake to end.
func (n *Network) serveConn(ctx context.Context, conn net.Conn) {
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	defer conn.Close()
	peer := conn.RemoteAddr().String()

	id, err := n.handshake(conn)
	if err != nil {
		n.cfg.Logf("usernet: refused vpnkit connection %s: %v", peer, err)
		return
	}
	defer n.leave(id)
	mac := MACForUUID(id)
	n.cfg.Logf("usernet: machine %s joined with MAC %s", id, mac)
	err = n.vn.AcceptStdio(ctx, conn)
	switch {
	case ctx.Err() != nil:
		n.cfg.Logf("usernet: machine %s disconnected: network stopping", id)
	case err != nil:
		n.cfg.Logf("usernet: machine %s disconnected: %v", id, err)
	default:
		n.cfg.Logf("usernet: machine %s disconnected", id)
	}
}

// handshake performs the vpnkit handshake within HandshakeTimeout and
// admits the machine; on success the connection has no deadline and the
// machine counts as connected until leave.
func (n *Network) handshake(conn net.Conn) (uuid.UUID, error) {
	if err := conn.SetDeadline(time.Now().Add(n.handshakeTimeout)); err != nil {
		return uuid.UUID{}, fmt.Errorf("set handshake deadline: %w", err)
	}
	id, err := readHello(conn)
	if err != nil {
		return uuid.UUID{}, err
	}
	if err := n.join(id); err != nil {
		return uuid.UUID{}, errors.Join(err, writeDisconnect(conn, err.Error()))
	}
	if err := writeVIF(conn, n.cfg.MTU, MACForUUID(id)); err != nil {
		n.leave(id)
		return uuid.UUID{}, fmt.Errorf("write response: %w", err)
	}
	if err := conn.SetDeadline(time.Time{}); err != nil {
		n.leave(id)
		return uuid.UUID{}, fmt.Errorf("clear handshake deadline: %w", err)
	}
	return id, nil
}

// join counts a machine as connected, unless it already is or the network
// is full.
func (n *Network) join(id uuid.UUID) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.machines[id] {
		return fmt.Errorf("machine %s is already connected", id)
	}
	if len(n.machines) >= n.cfg.MaxConns {
		return fmt.Errorf("the network has its maximum of %d machines", n.cfg.MaxConns)
	}
	n.machines[id] = true
	return nil
}

// leave forgets a machine's connection.
func (n *Network) leave(id uuid.UUID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.machines, id)
}

// Connected lists the UUIDs of the machines connected now.
func (n *Network) Connected() []uuid.UUID {
	n.mu.Lock()
	defer n.mu.Unlock()
	ids := make([]uuid.UUID, 0, len(n.machines))
	for id := range n.machines {
		ids = append(ids, id)
	}
	return ids
}
