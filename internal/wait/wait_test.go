package wait

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestUntil(t *testing.T) {
	calls := 0
	err := Until(time.Second, time.Millisecond, "three calls", func() (bool, error) {
		calls++
		return calls == 3, nil
	})
	if err != nil || calls != 3 {
		t.Errorf("Until: %v after %d calls", err, calls)
	}

	start := time.Now()
	err = Until(50*time.Millisecond, 5*time.Millisecond, "never", func() (bool, error) { return false, Transient(errors.New("not yet")) })
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "never") || !strings.Contains(err.Error(), "not yet") {
		t.Errorf("timeout: %v, want ErrTimeout naming the wait and the last transient error", err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond || waited > 2*time.Second {
		t.Errorf("waited %s for a 50ms deadline", waited)
	}

	stop := errors.New("the supervisor died")
	calls = 0
	err = Until(time.Minute, time.Millisecond, "early exit", func() (bool, error) {
		calls++
		return false, stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("early exit: %v after %d calls", err, calls)
	}

	if err := Until(time.Second, time.Millisecond, "transient nil", func() (bool, error) { return true, Transient(nil) }); err != nil {
		t.Errorf("Transient(nil) kept a done wait going: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := UntilContext(ctx, time.Millisecond, "cancelled", func() (bool, error) { return false, nil }); !errors.Is(err, ErrTimeout) {
		t.Errorf("cancelled: %v", err)
	}
}
