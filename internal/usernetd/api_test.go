package usernetd

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zchee/docker-machine-driver-xhyve/internal/usernetctl"
)

// freePort returns a TCP port of 127.0.0.1 that nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestAPI: expose, unexpose, leases and the connected machines, through
// the client, as the driver will call them.
func TestAPI(t *testing.T) {
	dir := netDir(t)
	c, _ := ensure(t, dir, usernetctl.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	host := freePort(t)
	f, err := c.Expose(ctx, "tcp", host, "192.168.127.2:22")
	if err != nil {
		t.Fatalf("Expose: %v", err)
	}
	if f.Proto != "tcp" || f.Host.String() != host || f.Guest.String() != "192.168.127.2:22" {
		t.Errorf("Expose returned %+v", f)
	}
	// The host port is taken at once.
	if conn, err := net.Dial("tcp", host); err != nil {
		t.Errorf("dial the forwarded port: %v", err)
	} else {
		conn.Close()
	}
	if _, err := c.Expose(ctx, "tcp", host, "192.168.127.3:22"); !errors.Is(err, usernetctl.ErrAPI) || !strings.Contains(err.Error(), "already forwarded") {
		t.Errorf("second Expose of %s: %v, want already forwarded", host, err)
	}
	if _, err := c.Expose(ctx, "tcp", "127.0.0.1:1", "10.0.0.1:22"); err == nil || !strings.Contains(err.Error(), "guest address") {
		t.Errorf("Expose to an address outside the subnet: %v", err)
	}
	st, err := c.Status(ctx)
	if err != nil || len(st.Forwards) != 1 || st.Forwards[0] != f {
		t.Errorf("Status forwards %+v, %v; want [%+v]", st.Forwards, err, f)
	}
	if err := c.Unexpose(ctx, "tcp", host); err != nil {
		t.Fatalf("Unexpose: %v", err)
	}
	if conn, err := net.Dial("tcp", host); err == nil {
		conn.Close()
		t.Error("the host port still listens after Unexpose")
	}
	if err := c.Unexpose(ctx, "tcp", host); err == nil || !strings.Contains(err.Error(), "not forwarded") {
		t.Errorf("second Unexpose: %v, want not forwarded", err)
	}
	if ls, err := c.Leases(ctx); err != nil || len(ls) != 0 {
		t.Errorf("Leases = %v, %v; want none", ls, err)
	}
	mac, _ := net.ParseMAC("02:00:00:00:00:01")
	if _, ok, err := c.LeaseOf(ctx, mac); ok || err != nil {
		t.Errorf("LeaseOf a MAC without a lease: %v, %v", ok, err)
	}
	id := uuid.New()
	hyperkit(t, c.Layout().VPNKitSocket(), id)
	st, err = c.Status(ctx)
	if err != nil || !slices.Equal(st.Connected, []string{id.String()}) {
		t.Errorf("connected %v, %v; want [%s]", st.Connected, err, id)
	}
}

// TestBadRequests: malformed, oversized and misdirected requests get a
// 4xx with a JSON message, and the process keeps serving.
func TestBadRequests(t *testing.T) {
	dir := netDir(t)
	c, _ := ensure(t, dir, usernetctl.Config{})
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", c.Layout().APISocket())
		},
	}, Timeout: 5 * time.Second}
	long := strings.Repeat("1", usernetctl.MaxFieldLen+1)
	for _, tc := range []struct {
		name, method, path, body string
		code                     int
	}{
		{"GET of expose", http.MethodGet, "/expose", "", http.StatusMethodNotAllowed},
		{"POST of status", http.MethodPost, "/status", "{}", http.StatusMethodNotAllowed},
		{"unknown path", http.MethodGet, "/nope", "", http.StatusNotFound},
		{"truncated JSON", http.MethodPost, "/expose", `{"proto":`, http.StatusBadRequest},
		{"not an object", http.MethodPost, "/expose", `[1,2]`, http.StatusBadRequest},
		{"unknown field", http.MethodPost, "/expose", `{"proto":"tcp","x":1}`, http.StatusBadRequest},
		{"trailing data", http.MethodPost, "/unexpose", `{"proto":"tcp","host":"127.0.0.1:1"} {}`, http.StatusBadRequest},
		{"long field", http.MethodPost, "/expose", `{"proto":"tcp","host":"` + long + `","guest":"192.168.127.2:1"}`, http.StatusBadRequest},
		{"bad protocol", http.MethodPost, "/expose", `{"proto":"sctp","host":"127.0.0.1:1","guest":"192.168.127.2:1"}`, http.StatusBadRequest},
		{"bad host", http.MethodPost, "/expose", `{"proto":"tcp","host":"localhost","guest":"192.168.127.2:1"}`, http.StatusBadRequest},
		{"oversized", http.MethodPost, "/expose", `{"proto":"` + strings.Repeat("a", usernetctl.MaxRequestBody) + `"}`, http.StatusRequestEntityTooLarge},
		{"unexpose of nothing", http.MethodPost, "/unexpose", `{"proto":"udp","host":"127.0.0.1:1"}`, http.StatusNotFound},
	} {
		req, err := http.NewRequest(tc.method, "http://usernet"+tc.path, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var e usernetctl.Error
		derr := decodeJSON(resp, &e)
		if resp.StatusCode != tc.code || (tc.code != http.StatusNotFound || tc.path != "/nope") && (derr != nil || e.Message == "") {
			t.Errorf("%s: %s, message %q (%v); want %d with a message", tc.name, resp.Status, e.Message, derr, tc.code)
		}
	}
	if !answers(c) {
		t.Error("the process stopped answering after bad requests")
	}
}
