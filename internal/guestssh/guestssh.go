// Package guestssh runs commands in the guest over SSH within deadlines.
// libmachine's clients bound only the dial; a guest that stops answering
// mid-session (rebooting, or stuck on an NFS mount) must not hang the
// plugin, nor the supervisor that lives as long as the VM.
package guestssh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"golang.org/x/crypto/ssh"
)

// Target is where and as whom to log in.
type Target struct {
	Addr    string // host:port
	User    string
	KeyPath string // private key file
}

// Client is one logged-in connection, for several commands.
type Client struct {
	target Target
	conn   net.Conn
	client *ssh.Client
}

// Dial connects and logs in within ctx's deadline.
func Dial(ctx context.Context, t Target) (*Client, error) {
	signer, err := loadKey(t.KeyPath)
	if err != nil {
		return nil, err
	}
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", t.Addr)
	if err != nil {
		return nil, fmt.Errorf("ssh to %s: %w", t.Addr, err)
	}
	c := &Client{target: t, conn: conn}
	stop := c.bound(ctx)
	defer stop()
	config := &ssh.ClientConfig{
		User: t.User,
		Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		// The guest's host key is made at its first boot and known to no
		// one; docker-machine does not check it either. The connection
		// stays on the host-only vmnet network.
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	}
	sc, chans, reqs, err := ssh.NewClientConn(conn, t.Addr, config)
	if err != nil {
		conn.Close()
		return nil, c.wrap(ctx, "ssh handshake", err)
	}
	c.client = ssh.NewClient(sc, chans, reqs)
	return c, nil
}

// bound applies ctx to the connection until the returned function is
// called: its deadline to every read and write, its cancellation by
// closing the connection.
func (c *Client) bound(ctx context.Context) func() {
	deadline, _ := ctx.Deadline() // zero: none
	c.conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { c.conn.Close() })
	return func() {
		stop()
		c.conn.SetDeadline(time.Time{})
	}
}

// Run runs command with stdin (nil: none) within ctx's deadline and
// returns what it printed on stdout and stderr together, at most
// DefaultMaxOutput bytes or the MaxOutput option's. The guest is not
// trusted: past the cap Run fails with an *OutputLimitError, keeping only
// the first bytes, and ends the connection at once rather than read the
// rest; the Client is of no further use then.
func (c *Client) Run(ctx context.Context, command string, stdin io.Reader, opts ...Option) ([]byte, error) {
	o := runOptions{maxOutput: DefaultMaxOutput}
	for _, opt := range opts {
		opt(&o)
	}
	stop := c.bound(ctx)
	defer stop()
	session, err := c.client.NewSession()
	if err != nil {
		return nil, c.wrap(ctx, "open ssh session", err)
	}
	defer session.Close()
	// stdout and stderr are copied by two goroutines into one buffer; the
	// first byte past the cap closes the connection, which ends the session
	// whatever the guest does.
	out := &cappedBuffer{limit: o.maxOutput, overflow: func() { c.conn.Close() }}
	session.Stdin, session.Stdout, session.Stderr = stdin, out, out
	err = session.Run(command)
	if out.exceeded() {
		return out.Bytes(), fmt.Errorf("run %q on %s: %w", command, c.target.Addr, &OutputLimitError{Limit: o.maxOutput})
	}
	if err != nil {
		return out.Bytes(), c.wrap(ctx, fmt.Sprintf("run %q", command), err)
	}
	return out.Bytes(), nil
}

// Close ends the connection.
func (c *Client) Close() error { return c.client.Close() }

// Run logs in, runs one command and logs out, all within ctx's deadline;
// its output is capped as Client.Run's.
func Run(ctx context.Context, t Target, command string, stdin io.Reader, opts ...Option) ([]byte, error) {
	c, err := Dial(ctx, t)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Run(ctx, command, stdin, opts...)
}

// wrap names what failed; past the deadline, it says so instead of the
// closed connection's error.
func (c *Client) wrap(ctx context.Context, what string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s on %s: %w", what, c.target.Addr, ctxErr)
	}
	// The connection's deadline may strike a moment before ctx's timer.
	if deadline, ok := ctx.Deadline(); ok && !time.Now().Before(deadline) {
		return fmt.Errorf("%s on %s: %w", what, c.target.Addr, context.DeadlineExceeded)
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		return fmt.Errorf("%s on %s: %w", what, c.target.Addr, context.DeadlineExceeded)
	}
	return fmt.Errorf("%s on %s: %w", what, c.target.Addr, err)
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
