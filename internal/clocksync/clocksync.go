// Package clocksync keeps a guest's clock within a second of the host's.
// xhyve and hyperkit guests stop while the Mac sleeps and wake up behind by
// as long as it slept: certificates look not yet valid, make rebuilds
// everything. A Syncer checks the guest's clock right after the host wakes
// (the host's wall clock jumps ahead of its monotonic clock, which stops
// during sleep) and otherwise at a fixed interval, and steps it when it is
// off by more than Threshold.
package clocksync

import (
	"context"
	"fmt"
	"time"
)

// Threshold is how far the guest's clock may be off before it is stepped.
const Threshold = time.Second

// wakeSlack is how far the wall clock may run ahead of the monotonic one
// between two ticks without counting as a sleep (NTP steps, scheduling).
const wakeSlack = 2 * time.Second

// Sample is one reading of the guest's clock.
type Sample struct {
	// Guest is what the guest's clock said; Resolution is how precisely
	// (1 µs from adjtimex, 1 s from date +%s).
	Guest      time.Time
	Resolution time.Duration
	// Sent and Received are the host's wall times around the reading.
	Sent, Received time.Time
}

// Bounds returns the interval the guest's offset from the host (guest
// minus host) lies in: the reading happened between Sent and Received, and
// the guest's clock was in [Guest, Guest+Resolution).
func (s Sample) Bounds() (low, high time.Duration) {
	return s.Guest.Sub(s.Received), s.Guest.Add(s.Resolution).Sub(s.Sent)
}

// Offset is the best estimate of the guest's offset from the host.
func (s Sample) Offset() time.Duration {
	low, high := s.Bounds()
	return low + (high-low)/2
}

// Off reports whether the guest is certainly more than Threshold away from
// the host.
func (s Sample) Off() bool {
	low, high := s.Bounds()
	return low > Threshold || high < -Threshold
}

// Session is one connection to the guest.
type Session interface {
	// Read reads the guest's clock.
	Read(ctx context.Context) (Sample, error)
	// Step sets the guest's clock to the host's; last is a recent Read,
	// whose round trip tells how early to send the command.
	Step(ctx context.Context, last Sample) error
	Close() error
}

// Guest opens sessions to the guest.
type Guest interface {
	Open(ctx context.Context) (Session, error)
}

// Clock is the host's: its wall clock, which jumps ahead when the host
// wakes from sleep, and a monotonic one, which stops during sleep.
type Clock interface {
	Wall() time.Time
	Mono() time.Duration
	After(d time.Duration) <-chan time.Time
}

// Syncer keeps a guest's clock right.
type Syncer struct {
	Guest Guest
	Clock Clock
	// Interval is the time between regular checks; Tick the time between
	// the cheap looks at the host's clocks that spot a wake (and retry a
	// failed check); Timeout bounds each check.
	Interval, Tick, Timeout time.Duration
	// Logf receives every correction, with the offset found, and every
	// failed check.
	Logf func(format string, args ...any)
}

// Run checks the guest's clock until ctx ends. A failed check (the guest
// booting, SSH refused, no lease yet) is retried at the next tick; nothing
// ends Run but ctx.
func (s *Syncer) Run(ctx context.Context) {
	lastWall, lastMono := s.Clock.Wall(), s.Clock.Mono()
	next := lastMono + s.Tick // the first check at the first tick
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.Clock.After(s.Tick):
		}
		wall, mono := s.Clock.Wall(), s.Clock.Mono()
		woke := Woke(lastWall, lastMono, wall, mono)
		if woke {
			s.Logf("clock: the host woke up (%s asleep); checking the guest's clock", (wall.Sub(lastWall) - (mono - lastMono)).Round(time.Second))
		}
		lastWall, lastMono = wall, mono
		if !woke && mono < next {
			continue
		}
		if err := s.Check(ctx); err != nil {
			s.Logf("clock: %v; trying again in %s", err, s.Tick)
			next = mono // the next tick
			continue
		}
		next = mono + s.Interval
	}
}

// Woke reports whether the host slept between two readings of its clocks:
// the wall clock went on while the monotonic one stood still.
func Woke(wall0 time.Time, mono0 time.Duration, wall1 time.Time, mono1 time.Duration) bool {
	return wall1.Sub(wall0)-(mono1-mono0) > wakeSlack
}

// Check reads the guest's clock once and steps it if it is off; every step
// is logged with the offset found and what was left after it.
func (s *Syncer) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	sess, err := s.Guest.Open(ctx)
	if err != nil {
		return fmt.Errorf("reach the guest: %w", err)
	}
	defer sess.Close()
	sample, err := sess.Read(ctx)
	if err != nil {
		return fmt.Errorf("read the guest's clock: %w", err)
	}
	if !sample.Off() {
		return nil
	}
	if err := sess.Step(ctx, sample); err != nil {
		return fmt.Errorf("step the guest's clock (%s): %w", describe(sample.Offset()), err)
	}
	after, err := sess.Read(ctx)
	if err != nil {
		s.Logf("clock: the guest was %s; stepped it to the host's time", describe(sample.Offset()))
		return nil
	}
	s.Logf("clock: the guest was %s; stepped it to the host's time (now %s)", describe(sample.Offset()), describe(after.Offset()))
	return nil
}

// describe says an offset in words: "29.97s behind the host".
func describe(offset time.Duration) string {
	switch {
	case offset < 0:
		return fmt.Sprintf("%s behind the host", (-offset).Round(10*time.Millisecond))
	default:
		return fmt.Sprintf("%s ahead of the host", offset.Round(10*time.Millisecond))
	}
}

// System is the host's clocks. Go's monotonic clock stops during sleep on
// macOS (mach_absolute_time) and Linux (CLOCK_MONOTONIC) alike.
type System struct{ start time.Time }

// NewSystem returns the host's clocks.
func NewSystem() System { return System{start: time.Now()} }

// Wall is the wall clock, without its monotonic reading.
func (c System) Wall() time.Time { return time.Now().Round(0) }

// Mono is the monotonic time since NewSystem.
func (c System) Mono() time.Duration { return time.Since(c.start) }

// After waits for d on the monotonic clock.
func (c System) After(d time.Duration) <-chan time.Time { return time.After(d) }
