package guestssh

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/zchee/docker-machine-driver-xhyve/internal/wait"
)

// server is an SSH server for tests: "cat" echoes stdin, "fail" exits 3,
// "hang" is accepted and never answered, "flood" prints floodSize bytes
// (a hostile guest), anything else prints itself.
func server(t *testing.T, client ssh.PublicKey) string {
	t.Helper()
	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	hostKey, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	config := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if string(k.Marshal()) != string(client.Marshal()) {
			return nil, errors.New("unknown key")
		}
		return nil, nil
	}}
	config.AddHostKey(hostKey)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go serve(conn, config)
		}
	}()
	return l.Addr().String()
}

func serve(conn net.Conn, config *ssh.ServerConfig) {
	defer conn.Close()
	_, chans, reqs, err := ssh.NewServerConn(conn, config)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		ch, requests, err := nc.Accept()
		if err != nil {
			return
		}
		go func() {
			for req := range requests {
				if req.Type != "exec" {
					req.Reply(false, nil)
					continue
				}
				cmd := string(req.Payload[4:])
				req.Reply(true, nil)
				status := uint32(0)
				switch cmd {
				case "hang":
					continue
				case "cat":
					io.Copy(ch, ch)
				case "fail":
					status = 3
				case "flood":
					flood(ch)
				default:
					io.WriteString(ch, cmd+"\n")
				}
				payload := make([]byte, 4)
				binary.BigEndian.PutUint32(payload, status)
				ch.SendRequest("exit-status", false, payload)
				ch.Close()
			}
		}()
	}
}

// floodSize is what the "flood" command prints: 256 MiB.
const floodSize = 256 << 20

// flood writes floodSize bytes to w, in 32 KiB writes, until one fails.
func flood(w io.Writer) {
	chunk := make([]byte, 32<<10)
	for i := range chunk {
		chunk[i] = 'x'
	}
	for sent := 0; sent < floodSize; sent += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

func clientKey(t *testing.T) (string, ssh.PublicKey) {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sshPub, _ := ssh.NewPublicKey(pub)
	return path, sshPub
}

func TestRun(t *testing.T) {
	key, pub := clientKey(t)
	target := Target{Addr: server(t, pub), User: "docker", KeyPath: key}
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
	key, pub := clientKey(t)
	target := Target{Addr: server(t, pub), User: "docker", KeyPath: key}
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
	key, _ := clientKey(t)
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
	key, pub := clientKey(t)
	target := Target{Addr: server(t, pub), User: "docker", KeyPath: key}
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
