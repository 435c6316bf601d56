//go:build e2e && bench

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/machine/libmachine/drivers/plugin/localbinary"
	rpcdriver "github.com/docker/machine/libmachine/drivers/rpc"

	"github.com/zchee/docker-machine-driver-xhyve/internal/dhcp"
	"github.com/zchee/docker-machine-driver-xhyve/internal/guestssh"
	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// figures are the benchmark's results: one sandbox run, so ratios hold.
type figures struct {
	mu   sync.Mutex
	rows []row
}

type row struct {
	What   string             `json:"what"`
	Values map[string]float64 `json:"values"`
	Text   string             `json:"text"`
}

func (f *figures) add(what, text string, values map[string]float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rows = append(f.rows, row{What: what, Text: text, Values: values})
}

// TestBench measures what users wait for and what the driver costs, beside
// a peer measured in the same run, and prints one table (also written as
// JSON to $BENCH_JSON, default bench.json at the repository root). Run it
// with `make bench`.
func TestBench(t *testing.T) {
	f := &figures{}
	defer report(t, f)
	// Groups are subtests so that one can be run alone while working on it
	// (go test -run TestBench/nfs); the table then holds its rows only.
	t.Run("machine", func(t *testing.T) {
		const name = "bench"
		benchCreate(t, f, name)
		benchGetState(t, f, name)
		benchStartStop(t, f, name)
		benchLs(t, f, name)
		benchSupervisor(t, f, name)
		dm(t, "rm", "-y", name)
	})
	t.Run("iso", func(t *testing.T) { benchISOs(t, f) })
	t.Run("footprint", func(t *testing.T) { benchFootprint(t, f) })
	t.Run("nfs", func(t *testing.T) { benchNFS(t, f) })
}

func report(t *testing.T, f *figures) {
	var b strings.Builder
	fmt.Fprintf(&b, "| figure | result |\n|---|---|\n")
	for _, r := range f.rows {
		fmt.Fprintf(&b, "| %s | %s |\n", r.What, r.Text)
	}
	fmt.Printf("\nbenchmark (one sandbox run, %s, QEMU TCG):\n%s\n", time.Now().UTC().Format(time.RFC3339), b.String())
	out := os.Getenv("BENCH_JSON")
	if out == "" {
		out = "../../bench.json"
	}
	data, err := json.MarshalIndent(map[string]any{"when": time.Now().UTC(), "rows": f.rows}, "", "  ")
	if err != nil {
		t.Errorf("encode the figures: %v", err)
		return
	}
	if err := os.WriteFile(out, append(data, '\n'), 0o644); err != nil {
		t.Errorf("write %s: %v", out, err)
	}
}

// timedLines runs docker-machine and returns when each output line arrived.
func timedLines(t *testing.T, args ...string) (map[string]time.Time, time.Time, time.Time) {
	t.Helper()
	cmd := harness.Command(t, nil, "docker-machine", args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]time.Time{}
	var all strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		all.WriteString(line + "\n")
		if _, ok := seen[line]; !ok {
			seen[line] = time.Now()
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("docker-machine %s: %v\n%s", strings.Join(args, " "), err, all.String())
	}
	return seen, start, time.Now()
}

func lineAt(t *testing.T, seen map[string]time.Time, prefix string) time.Time {
	t.Helper()
	for line, at := range seen {
		if strings.HasPrefix(line, prefix) {
			return at
		}
	}
	t.Fatalf("no output line starting %q", prefix)
	return time.Time{}
}

