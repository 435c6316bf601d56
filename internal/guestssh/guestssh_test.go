package guestssh

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/zchee/docker-machine-driver-xhyve/internal/guestssh/sshtest"
	"github.com/zchee/docker-machine-driver-xhyve/internal/wait"
)

// testTarget is an SSH server for tests: "cat" echoes stdin, "fail" exits
// 3, "hang" is accepted and never answered, "flood" prints floodSize bytes
// (a hostile guest), anything else prints itself.
func testTarget(t *testing.T) Target {
	t.Helper()
	addr, key := sshtest.Server(t, func(cmd string, ch io.ReadWriter) (uint32, bool) {
		switch cmd {
		case "hang":
			return 0, true
		case "cat":
			io.Copy(ch, ch)
		case "fail":
			return 3, false
		case "flood":
			sshtest.Flood(ch, floodSize)
		default:
			io.WriteString(ch, cmd+"\n")
		}
		return 0, false
	})
	return Target{Addr: addr, User: "docker", KeyPath: key}
}

// floodSize is what the "flood" command prints: 256 MiB.
const floodSize = 256 << 20

func TestRun(t *testing.T) {
	target := testTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := Run(ctx, target, "cat", strings.NewReader("through stdin"))
	if err != nil || string(out) != "through stdin" {
		t.Errorf("cat: %q, %v", out, err)
	}
	_, err = Run(ctx, target, "fail", nil)
	var exit *ssh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 3 || !strings.Contains(err.Error(), `"fail"`) {
		t.Errorf("fail: %v, want exit status 3 naming the command", err)
	}
}

func TestDeadlineBoundsTheSession(t *testing.T) {
	target := testTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Run(ctx, target, "hang", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hanging command: %v, want the deadline", err)
	}
	if waited := time.Since(start); waited > 3*time.Second {
		t.Errorf("returned after %s for a 300ms deadline", waited)
	}
}

// TestDeadlineWithSilentServer: a port that accepts and never speaks (a
// guest half up) must not hang the handshake.
func TestDeadlineWithSilentServer(t *testing.T) {
	key := testTarget(t).KeyPath // any key: the server never gets to check it
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := Run(ctx, Target{Addr: l.Addr().String(), User: "docker", KeyPath: key}, "true", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("silent server: %v, want the deadline", err)
	}
}

// TestRunsLeaveNothingOpen: the supervisor runs a clock check every minute
// for the VM's life, so a command, whether it succeeds, fails, overruns
// its deadline or its output cap, must leave no descriptor or goroutine
// behind.
func TestRunsLeaveNothingOpen(t *testing.T) {
	target := testTarget(t)
	fds0, goroutines0 := openFDs(t), runtime.NumGoroutine()
	for i := range 60 {
		command, timeout := []string{"echo", "fail", "hang", "flood"}[i%4], 5*time.Second
		if command == "hang" {
			timeout = 20 * time.Millisecond
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		if _, err := Run(ctx, target, command, nil, MaxOutput(512)); (err == nil) != (command == "echo") {
			t.Errorf("%s: %v", command, err)
		}
		cancel()
	}
	// The test server ends its side of each connection a moment later.
	var fds, goroutines int
	err := wait.Until(10*time.Second, 20*time.Millisecond, "descriptors and goroutines back", func() (bool, error) {
		fds, goroutines = openFDs(t), runtime.NumGoroutine()
		return fds <= fds0 && goroutines <= goroutines0, nil
	})
	if err != nil {
		t.Errorf("after 60 commands: %d descriptors (before: %d), %d goroutines (before: %d)", fds, fds0, goroutines, goroutines0)
	}
}

// openFDs counts this process's descriptors (/dev/fd on Linux and macOS).
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/dev/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
