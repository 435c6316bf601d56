package usernetd

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/usernet"
	"github.com/zchee/docker-machine-driver-xhyve/internal/usernetctl"
)

// TestIdleRefusesRequests: a request resets the idle clock, and once the
// process has decided to exit it answers 503, so Ensure never hands out a
// process that is about to go (it waits for the exit and starts another).
func TestIdleRefusesRequests(t *testing.T) {
	n, err := usernet.New(usernet.Config{})
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{net: n, cfg: usernetctl.Config{}.WithDefaults(), lastUse: time.Now().Add(-time.Hour)}
	h := d.handler()
	get := func() int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, usernetctl.PathStatus, nil))
		return w.Code
	}
	if code := get(); code != http.StatusOK {
		t.Fatalf("status: %d", code)
	}
	if d.idle(time.Minute) {
		t.Fatal("idle right after a request")
	}
	d.mu.Lock()
	d.lastUse = time.Now().Add(-2 * time.Minute)
	d.mu.Unlock()
	if !d.idle(time.Minute) {
		t.Fatal("not idle two minutes after the last use")
	}
	if code := get(); code != http.StatusServiceUnavailable {
		t.Errorf("status after the idle decision: %d, want 503", code)
	}
	if !d.idle(time.Minute) {
		t.Error("a refused request undid the idle decision")
	}
}
