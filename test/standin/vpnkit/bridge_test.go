package vpnkit

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// pair is a connected pair of unix stream sockets, as the stand-in uses.
func pair(t *testing.T) (*net.UnixConn, *net.UnixConn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	var cs [2]*net.UnixConn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		cs[i] = c.(*net.UnixConn)
		t.Cleanup(func() { cs[i].Close() })
	}
	return cs[0], cs[1]
}

// rig is a bridge between a fake QEMU and a fake server.
type rig struct {
	b               *Bridge
	qemu, server    *net.UnixConn // the fakes' ends
	presses, aborts atomic.Int32
	log             syncBuffer
}

func newRig(t *testing.T, max uint16) *rig {
	r := &rig{}
	qemu, ours := pair(t)
	server, client := pair(t)
	r.qemu, r.server = qemu, server
	r.b = &Bridge{Server: client, QEMU: ours, VIF: VIF{MTU: 1500, MaxPacketSize: max},
		PowerButton: func() { r.presses.Add(1) }, Abort: func() { r.aborts.Add(1) }, Log: &r.log}
	return r
}

func be4(n int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }
func le2(n int) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(n)) }

func readN(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("reading %d bytes: %v", n, err)
	}
	return b
}

// TestToServer: QEMU's 4-byte big-endian frames reach the server behind a
// 2-byte little-endian length, short ones padded with zeros to 60.
func TestToServer(t *testing.T) {
	r := newRig(t, 1514)
	done := make(chan error, 1)
	go func() { done <- r.b.ToServer() }()
	short := []byte("0123456789abcd") // 14 bytes: a bare Ethernet header
	full := bytes.Repeat([]byte{0xa5}, 1514)
	r.qemu.Write(append(be4(len(short)), short...))
	r.qemu.Write(append(be4(len(full)), full...))
	want := append(le2(60), append(short, make([]byte, 46)...)...)
	want = append(want, append(le2(1514), full...)...)
	if got := readN(t, r.server, len(want)); !bytes.Equal(got, want) {
		t.Errorf("server got %x\nwant %x", got, want)
	}
	r.qemu.CloseWrite()
	if err := <-done; err != nil || r.aborts.Load() != 0 || r.presses.Load() != 0 {
		t.Errorf("ToServer = %v, %d aborts, %d presses", err, r.aborts.Load(), r.presses.Load())
	}
}

// TestToServerOversize: a frame over max_packet_size, counted after the
// padding, is hyperkit's failing assert; nothing of it reaches the server.
func TestToServerOversize(t *testing.T) {
	for _, tc := range []struct {
		max, frame int
	}{{1514, 1515}, {59, 14}, {1514, 70000}} {
		r := newRig(t, uint16(tc.max))
		done := make(chan error, 1)
		go func() { done <- r.b.ToServer() }()
		r.qemu.Write(be4(tc.frame))
		select {
		case err := <-done:
			if err != ErrAborted || r.aborts.Load() != 1 {
				t.Errorf("max %d, frame %d: %v, %d aborts", tc.max, tc.frame, err, r.aborts.Load())
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("max %d, frame %d: no abort", tc.max, tc.frame)
		}
		r.b.Server.(*net.UnixConn).Close()
		if b, _ := io.ReadAll(r.server); len(b) != 0 {
			t.Errorf("max %d, frame %d: the server got %x", tc.max, tc.frame, b)
		}
	}
}

// TestToServerWriteError: when the server has gone, every frame presses
// the power button again and the bridge goes on reading.
func TestToServerWriteError(t *testing.T) {
	r := newRig(t, 1514)
	r.server.Close()
	done := make(chan error, 1)
	go func() { done <- r.b.ToServer() }()
	for i := 0; i < 2; i++ {
		r.qemu.Write(append(be4(60), make([]byte, 60)...))
	}
	r.qemu.CloseWrite()
	if err := <-done; err != nil || r.presses.Load() != 2 {
		t.Errorf("ToServer = %v, %d presses; want nil, 2", err, r.presses.Load())
	}
	if !strings.Contains(r.log.String(), "virtio-net-vpnkit: write error: ") {
		t.Errorf("log %q", r.log.String())
	}
}

// TestToQEMU: the server's 2-byte little-endian frames reach QEMU behind a
// 4-byte big-endian length; at the server's EOF the power button is
// pressed once and the receive side stops.
func TestToQEMU(t *testing.T) {
	for _, cut := range []int{0, 3} { // EOF between frames, and inside one
		r := newRig(t, 1514)
		done := make(chan struct{})
		go func() { r.b.ToQEMU(); close(done) }()
		big := bytes.Repeat([]byte{7}, 0xffff)
		r.server.Write(append(le2(3), "abc"...))
		r.server.Write(append(le2(len(big)), big...))
		r.server.Write(le2(0)) // an empty frame goes through as one
		want := append(be4(3), "abc"...)
		want = append(want, append(be4(len(big)), big...)...)
		want = append(want, be4(0)...)
		if got := readN(t, r.qemu, len(want)); !bytes.Equal(got, want) {
			t.Errorf("qemu got %d bytes, want %d", len(got), len(want))
		}
		if cut > 0 {
			r.server.Write(append(le2(100), "xyz"...))
		}
		r.server.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("ToQEMU did not stop at the server's EOF")
		}
		if r.presses.Load() != 1 || !strings.Contains(r.log.String(), "virtio-net-vpnkit: read EOF\n") {
			t.Errorf("cut %d: %d presses, log %q", cut, r.presses.Load(), r.log.String())
		}
	}
}
