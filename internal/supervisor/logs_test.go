package supervisor

import (
	"errors"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
	"github.com/zchee/docker-machine-driver-xhyve/internal/logfile"
)

// TestLogsStayCapped: console and hypervisor output beyond the limit is
// rotated into NAME.1; neither file exceeds the limit.
func TestLogsStayCapped(t *testing.T) {
	const limit = 64 << 10
	v := newVM(t, fakehv.Behavior{Dialect: "xhyve", FloodBytes: 6 * limit})
	v.spec.LogLimit = limit
	if err := supervisorctl.WriteSpec(v.specAt, v.spec); err != nil {
		t.Fatal(err)
	}
	v.launch()
	v.waitFor("running", v.running)
	for _, log := range []string{v.layout.ConsoleLog(), v.layout.HypervisorLog()} {
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(logfile.Tail(log, 4096), "flood done") {
			if time.Now().After(deadline) {
				t.Fatalf("%s: flood not logged:\n%s", log, logfile.Tail(log, 1024))
			}
			time.Sleep(50 * time.Millisecond)
		}
		for _, p := range []string{log, log + ".1"} {
			info, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if info.Size() > limit {
				t.Errorf("%s is %d bytes, over the %d limit", p, info.Size(), limit)
			}
		}
		if _, err := os.Stat(log + ".2"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("more than one old file kept: %v", err)
		}
	}
}
