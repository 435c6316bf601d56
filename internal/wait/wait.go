// Package wait is the one way the driver (and its tests) waits: poll a
// condition at an interval until it holds, it fails, or a deadline passes.
// Every wait has a deadline and an injectable interval.
package wait

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrTimeout reports a condition that did not hold before the deadline.
var ErrTimeout = errors.New("timed out")

// Until calls cond at once and then every interval until it reports done
// or an error (which ends the wait early: the supervisor died, say), or
// until timeout passes; what for names the wait in the timeout's error,
// which wraps ErrTimeout and cond's last error, if any.
func Until(timeout, interval time.Duration, what string, cond func() (done bool, err error)) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return UntilContext(ctx, interval, what, cond)
}

// Transient marks an error cond returns that does not end the wait: it is
// kept, and reported if the deadline passes (a lease file mid-rewrite, a
// guest not answering yet).
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return transient{err}
}

type transient struct{ err error }

func (t transient) Error() string { return t.err.Error() }
func (t transient) Unwrap() error { return t.err }

// UntilContext is Until with a context: its deadline or cancellation ends
// the wait.
func UntilContext(ctx context.Context, interval time.Duration, what string, cond func() (bool, error)) error {
	start := time.Now()
	t := time.NewTicker(interval)
	defer t.Stop()
	var last error
	for {
		done, err := cond()
		var tr transient
		switch {
		case errors.As(err, &tr):
			last = tr.err
		case err != nil:
			return err
		case done:
			return nil
		}
		select {
		case <-ctx.Done():
			waited := time.Since(start).Round(time.Millisecond)
			if last != nil {
				return fmt.Errorf("%s: %w after %s: %w", what, ErrTimeout, waited, last)
			}
			return fmt.Errorf("%s: %w after %s", what, ErrTimeout, waited)
		case <-t.C:
		}
	}
}
