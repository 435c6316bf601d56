package usernetctl

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCheckSocketPath(t *testing.T) {
	for _, n := range []int{MaxSocketPath, MaxSocketPath + 1} {
		suffix := "/vpnkit.sock"
		dir := "/" + strings.Repeat("d", n-len(suffix)-1)
		l := Layout{Dir: dir}
		if len(l.VPNKitSocket()) != n {
			t.Fatalf("built a %d-byte path, want %d", len(l.VPNKitSocket()), n)
		}
		err := l.CheckSocketPath()
		if n <= MaxSocketPath && err != nil {
			t.Errorf("%d bytes: %v", n, err)
		}
		if n > MaxSocketPath && (err == nil || !strings.Contains(err.Error(), "is 104 bytes")) {
			t.Errorf("%d bytes: %v, want the length named", n, err)
		}
	}
}

func TestParseConfig(t *testing.T) {
	cfg := Config{IdleTimeout: Duration(90 * time.Second)}.WithDefaults()
	data, err := marshalConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"idle_timeout": "1m30s"`)) {
		t.Errorf("network.json %s", data)
	}
	got, err := ParseConfig(bytes.NewReader(data))
	if err != nil || got != cfg {
		t.Errorf("ParseConfig(%s) = %+v, %v; want %+v", data, got, err, cfg)
	}
	got, err = ParseConfig(strings.NewReader(`{}`))
	if err != nil || got.Subnet.String() != "192.168.127.0/24" || got.MTU != 1500 || time.Duration(got.IdleTimeout) != DefaultIdleTimeout {
		t.Errorf("defaults: %+v, %v", got, err)
	}
	for _, bad := range []string{``, `{"subnet":"10.0.0.1/8"}`, `{"mtu":20000}`, `{"idle_timeout":5}`, `{"idle_timeout":"-2m"}`} {
		if _, err := ParseConfig(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseConfig(%s) accepted", bad)
		}
	}
}

// serveAPI serves h on dir's API socket until the test ends.
func serveAPI(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("unix", filepath.Join(dir, "api.sock"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return NewClient(dir)
}

// TestClientReplies: error replies carry the process's message; huge or
// slow replies end in an error, not in unbounded memory or a hang.
func TestClientReplies(t *testing.T) {
	ctx := context.Background()
	c := serveAPI(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case PathStatus:
			w.WriteHeader(http.StatusConflict)
			w.Write([]byte(`{"error":"host port already forwarded"}`))
		case PathLeases:
			w.Write(bytes.Repeat([]byte(" "), maxResponse+10))
		default:
			time.Sleep(2 * time.Second)
		}
	})
	if _, err := c.Status(ctx); !errors.Is(err, ErrAPI) || !strings.Contains(err.Error(), "host port already forwarded") {
		t.Errorf("error reply: %v", err)
	}
	if _, err := c.Leases(ctx); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("huge reply: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := c.Unexpose(short, "tcp", "127.0.0.1:1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow reply: %v, want the deadline", err)
	}
}
