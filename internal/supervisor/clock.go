package supervisor

import (
	"net"
	"strconv"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/clocksync"
	"github.com/zchee/docker-machine-driver-xhyve/internal/guestssh"
)

// Time-sync waits: the host's clocks are compared every clockTick (cheap:
// no guest contact), each check of the guest may take clockTimeout.
const (
	clockTick    = 5 * time.Second
	clockTimeout = 15 * time.Second
)

// clockSyncer keeps the guest's clock within a second of the host's, over
// SSH at the guest's current leased address.
func (s *supervisor) clockSyncer() *clocksync.Syncer {
	g := s.spec.Guest
	address := leaseAddress(g)
	target := func() (guestssh.Target, error) {
		ip, err := address()
		if err != nil {
			return guestssh.Target{}, err
		}
		return guestssh.Target{Addr: net.JoinHostPort(ip.String(), strconv.Itoa(g.SSHPort)), User: g.SSHUser, KeyPath: g.SSHKey}, nil
	}
	return &clocksync.Syncer{
		Guest:    clocksync.SSHGuest{Target: target},
		Clock:    clocksync.NewSystem(),
		Interval: time.Duration(s.spec.TimeSync) * time.Second,
		Tick:     min(clockTick, time.Duration(s.spec.TimeSync)*time.Second),
		Timeout:  clockTimeout,
		Logf:     s.logf,
	}
}
