package vpnkit

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// SunPathSize is sizeof(sun_path) in macOS's struct sockaddr_un (Linux
// has 108): hyperkit copies path= into it with strncpy(..., size-1).
const SunPathSize = 104

// RetryInterval is hyperkit's pause between two attempts (usleep(100000)).
const RetryInterval = 100 * time.Millisecond

// SunPath is the path hyperkit really connects to: the first
// SunPathSize-1 bytes of path, silently cut (a longer path names another
// file, which usually does not exist, and hyperkit retries for ever).
func SunPath(path string) string {
	if len(path) > SunPathSize-1 {
		return path[:SunPathSize-1]
	}
	return path
}

// Connect is the connection loop of hyperkit's vpnkit_create: connect to
// the unix stream socket at SunPath(path) and perform the handshake; on any
// failure close, wait RetryInterval and start again, with no limit. A
// refused or missing socket is retried silently (hyperkit's messages about
// it are debug output, off in its builds); a failed handshake says why on
// log. It returns only on success or when ctx ends (hyperkit never gives
// up: the stand-in passes a context that never ends). A server that
// accepts and never answers blocks it, as hyperkit's reads have no
// timeout.
func Connect(ctx context.Context, path, uuid string, ip [4]byte, log io.Writer) (*net.UnixConn, VIF, error) {
	addr := &net.UnixAddr{Name: linuxName(SunPath(path)), Net: "unix"}
	for {
		conn, err := net.DialUnix("unix", nil, addr)
		if err == nil {
			stop := context.AfterFunc(ctx, func() { conn.Close() })
			vif, herr := Handshake(conn, uuid, ip, log)
			if stop() && herr == nil {
				return conn, vif, nil
			}
			conn.Close()
		}
		select {
		case <-ctx.Done():
			return nil, VIF{}, fmt.Errorf("connect to %s: %w", path, ctx.Err())
		case <-time.After(RetryInterval):
		}
	}
}

// linuxName keeps a path starting with "@" a file: Go on Linux takes such
// a name for the abstract namespace, which macOS does not have.
func linuxName(p string) string {
	if strings.HasPrefix(p, "@") {
		return "./" + p
	}
	return p
}