// benchCreate: where a create's time goes. The driver's own time is all
// but the guest's boot to SSH and docker-machine's provisioning: before
// the hypervisor starts (ISO, boot files, key, disk, MAC query, launch)
// and from the guest answering SSH to Create returning.
func benchCreate(t *testing.T, f *figures, name string) {
	var leaseAt, sshAt time.Time
	done := make(chan struct{})
	go func() { // the host's view of the guest: first lease, first SSH banner
		defer close(done)
		deadline := time.Now().Add(10 * time.Minute)
		var ip string
		for time.Now().Before(deadline) && (leaseAt.IsZero() || sshAt.IsZero()) {
			if ip == "" {
				if data, err := os.Open(harness.LeasesFile); err == nil {
					leases, _ := dhcp.Parse(data)
					data.Close()
					if len(leases) > 0 {
						ip, leaseAt = leases[0].IP.String(), time.Now()
					}
				}
			} else if c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, "22"), 200*time.Millisecond); err == nil {
				c.SetReadDeadline(time.Now().Add(time.Second))
				if line, err := bufio.NewReader(c).ReadString('\n'); err == nil && strings.HasPrefix(line, "SSH-") {
					sshAt = time.Now()
				}
				c.Close()
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	seen, start, end := timedLines(t, "create", "-d", "xhyve", name)
	<-done
	created := lineAt(t, seen, "Creating machine...")
	returned := lineAt(t, seen, "Waiting for machine to be running")
	var st struct {
		Started time.Time `json:"hypervisor_started"`
	}
	if err := jsonFile(machineFile(name, "supervisor.json"), &st); err != nil {
		t.Fatal(err)
	}
	total := end.Sub(start)
	driver := st.Started.Sub(created) + returned.Sub(sshAt)
	pct := 100 * driver.Seconds() / total.Seconds()
	f.add("create", fmt.Sprintf("total %.1f s; driver's own %.2f s (%.1f%%: %.2f s before the hypervisor starts, %.2f s from SSH answering to Create returning); guest boot to DHCP %.1f s, to SSH %.1f s; provisioning %.1f s",
		total.Seconds(), driver.Seconds(), pct, st.Started.Sub(created).Seconds(), returned.Sub(sshAt).Seconds(),
		leaseAt.Sub(st.Started).Seconds(), sshAt.Sub(st.Started).Seconds(), end.Sub(returned).Seconds()),
		map[string]float64{"total_s": total.Seconds(), "driver_s": driver.Seconds(), "driver_pct": pct,
			"boot_dhcp_s": leaseAt.Sub(st.Started).Seconds(), "boot_ssh_s": sshAt.Sub(st.Started).Seconds(), "provision_s": end.Sub(returned).Seconds()})
	if pct > 2 {
		t.Errorf("the driver's own time is %.1f%% of create, over the 2%% goal", pct)
	}
}

// stats returns the median and the maximum.
func stats(d []time.Duration) (time.Duration, time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2], d[len(d)-1]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchGetState: status through the plugin's RPC, as docker-machine asks
// it, beside the older way of telling (an SSH `exit 0` probe with the same
// Go SSH client), running and stopped.
func benchGetState(t *testing.T, f *figures, name string) {
	raw, err := os.ReadFile(machineFile(name, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var host struct{ Driver json.RawMessage }
	if err := json.Unmarshal(raw, &host); err != nil {
		t.Fatal(err)
	}
	factory := rpcdriver.NewRPCClientDriverFactory()
	defer factory.Close()
	d, err := factory.NewRPCClientDriver("xhyve", host.Driver)
	// libmachine starts the plugin by setting its marker variables in this
	// process's own environment; every docker-machine run after that would
	// inherit them and take itself for a plugin ("Unsupported driver").
	for _, k := range []string{localbinary.PluginEnvKey, localbinary.PluginEnvDriverName} {
		if uerr := os.Unsetenv(k); uerr != nil {
			t.Fatal(uerr)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	rpcTimes := func() (time.Duration, time.Duration) {
		var times []time.Duration
		for i := 0; i < 200; i++ {
			s := time.Now()
			if _, err := d.GetState(); err != nil {
				t.Fatal(err)
			}
			times = append(times, time.Since(s))
		}
		return stats(times)
	}
	ip := machineIP(t, name)
	target := guestssh.Target{Addr: net.JoinHostPort(ip, "22"), User: "docker", KeyPath: machineFile(name, "id_rsa")}
	var sshTimes []time.Duration
	for i := 0; i < 200; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s := time.Now()
		_, err := guestssh.Run(ctx, target, "exit 0", nil)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		sshTimes = append(sshTimes, time.Since(s))
	}
	sshMed, sshMax := stats(sshTimes)
	runMed, runMax := rpcTimes()
	dm(t, "stop", name)
	stopMed, stopMax := rpcTimes()
	ratio := sshMed.Seconds() / runMed.Seconds()
	f.add("GetState", fmt.Sprintf("over RPC, running: median %.2f ms, max %.2f ms; stopped: median %.2f ms, max %.2f ms (200 calls each); an SSH `exit 0` probe: median %.0f ms, max %.0f ms (200); %.0fx faster",
		ms(runMed), ms(runMax), ms(stopMed), ms(stopMax), ms(sshMed), ms(sshMax), ratio),
		map[string]float64{"running_median_ms": ms(runMed), "running_max_ms": ms(runMax), "stopped_median_ms": ms(stopMed), "stopped_max_ms": ms(stopMax),
			"ssh_median_ms": ms(sshMed), "ssh_max_ms": ms(sshMax), "ratio": ratio})
	if ratio < 100 {
		t.Errorf("GetState is only %.0fx faster than an SSH probe, under the 100x goal", ratio)
	}
}

// benchStartStop: start and stop beside the guest's own boot and poweroff,
// as its console tells them (each b2d line carries the guest's uptime).
func benchStartStop(t *testing.T, f *figures, name string) {
	s := time.Now()
	dm(t, "start", name)
	start := time.Since(s)
	boot := consoleUptime(t, name, "ssh started")
	s = time.Now()
	dm(t, "stop", name)
	stop := time.Since(s)
	poweroff := consoleUptime(t, name, "halting") - consoleUptime(t, name, "shutting down")
	f.add("start, stop", fmt.Sprintf("start %.1f s (the guest's boot to SSH: %.1f s); stop %.1f s (the guest's poweroff: %.1f s)", start.Seconds(), boot, stop.Seconds(), poweroff),
		map[string]float64{"start_s": start.Seconds(), "guest_boot_s": boot, "stop_s": stop.Seconds(), "guest_poweroff_s": poweroff})
	dm(t, "start", name)
}

// consoleUptime is the guest uptime of the last console line with marker.
func consoleUptime(t *testing.T, name, marker string) float64 {
	t.Helper()
	var up float64
	found := false
	for _, line := range strings.Split(harness.ReadFile(t, machineFile(name, "console.log")), "\n") {
		if !strings.Contains(line, "boot2docker: "+marker) {
			continue
		}
		if i := strings.LastIndex(line, "["); i >= 0 {
			if _, err := fmt.Sscanf(line[i:], "[%fs]", &up); err == nil {
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("no %q line with an uptime in %s's console", marker, name)
	}
	return up
}
