package clocksync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a host whose clocks the test moves: Advance is time
// passing awake, Sleep a sleep (wall only).
type fakeClock struct {
	mu    sync.Mutex
	wall  time.Time
	mono  time.Duration
	ticks chan time.Time
	asked chan time.Duration // every After call, for the test to see the wait
}

func newFakeClock() *fakeClock {
	return &fakeClock{wall: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), ticks: make(chan time.Time), asked: make(chan time.Duration, 100)}
}

func (c *fakeClock) Wall() time.Time     { c.mu.Lock(); defer c.mu.Unlock(); return c.wall }
func (c *fakeClock) Mono() time.Duration { c.mu.Lock(); defer c.mu.Unlock(); return c.mono }
func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.asked <- d
	return c.ticks
}

// tick lets one After return after d of awake time.
func (c *fakeClock) tick(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-c.asked:
	case <-time.After(5 * time.Second):
		t.Fatal("the syncer never waited for a tick")
	}
	c.mu.Lock()
	c.wall, c.mono = c.wall.Add(d), c.mono+d
	c.mu.Unlock()
	c.ticks <- c.wall
}

func (c *fakeClock) sleep(d time.Duration) {
	c.mu.Lock()
	c.wall = c.wall.Add(d)
	c.mu.Unlock()
}

// fakeGuest's clock is the host's wall clock plus offset.
type fakeGuest struct {
	mu      sync.Mutex
	host    *fakeClock
	offset  time.Duration
	failing error
	opens   int
	steps   []time.Duration // the offsets stepped away
}

func (g *fakeGuest) Open(context.Context) (Session, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.opens++
	if g.failing != nil {
		return nil, g.failing
	}
	return g, nil
}

func (g *fakeGuest) Read(context.Context) (Sample, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.host.Wall()
	return Sample{Guest: now.Add(g.offset), Resolution: time.Microsecond, Sent: now.Add(-5 * time.Millisecond), Received: now.Add(5 * time.Millisecond)}, nil
}

func (g *fakeGuest) Step(context.Context, Sample) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.steps = append(g.steps, g.offset)
	g.offset = 0
	return nil
}

func (g *fakeGuest) Close() error { return nil }

func (g *fakeGuest) state() (opens int, steps []time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.opens, append([]time.Duration(nil), g.steps...)
}

type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logs) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func start(t *testing.T, g *fakeGuest, c *fakeClock, l *logs) {
	t.Helper()
	s := &Syncer{Guest: g, Clock: c, Interval: time.Minute, Tick: 5 * time.Second, Timeout: 10 * time.Second, Logf: l.logf}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case c.ticks <- time.Time{}:
		case <-done:
		}
		<-done
	})
}

// settle waits until the syncer waits for its next tick.
func settle(t *testing.T, c *fakeClock) {
	t.Helper()
	select {
	case d := <-c.asked:
		c.asked <- d // leave it for tick
	case <-time.After(5 * time.Second):
		t.Fatal("the syncer did not come back to waiting")
	}
}

func TestSyncerInterval(t *testing.T) {
	c := newFakeClock()
	g := &fakeGuest{host: c}
	l := &logs{}
	start(t, g, c, l)
	c.tick(t, 5*time.Second) // first check
	settle(t, c)
	if opens, _ := g.state(); opens != 1 {
		t.Fatalf("%d checks at the first tick, want 1", opens)
	}
	for i := 0; i < 11; i++ { // 55 s: no check yet
		c.tick(t, 5*time.Second)
	}
	settle(t, c)
	if opens, _ := g.state(); opens != 1 {
		t.Errorf("%d checks within the interval, want 1", opens)
	}
	c.tick(t, 5*time.Second) // 60 s after the first
	settle(t, c)
	if opens, steps := g.state(); opens != 2 || len(steps) != 0 {
		t.Errorf("after the interval: %d checks, %d steps; want 2 checks and no step (the guest is right)", opens, len(steps))
	}
}

