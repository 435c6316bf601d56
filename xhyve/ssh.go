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

// runSSH runs command in the running guest (at the address Start found)
// with stdin, within timeout, and returns its output. User text never
// becomes part of command: it travels on stdin.
func (d *Driver) runSSH(timeout time.Duration, command string, stdin []byte) (string, error) {
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
	}, command, in)
	return string(out), err
}
