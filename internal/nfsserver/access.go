package nfsserver

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// allowedTTL is how long an answer of Config.Allowed is trusted. A lease
// changes rarely; this only spares the lease file a flood of connections.
const allowedTTL = time.Second

// errNotAllowed reports a connection from an address other than the
// machine's current one.
var errNotAllowed = errors.New("address not allowed")

// accessCheck admits connections from the machine's current address only.
type accessCheck struct {
	allowed func() (net.IP, error)
	ttl     time.Duration
	now     func() time.Time

	mu sync.Mutex
	ip net.IP
	at time.Time
}

// current returns the allowed address, asking Allowed again once the cached
// answer is older than ttl. Failures are not cached, so a lease that has just
// appeared is seen at the guest's next attempt.
func (a *accessCheck) current() (net.IP, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	if a.ip != nil && now.Sub(a.at) < a.ttl {
		return a.ip, nil
	}
	ip, err := a.allowed()
	if err != nil {
		a.ip = nil
		return nil, fmt.Errorf("ask the machine's address: %w", err)
	}
	if ip == nil {
		a.ip = nil
		return nil, errors.New("ask the machine's address: no address returned")
	}
	a.ip, a.at = ip, now
	return ip, nil
}

// check returns nil when addr is the allowed address, else why not.
func (a *accessCheck) check(addr net.Addr) error {
	var ip net.IP
	if t, ok := addr.(*net.TCPAddr); ok {
		ip = t.IP
	}
	want, err := a.current()
	if err != nil {
		return err
	}
	// Equal also matches an IPv4 address against its IPv4-in-IPv6 form.
	if ip == nil || !ip.Equal(want) {
		return fmt.Errorf("%w: only %s is", errNotAllowed, want)
	}
	return nil
}
