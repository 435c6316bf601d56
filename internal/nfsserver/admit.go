package nfsserver

import (
	"fmt"
	"net"
)

// Connection caps. The guest is untrusted, and every connection costs the
// server a descriptor and a goroutine with its buffers; a Linux client uses
// one or two (the MOUNT call's, then the mount's), so the caps leave room
// for remounts and reconnects while a VM that floods the port only ever
// holds a few dozen descriptors.
const (
	// maxConnsPerAddr is how many connections one remote address may
	// hold open at once.
	maxConnsPerAddr = 16
	// maxConns is how many connections the server holds open at once,
	// from all addresses (the allowed one changes when the lease does,
	// while the old one's connections may linger).
	maxConns = 64
)

// reservedPorts is the first unreserved port: like macOS nfsd, whose
// nfs.server.require_resv_port is on by default, the server answers only
// connections from a source port below it, which only root may bind. The
// guest's kernel client and mount.nfs (run as root) use such a port unless
// mounted with noresvport, so an unprivileged process in the VM cannot
// reach the shares by itself.
const reservedPorts = 1024

// admission decides which accepted connections a guardedListener keeps and
// counts the open ones per remote address. Its caller holds the listener's
// lock.
type admission struct {
	// anyPort admits unreserved source ports too. Only the package's
	// tests set it, so that they can dial as an ordinary user.
	anyPort  bool
	perAddr  int
	total    int
	open     int
	openFrom map[string]int
}

func newAdmission(anyPort bool) *admission {
	return &admission{anyPort: anyPort, perAddr: maxConnsPerAddr, total: maxConns, openFrom: make(map[string]int)}
}

// addrKey is the remote address a connection counts against: its IP for
// TCP, the whole address otherwise.
func addrKey(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	return a.String()
}

// checkPort refuses a source port that is not reserved.
func (a *admission) checkPort(remote net.Addr) error {
	if a.anyPort {
		return nil
	}
	t, ok := remote.(*net.TCPAddr)
	if !ok {
		return fmt.Errorf("source %s is not a TCP address", remote)
	}
	if t.Port >= reservedPorts {
		return fmt.Errorf("source port %d is not reserved (below %d)", t.Port, reservedPorts)
	}
	return nil
}

// take counts a new connection from remote, or says why it would exceed a
// cap.
func (a *admission) take(remote net.Addr) error {
	key := addrKey(remote)
	if n := a.openFrom[key]; n >= a.perAddr {
		return fmt.Errorf("%d connections already open from %s, the most one address may hold", n, key)
	}
	if a.open >= a.total {
		return fmt.Errorf("%d connections already open, the most the server holds", a.open)
	}
	a.open++
	a.openFrom[key]++
	return nil
}

// release uncounts a connection from remote that take counted.
func (a *admission) release(remote net.Addr) {
	key := addrKey(remote)
	a.open--
	if a.openFrom[key]--; a.openFrom[key] <= 0 {
		delete(a.openFrom, key)
	}
}
