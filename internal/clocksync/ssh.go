package clocksync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/guestssh"
)

// ReadCommand reads the guest's clock: to the microsecond with busybox's
// adjtimex (boot2docker's busybox has no date %N), else to the second.
// Neither needs root.
const ReadCommand = "busybox adjtimex 2>/dev/null || date -u +%s"

// Caps on what the guest, which is not trusted, may print: ReadCommand's
// answer is some 13 lines of adjtimex, under 400 bytes, and StepCommand
// prints nothing but an error.
const (
	ReadMaxOutput = 768
	StepMaxOutput = 1 << 10
)

// StepCommand sets the guest's clock to t, a whole second (busybox date
// takes @SECONDS).
func StepCommand(t time.Time) string {
	return fmt.Sprintf("sudo date -u -s @%d >/dev/null", t.Unix())
}

// ParseReading reads ReadCommand's output: adjtimex's time.tv_sec and
// time.tv_usec lines, or a bare number of seconds. It returns the guest's
// time and its resolution.
func ParseReading(out []byte) (time.Time, time.Duration, error) {
	var sec, usec int64 = -1, -1
	for line := range bytes.Lines(out) {
		key, value, ok := strings.Cut(strings.TrimSpace(string(line)), ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		switch key {
		case "time.tv_sec":
			if err != nil || n <= 0 {
				return time.Time{}, 0, fmt.Errorf("adjtimex time.tv_sec %q", value)
			}
			sec = n
		case "time.tv_usec":
			if err != nil || n < 0 || n >= 1e6 {
				return time.Time{}, 0, fmt.Errorf("adjtimex time.tv_usec %q", value)
			}
			usec = n
		}
	}
	if sec > 0 && usec >= 0 {
		return time.Unix(sec, usec*1000).UTC(), time.Microsecond, nil
	}
	text := strings.TrimSpace(string(out))
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != text {
		return time.Time{}, 0, fmt.Errorf("the guest's clock reads %q, neither adjtimex nor seconds", truncate(text))
	}
	return time.Unix(n, 0).UTC(), time.Second, nil
}

func truncate(s string) string {
	if len(s) > 100 {
		return s[:100] + "..."
	}
	return s
}

// SSHGuest reaches the guest over SSH, at the target Target returns (the
// address comes from the VM's current lease).
type SSHGuest struct {
	Target func() (guestssh.Target, error)
}

// Open logs in.
func (g SSHGuest) Open(ctx context.Context) (Session, error) {
	t, err := g.Target()
	if err != nil {
		return nil, err
	}
	c, err := guestssh.Dial(ctx, t)
	if err != nil {
		return nil, err
	}
	return sshSession{c}, nil
}

type sshSession struct{ c *guestssh.Client }

func (s sshSession) Read(ctx context.Context) (Sample, error) {
	sent := time.Now()
	out, err := s.c.Run(ctx, ReadCommand, nil, guestssh.MaxOutput(ReadMaxOutput))
	received := time.Now()
	if err != nil {
		return Sample{}, err
	}
	guest, res, err := ParseReading(out)
	if err != nil {
		return Sample{}, err
	}
	return Sample{Guest: guest, Resolution: res, Sent: sent.Round(0), Received: received.Round(0)}, nil
}

// Step sends the guest the next whole second just early enough that it
// arrives on time: half the last reading's round trip before it.
func (s sshSession) Step(ctx context.Context, last Sample) error {
	oneWay := last.Received.Sub(last.Sent) / 2
	target := time.Now().Add(oneWay + 100*time.Millisecond).Truncate(time.Second).Add(time.Second)
	select {
	case <-time.After(time.Until(target.Add(-oneWay))):
	case <-ctx.Done():
		return ctx.Err()
	}
	if out, err := s.c.Run(ctx, StepCommand(target), nil, guestssh.MaxOutput(StepMaxOutput)); err != nil {
		return fmt.Errorf("%w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

func (s sshSession) Close() error {
	if err := s.c.Close(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
