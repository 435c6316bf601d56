// Package guestssh runs one command in the guest over SSH within an overall
// deadline. libmachine's clients bound only the dial; a guest that stops
// answering mid-session (rebooting, or stuck on an NFS mount) must not hang
// the plugin, nor the supervisor that lives as long as the VM.
package guestssh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"

	"golang.org/x/crypto/ssh"
)

// Target is where and as whom to log in.
type Target struct {
	Addr    string // host:port
	User    string
	KeyPath string // private key file
}

// Run runs command with stdin (nil: none) and returns what it printed on
// stdout and stderr together. The deadline of ctx bounds the whole session:
// dial, handshake, the command and its output.
func Run(ctx context.Context, t Target, command string, stdin io.Reader) ([]byte, error) {
	signer, err := loadKey(t.KeyPath)
	if err != nil {
		return nil, err
	}
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", t.Addr)
	if err != nil {
		return nil, fmt.Errorf("ssh to %s: %w", t.Addr, err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(deadline); err != nil {
			return nil, fmt.Errorf("ssh to %s: %w", t.Addr, err)
		}
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // cancellation without a deadline
	defer stop()
	config := &ssh.ClientConfig{
		User: t.User,
		Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		// The guest's host key is made at its first boot and known to no
		// one; docker-machine does not check it either. The connection
		// stays on the host-only vmnet network.
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, t.Addr, config)
	if err != nil {
		return nil, wrap(ctx, t, "ssh handshake", err)
	}
	client := ssh.NewClient(c, chans, reqs)
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		return nil, wrap(ctx, t, "open ssh session", err)
	}
	defer session.Close()
	var out lockedBuffer // stdout and stderr are copied by two goroutines
	session.Stdin, session.Stdout, session.Stderr = stdin, &out, &out
	if err := session.Run(command); err != nil {
		return out.Bytes(), wrap(ctx, t, fmt.Sprintf("run %q", command), err)
	}
	return out.Bytes(), nil
}

// lockedBuffer is a buffer safe for concurrent writers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns a copy of what was written so far.
func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// wrap names what failed; past the deadline, it says so instead of the
// closed connection's error.
func wrap(ctx context.Context, t Target, what string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s on %s: %w", what, t.Addr, ctxErr)
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		return fmt.Errorf("%s on %s: %w", what, t.Addr, context.DeadlineExceeded)
	}
	return fmt.Errorf("%s on %s: %w", what, t.Addr, err)
}

func loadKey(path string) (ssh.Signer, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read ssh key: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		return nil, fmt.Errorf("parse ssh key %s: %w", path, err)
	}
	return signer, nil
}
