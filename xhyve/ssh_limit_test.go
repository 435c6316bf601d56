package xhyve

import (
	"errors"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/guestssh"
	"github.com/zchee/docker-machine-driver-xhyve/internal/guestssh/sshtest"
	"github.com/zchee/docker-machine-driver-xhyve/internal/nfs"
)

// TestGuestOutputIsCapped: every command the driver runs in the guest
// reads a bounded answer: a guest that floods the bootsync read, the write
// or the mount fails the command at its cap, without the rest.
func TestGuestOutputIsCapped(t *testing.T) {
	addr, key := sshtest.Server(t, func(cmd string, ch io.ReadWriter) (uint32, bool) {
		sshtest.Flood(ch, 256<<20)
		return 0, false
	})
	host, port, _ := net.SplitHostPort(addr)
	store := t.TempDir()
	d := NewDriver("dev", store)
	d.env = testEnv(t, store)
	d.IPAddress, d.SSHKeyPath = host, key
	d.SSHPort, _ = strconv.Atoi(port)
	for _, tt := range []struct {
		command string
		cap     int
	}{
		{nfs.ReadBootsyncCommand, bootsyncMaxOutput},
		{nfs.WriteBootsyncCommand, sshMaxOutput},
		{nfs.MountCommand, sshMaxOutput},
	} {
		start := time.Now()
		out, err := d.runSSH(10*time.Second, tt.command, nil, tt.cap)
		var limitErr *guestssh.OutputLimitError
		if !errors.As(err, &limitErr) || limitErr.Limit != tt.cap || len(out) > tt.cap || !strings.Contains(err.Error(), "output exceeded") {
			t.Errorf("%s answered with 256 MiB: %d bytes, %v; want the cap of %d", tt.command, len(out), err, tt.cap)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s: gave up after %s", tt.command, took)
		}
	}
}

// TestSSHProbeReadsABoundedBanner: the probe of the guest's SSH port reads
// one identification line (RFC 4253: 255 bytes at most); a guest sending
// an endless line is refused after that, not buffered for 5 s.
func TestSSHProbeReadsABoundedBanner(t *testing.T) {
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
			go func() {
				defer c.Close()
				sshtest.Flood(c, 256<<20)
			}()
		}
	}()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	err = probeSSH(l.Addr().String())
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	grew := float64(after.TotalAlloc-before.TotalAlloc) / (1 << 20)
	if err == nil || took > 2*time.Second || grew > 8 {
		t.Errorf("probe of an endless banner: %v after %s, %.1f MiB allocated; want a quick refusal", err, took, grew)
	}
}
