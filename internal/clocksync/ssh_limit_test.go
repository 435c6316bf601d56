package clocksync

import (
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/guestssh"
	"github.com/zchee/docker-machine-driver-xhyve/internal/guestssh/sshtest"
)

// fullAdjtimex is busybox adjtimex's longest realistic output: every line
// its full build prints, several status flags.
const fullAdjtimex = `    mode:         0
-o  offset:       0 us
-f  freq.adjust:  -1234567 (65536 = 1ppm)
    maxerror:     16000000
    esterror:     16000000
    status:       8257 (PLL | UNSYNC | NANO)
-p  timeconstant: 2
    precision:    1 us
    tolerance:    32768000
-t  tick:         10000 us
    time.tv_sec:  1796119335
    time.tv_usec: 902905
    return value: 5 (clock not synchronized)
`

// guestAnswering is an SSHGuest whose reading prints answer.
func guestAnswering(t *testing.T, answer func(io.Writer)) SSHGuest {
	addr, key := sshtest.Server(t, func(cmd string, ch io.ReadWriter) (uint32, bool) {
		if cmd == ReadCommand {
			answer(ch)
		}
		return 0, false
	})
	target := guestssh.Target{Addr: addr, User: "docker", KeyPath: key}
	return SSHGuest{Target: func() (guestssh.Target, error) { return target, nil }}
}

// TestReadingIsCapped: the supervisor reads the guest's clock every few
// seconds for the VM's life; a guest answering with 256 MiB fails the
// reading at ReadMaxOutput bytes, at once and allocating little (before:
// the whole answer was kept).
func TestReadingIsCapped(t *testing.T) {
	if ReadMaxOutput >= 1024 || ReadMaxOutput < 2*len(fullAdjtimex) {
		t.Errorf("ReadMaxOutput %d: want under 1 KiB and twice adjtimex's %d bytes", ReadMaxOutput, len(fullAdjtimex))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	good := guestAnswering(t, func(w io.Writer) { io.WriteString(w, fullAdjtimex) })
	s, err := good.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sample, err := s.Read(ctx)
	s.Close()
	if err != nil || sample.Guest.Unix() != 1796119335 {
		t.Fatalf("reading adjtimex: %+v, %v", sample, err)
	}

	flood := guestAnswering(t, func(w io.Writer) { sshtest.Flood(w, 256<<20) })
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	s, err = flood.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Read(ctx)
	s.Close()
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	grew := after.TotalAlloc - before.TotalAlloc
	t.Logf("flooded reading: %v in %s, %.1f MiB allocated", err, took, float64(grew)/(1<<20))
	var limitErr *guestssh.OutputLimitError
	if !errors.As(err, &limitErr) || limitErr.Limit != ReadMaxOutput || !strings.Contains(err.Error(), "output exceeded") {
		t.Errorf("reading a 256 MiB answer: %v; want the cap of %d bytes", err, ReadMaxOutput)
	}
	if grew > 8<<20 || took > 5*time.Second {
		t.Errorf("the flooded reading allocated %.1f MiB in %s; want under 8 MiB, under 5s", float64(grew)/(1<<20), took)
	}
}
