package supervisor

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
)

// TestNoInheritedDescriptors: a caller that waits for EOF on a pipe it gave
// docker-machine (bats, CI log capture, $(...)) must get it when the
// command ends, not when the VM stops.
func TestNoInheritedDescriptors(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve"})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// As inherited from a parent: not close-on-exec.
	if _, err := unix.FcntlInt(w.Fd(), unix.F_SETFD, 0); err != nil {
		t.Fatal(err)
	}
	v.launch()
	v.waitFor("running", v.running)
	w.Close()
	r.SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, err := r.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("read of the caller's pipe: %d bytes, %v; want EOF: the VM's processes hold the pipe", n, err)
	}
}
