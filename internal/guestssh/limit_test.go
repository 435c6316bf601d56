package guestssh

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestFloodIsCut: a guest that answers with 256 MiB must not make the
// plugin or the supervisor hold it: past the cap Run fails, at once, having
// kept no more than the cap and allocated a few MB at most (before the cap:
// all 256 MiB kept, 1.1 GiB allocated).
func TestFloodIsCut(t *testing.T) {
	target := testTarget(t)
	for _, tt := range []struct {
		name string
		opts []Option
		cap  int
	}{
		{"default cap", nil, DefaultMaxOutput},
		{"512 bytes", []Option{MaxOutput(512)}, 512},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			out, err := Run(ctx, target, "flood", nil, tt.opts...)
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			grew := after.TotalAlloc - before.TotalAlloc
			t.Logf("flood: %d bytes kept, %v, in %s, %.1f MiB allocated", len(out), err, took, float64(grew)/(1<<20))
			var limitErr *OutputLimitError
			if !errors.As(err, &limitErr) || limitErr.Limit != tt.cap || !strings.Contains(err.Error(), "output exceeded") {
				t.Errorf("Run of a 256 MiB answer: %d bytes, %v; want the output cap's error", len(out), err)
			}
			if len(out) != tt.cap {
				t.Errorf("kept %d bytes, want the first %d", len(out), tt.cap)
			}
			if grew > 8<<20 {
				t.Errorf("allocated %.1f MiB reading the answer, want under 8", float64(grew)/(1<<20))
			}
			if took > 5*time.Second {
				t.Errorf("took %s to give up", took)
			}
		})
	}
}

// TestOutputCapIsExact: output of exactly the cap is whole; one byte more
// fails.
func TestOutputCapIsExact(t *testing.T) {
	target := testTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const command = "hello" // the server prints "hello\n"
	if out, err := Run(ctx, target, command, nil, MaxOutput(6)); err != nil || string(out) != "hello\n" {
		t.Errorf("6 bytes under a cap of 6: %q, %v", out, err)
	}
	out, err := Run(ctx, target, command, nil, MaxOutput(5))
	var limitErr *OutputLimitError
	if !errors.As(err, &limitErr) || limitErr.Limit != 5 || string(out) != "hello" {
		t.Errorf("6 bytes under a cap of 5: %q, %v; want the first 5 and the cap's error", out, err)
	}
	if !strings.Contains(err.Error(), `run "hello"`) || !strings.Contains(err.Error(), "output exceeded 5 bytes") {
		t.Errorf("error %q does not name the command and the cap", err)
	}
}

// TestFloodEndsTheClient: the connection a flood came on is closed, so a
// client reused for a next command fails rather than read the rest.
func TestFloodEndsTheClient(t *testing.T) {
	target := testTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if out, err := c.Run(ctx, "echo", nil, MaxOutput(512)); err != nil || string(out) != "echo\n" {
		t.Fatalf("echo: %q, %v", out, err)
	}
	if _, err := c.Run(ctx, "flood", nil, MaxOutput(512)); err == nil {
		t.Fatal("flood: no error")
	}
	if _, err := c.Run(ctx, "echo", nil, MaxOutput(512)); err == nil {
		t.Error("the client still runs commands after a flood")
	}
}
