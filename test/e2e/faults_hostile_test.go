//go:build e2e && faults

package e2e

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// floodingBusybox answers the supervisor's clock reading (busybox
// adjtimex, internal/clocksync) with 256 MiB; everything else goes to the
// real busybox. /usr/local/bin comes first on the SSH session's PATH.
const floodingBusybox = `#!/bin/sh
if [ "$1" = adjtimex ]; then head -c 268435456 /dev/zero | tr '\0' x; exit 0; fi
exec /usr/bin/busybox "$@"
`

// faultHostileGuest: root in the guest floods the supervisor's clock check
// (every 2 s) with 256 MiB answers and the NFS port with the audit's
// records (test/hostile, in a loop) for a minute, while the user works on
// the share from both sides. Every file goes through, the VM and its
// supervisor live on, and the supervisor does not grow.
func faultHostileGuest(t *testing.T, l *ledger) {
	const name, work = "hostile1", 60 * time.Second
	share := harness.UserTempDir(t)
	dm(t, "create", "-d", "xhyve", "--xhyve-time-sync", "2", "--xhyve-nfs-share", share, name)
	defer dm(t, "rm", "-y", name)
	guestShare := "/nfsshares" + share
	tool := buildHostile(t)
	dm(t, "scp", tool, name+":/home/docker/hostile")
	script := base64.StdEncoding.EncodeToString([]byte(floodingBusybox))
	ssh(t, name, "echo "+script+" | base64 -d | sudo tee /usr/local/bin/busybox >/dev/null && sudo chmod 755 /usr/local/bin/busybox")
	sup, hv := statusPIDsOf(t, name)
	supRSS, _, _ := procStatus(t, sup)
	flood := fmt.Sprintf("end=$(($(date +%%s)+%d)); while [ $(date +%%s) -lt $end ]; do /home/docker/hostile nfs %s %s 3s; done",
		int(work.Seconds()), nfsAddrOf(t, name), share)
	ssh(t, name, "sudo setsid sh -c '"+flood+"' >/tmp/flood.log 2>&1 </dev/null &")
	l.fault()

	peak := watchRSS(sup)
	rounds := 0
	for start := time.Now(); time.Since(start) < work; rounds++ {
		want := fmt.Sprintf("round %d from the host", rounds)
		host := filepath.Join(share, fmt.Sprintf("host-%d.txt", rounds))
		harness.WriteFile(t, host, want)
		if got, err := dmErr(t, "ssh", name, fmt.Sprintf("cat %s/host-%d.txt && echo 'round %d from the guest' > %s/guest-%d.txt", guestShare, rounds, rounds, guestShare, rounds)); err != nil || got != want {
			l.lose(t, name, fmt.Sprintf("round %d: the guest reads %q from the share during the flood (%v)", rounds, got, err))
			break
		}
		data, err := os.ReadFile(filepath.Join(share, fmt.Sprintf("guest-%d.txt", rounds)))
		if got := strings.TrimSpace(string(data)); err != nil || got != fmt.Sprintf("round %d from the guest", rounds) {
			l.lose(t, name, fmt.Sprintf("round %d: the host reads %q from the guest's file (%v)", rounds, got, err))
			break
		}
	}
	supPeak := peak()
	t.Logf("%d rounds of share work during the flood; supervisor RSS %.1f MB before, peak %.1f MB", rounds, supRSS, supPeak)
	t.Logf("the guest's flood:\n%s", harness.Indent(harness.TailString(ssh(t, name, "cat /tmp/flood.log"), 12)))
	if supPeak-supRSS > hostileSupervisorGrowth {
		t.Errorf("the supervisor grew from %.1f to %.1f MB during the flood", supRSS, supPeak)
	}
	if now, nowHV := statusPIDsOf(t, name); now != sup || nowHV != hv {
		l.lose(t, name, fmt.Sprintf("supervisor %d and hypervisor %d became %d and %d during the flood", sup, hv, now, nowHV))
	}
	if st := status(t, name); st != "Running" {
		l.lose(t, name, "status "+st+" after the flood")
	}
	if log := harness.ReadFile(t, machineFile(name, "supervisor.log")); !strings.Contains(log, "output exceeded") {
		t.Errorf("the supervisor's log does not show a clock reading cut at its cap:\n%s", harness.TailString(log, 20))
	}
}
