package xhyve

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/docker/machine/libmachine/state"
	"golang.org/x/sys/unix"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
)

// TestStartFromACallerWithAnExtraPipe: a caller that waits for EOF on a pipe
// it passed down (bats, CI log capture) must get it when the command ends,
// not when the VM stops.
func TestStartFromACallerWithAnExtraPipe(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve"}, nil)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := unix.FcntlInt(w.Fd(), unix.F_SETFD, 0); err != nil { // inherited: not close-on-exec
		t.Fatal(err)
	}
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	r.SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, err := r.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("the caller's pipe: %d bytes, %v; want EOF while the VM runs", n, err)
	}
	m.assertState(state.Running)
}

// TestLeaseFileDamageIsRetried: bootpd replaces the lease file by rename; a
// damaged read while waiting for the VM's address is retried until the
// deadline instead of failing the start.
func TestLeaseFileDamageIsRetried(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve"}, nil)
	m.b.LeaseAfterMS = 400
	fakehv.SetBehavior(t, m.hv, m.b)
	if err := os.WriteFile(m.d.env.leasesPath, []byte("{\n\tip_address=192.168.64.300\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		os.WriteFile(m.d.env.leasesPath, nil, 0o644)
	}()
	if err := m.d.Create(); err != nil {
		t.Fatalf("Create with a lease file damaged for a while: %v", err)
	}
	m.assertState(state.Running)
}
