package usernet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// freePort returns a 127.0.0.1 port free a moment ago.
func freePort(t *testing.T, network string) string {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().String()
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serveEcho answers each connection accepted on ln with "echo: " and the
// first line it reads.
func serveEcho(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			buf := make([]byte, 64)
			n, _ := c.Read(buf)
			_, _ = c.Write(append([]byte("echo: "), buf[:n]...))
		}()
	}
}

// reflect makes v a mirror for the gateway. The stack does not deliver
// packets to its own addresses itself (v0.8.9 has no HandleLocal, and
// turning it on drops every packet in promiscuous mode): it sends them to
// the switch, to its own MAC address. v claims that address (one frame from
// it teaches the switch where it is) and sends every frame to it back, so
// a connection from a port forward to a Listen on the gateway goes through
// a machine's connection, as hyperkit frames, and returns: TCP through the
// network without a TCP stack in the test.
func reflect(t *testing.T, v *vm) {
	gw := mustMAC(gatewayMAC)
	claim := append(append(bytes.Clone(broadcast), gw...), 0x88, 0xb5)
	v.send(t, claim)
	go func() {
		for {
			var n [2]byte
			if _, err := io.ReadFull(v.conn, n[:]); err != nil {
				return
			}
			f := make([]byte, binary.LittleEndian.Uint16(n[:]))
			if _, err := io.ReadFull(v.conn, f); err != nil {
				return
			}
			if !bytes.Equal(f[0:6], gw) {
				continue
			}
			if _, err := v.conn.Write(append(n[:], f...)); err != nil {
				return
			}
		}
	}()
}

// TestExposeTCP: a port forward from 127.0.0.1 reaches a listener inside
// the network, and is closed by Unexpose.
func TestExposeTCP(t *testing.T) {
	n, path := startNetwork(t, Config{})
	v := join(t, path, uuid.New())
	_ = v.conn.SetDeadline(time.Time{})
	reflect(t, v)
	inside := netip.AddrPortFrom(n.Gateway(), 2049)
	ln, err := n.Listen(inside)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go serveEcho(ln)

	host := freePort(t, "tcp")
	if err := n.Expose("tcp", host, inside.String()); err != nil {
		t.Fatal(err)
	}
	if err := n.Expose("tcp", host, inside.String()); !errors.Is(err, ErrForwarded) {
		t.Errorf("second Expose of %s: %v, want ErrForwarded", host, err)
	}
	want := []Forward{{Proto: "tcp", Host: netip.MustParseAddrPort(host), Guest: inside}}
	if got := n.Forwards(); len(got) != 1 || got[0] != want[0] {
		t.Errorf("Forwards() = %v, want %v", got, want)
	}

	c, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	reply, err := io.ReadAll(c)
	_ = c.Close()
	if string(reply) != "echo: ping" {
		t.Fatalf("reply %q, %v; want %q", reply, err, "echo: ping")
	}

	if err := n.Unexpose("tcp", host); err != nil {
		t.Fatal(err)
	}
	if err := n.Unexpose("tcp", host); !errors.Is(err, ErrNotForwarded) {
		t.Errorf("second Unexpose: %v, want ErrNotForwarded", err)
	}
	if len(n.Forwards()) != 0 {
		t.Errorf("Forwards() after Unexpose = %v", n.Forwards())
	}
	if c, err := net.DialTimeout("tcp", host, time.Second); err == nil {
		_ = c.Close()
		t.Errorf("%s still accepts connections after Unexpose", host)
	}
}

// TestExposeUDP: a UDP forward takes its host port, and Unexpose frees it.
func TestExposeUDP(t *testing.T) {
	n, _ := startNetwork(t, Config{})
	host := freePort(t, "udp")
	if err := n.Expose("udp", host, "192.168.127.2:53"); err != nil {
		t.Fatal(err)
	}
	if c, err := net.ListenPacket("udp4", host); err == nil {
		_ = c.Close()
		t.Fatalf("%s is free while forwarded", host)
	}
	if err := n.Unexpose("udp", host); err != nil {
		t.Fatal(err)
	}
	c, err := net.ListenPacket("udp4", host)
	if err != nil {
		t.Fatalf("%s still taken after Unexpose: %v", host, err)
	}
	_ = c.Close()
}

func TestExposeRefused(t *testing.T) {
	n, _ := startNetwork(t, Config{})
	taken, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, tc := range []struct{ proto, host, guest, want string }{
		{"sctp", "127.0.0.1:8080", "192.168.127.2:80", "tcp or udp"},
		{"tcp", "localhost:8080", "192.168.127.2:80", "host address"},
		{"tcp", "127.0.0.1:0", "192.168.127.2:80", "host address"},
		{"tcp", "127.0.0.1:8080", "10.0.0.2:80", "guest address"},
		{"tcp", "127.0.0.1:8080", "192.168.127.2", "guest address"},
		{"tcp", taken.Addr().String(), "192.168.127.2:80", "address already in use"},
	} {
		err := n.Expose(tc.proto, tc.host, tc.guest)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Expose(%s, %s, %s) = %v, want %q", tc.proto, tc.host, tc.guest, err, tc.want)
		}
	}
	if len(n.Forwards()) != 0 {
		t.Errorf("refused forwards listed: %v", n.Forwards())
	}
	if _, err := n.Listen(netip.MustParseAddrPort("10.0.0.1:2049")); err == nil {
		t.Error("Listen outside the subnet accepted")
	}
}
