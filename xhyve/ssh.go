package xhyve

import (
	"bytes"
	"context"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/guestssh"
)

// Caps on what a command run in the guest, which is not trusted, may
// print: the user's bootsync.sh, which setupShares reads to edit its own
// block in it (a larger one fails the read and is left as it is), and the
// others' messages.
const (
	bootsyncMaxOutput = 256 << 10
	sshMaxOutput      = 64 << 10
)

// runSSH runs command in the running guest (at the address Start found)
// with stdin, within timeout, and returns its output, failing once it
// exceeds maxOutput bytes. User text never becomes part of command: it
// travels on stdin.
func (d *Driver) runSSH(timeout time.Duration, command string, stdin []byte, maxOutput int) (string, error) {
	port, err := d.GetSSHPort()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var in io.Reader
	if stdin != nil {
		in = bytes.NewReader(stdin)
	}
	out, err := guestssh.Run(ctx, guestssh.Target{
		Addr:    net.JoinHostPort(d.IPAddress, strconv.Itoa(port)),
		User:    d.GetSSHUsername(),
		KeyPath: d.GetSSHKeyPath(),
	}, command, in, guestssh.MaxOutput(maxOutput))
	return string(out), err
}