func TestSyncerWakeAndThreshold(t *testing.T) {
	c := newFakeClock()
	g := &fakeGuest{host: c}
	l := &logs{}
	start(t, g, c, l)
	c.tick(t, 5*time.Second)
	settle(t, c)

	// Half a second off: within the threshold, left alone.
	g.mu.Lock()
	g.offset = -500 * time.Millisecond
	g.mu.Unlock()
	c.sleep(20 * time.Second) // the host sleeps, the guest with it...
	g.mu.Lock()
	g.offset -= 20 * time.Second // ...and wakes up that much behind
	g.mu.Unlock()
	c.tick(t, 5*time.Second)
	settle(t, c)
	opens, steps := g.state()
	if opens != 2 || len(steps) != 1 || steps[0] != -20500*time.Millisecond {
		t.Fatalf("after a wake: %d checks, steps %v; want a check at once and one step from -20.5s", opens, steps)
	}
	if log := l.all(); !strings.Contains(log, "woke up") || !strings.Contains(log, "20.5s behind the host") {
		t.Errorf("log lacks the wake or the offset:\n%s", log)
	}

	g.mu.Lock()
	g.offset = 900 * time.Millisecond
	g.mu.Unlock()
	c.sleep(3 * time.Second)
	c.tick(t, 5*time.Second)
	settle(t, c)
	if _, steps := g.state(); len(steps) != 1 {
		t.Errorf("a guest 0.9s ahead was stepped: %v", steps)
	}
}

func TestSyncerRetriesFailures(t *testing.T) {
	c := newFakeClock()
	g := &fakeGuest{host: c, failing: errors.New("connection refused")}
	l := &logs{}
	start(t, g, c, l)
	for i := 0; i < 3; i++ {
		c.tick(t, 5*time.Second)
	}
	settle(t, c)
	if opens, _ := g.state(); opens != 3 {
		t.Errorf("%d tries in 3 ticks of a failing guest, want one a tick", opens)
	}
	if !strings.Contains(l.all(), "connection refused") {
		t.Errorf("failures not logged:\n%s", l.all())
	}
	g.mu.Lock()
	g.failing, g.offset = nil, -3*time.Second
	g.mu.Unlock()
	c.tick(t, 5*time.Second)
	settle(t, c)
	if _, steps := g.state(); len(steps) != 1 {
		t.Errorf("once the guest answers it is stepped at once: %v", steps)
	}
}

func TestSampleBounds(t *testing.T) {
	host := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name  string
		s     Sample
		off   bool
		guess time.Duration
	}{
		{"precise, 30s behind", Sample{host.Add(-30 * time.Second), time.Microsecond, host, host.Add(10 * time.Millisecond)}, true, -30005*time.Millisecond + 500*time.Nanosecond},
		{"precise, 0.5s ahead", Sample{host.Add(500 * time.Millisecond), time.Microsecond, host, host}, false, 500*time.Millisecond + 500*time.Nanosecond},
		{"whole seconds, maybe within", Sample{host.Add(time.Second), time.Second, host, host.Add(100 * time.Millisecond)}, false, 1450 * time.Millisecond},
		{"whole seconds, surely behind", Sample{host.Add(-3 * time.Second), time.Second, host, host.Add(100 * time.Millisecond)}, true, -2550 * time.Millisecond},
		{"whole seconds, surely ahead", Sample{host.Add(3 * time.Second), time.Second, host, host.Add(100 * time.Millisecond)}, true, 3450 * time.Millisecond},
	} {
		if got := tt.s.Off(); got != tt.off {
			t.Errorf("%s: Off = %v", tt.name, got)
		}
		if got := tt.s.Offset(); got != tt.guess {
			t.Errorf("%s: Offset = %s, want %s", tt.name, got, tt.guess)
		}
	}
}

func TestWoke(t *testing.T) {
	w := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	if Woke(w, 0, w.Add(5*time.Second), 5*time.Second) {
		t.Error("awake ticks counted as a wake")
	}
	if Woke(w, 0, w.Add(6500*time.Millisecond), 5*time.Second) {
		t.Error("1.5s of slack counted as a wake")
	}
	if !Woke(w, 0, w.Add(45*time.Second), 5*time.Second) {
		t.Error("40s of sleep missed")
	}
}
