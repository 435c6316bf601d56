package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/nfsserver"
)

// TestAuditSizes: the two calls are the audit's, byte for byte in length.
func TestAuditSizes(t *testing.T) {
	if len(nullHugeCred) != 44 || len(mountHugePath) != 48 {
		t.Errorf("null call %d bytes, mount call %d; the audit's were 44 and 48", len(nullHugeCred), len(mountHugePath))
	}
	for i := range 5 {
		if m := malformed(i); len(m) < 8 {
			t.Errorf("malformed record %d is %d bytes", i, len(m))
		}
	}
}

// TestAgainstTheServer runs every attack against the real server on
// loopback, the way the e2e suite runs them from a guest. The server serves
// reserved source ports only, which only root may bind.
func TestAgainstTheServer(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("binding reserved source ports needs root")
	}
	share := t.TempDir()
	srv, err := nfsserver.New(nfsserver.Config{
		Shares:  []string{share},
		Allowed: func() (net.IP, error) { return net.IPv4(127, 0, 0, 1), nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	h := &hostile{d: newDialer(l.Addr().String()), share: share}
	if err := h.all(time.Second); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(share, "hostile.bin")); err != nil || fi.Size() != 0 {
		t.Errorf("the attacked file: %v, %v", fi, err)
	}
}
