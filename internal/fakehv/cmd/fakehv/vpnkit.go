package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/google/uuid"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/vpnkit"
)

// setupVpnkit is the virtio-vpnkit device's setup (docs/facts.md §9), with
// the stand-in's client of the protocol: a refused option ends the process
// as hyperkit's NULL dereference does (SIGSEGV, pidfile left); otherwise it
// connects with hyperkit's endless retry and handshake, blocking until a
// network answers. The returned channel is closed when the network ends
// the connection: hyperkit then presses the power button. Without the
// device it is nil, which never fires.
func (a args) setupVpnkit() <-chan struct{} {
	if a.vpnkit == nil {
		return nil
	}
	if a.vpnkitErr != nil {
		fmt.Fprintln(os.Stderr, a.vpnkitErr)
		syscall.Kill(os.Getpid(), syscall.SIGSEGV)
		select {}
	}
	id := a.vpnkit.UUID
	if id == "" {
		id = strings.ToUpper(uuid.NewString()) // hyperkit draws one per start
	}
	conn, _, err := vpnkit.Connect(context.Background(), a.vpnkit.Path, id, a.vpnkit.PreferredIPv4, os.Stderr)
	if err != nil {
		die("vpnkit: %v", err) // only a context that ends gets here
	}
	gone := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn) // the guest's network: frames are dropped
		fmt.Fprintln(os.Stderr, "virtio-net-vpnkit: read EOF")
		close(gone)
	}()
	return gone
}
