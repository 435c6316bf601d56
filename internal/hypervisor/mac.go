package hypervisor

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"time"
)

// QueryMAC asks the hypervisor which MAC vmnet gives the interface of uuid:
// `-M` prints it during virtio-net setup and exits before booting anything.
// ctx bounds the run (the caller's deadline).
func QueryMAC(ctx context.Context, path, uuid string) (net.HardwareAddr, error) {
	start := time.Now()
	var stdout, stderr bytes.Buffer
	// -M exits while the virtio-net device is set up, so /dev/null can stand
	// in for the kernel (docs/facts.md §3).
	cmd := exec.CommandContext(ctx, path, "-M", "-U", uuid, "-s", pciNet, "-f", kexec("/dev/null", "", ""))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("query MAC with %s -M: no answer within %s: %w", path, time.Since(start).Round(time.Second), ctx.Err())
	}
	mac, err := ParseMACOutput(stdout.Bytes())
	if err != nil {
		out := strings.TrimSpace(stdout.String() + "\n" + stderr.String())
		if runErr != nil {
			return nil, fmt.Errorf("query MAC with %s -M: %w: %s (vmnet needs root: see the README on setuid)", path, runErr, out)
		}
		return nil, fmt.Errorf("query MAC with %s -M: %w: %s", path, err, out)
	}
	return mac, nil
}

// ParseMACOutput finds the `MAC: xx:xx:xx:xx:xx:xx` line; vmnet errors are
// printed on stdout too, so any other line is ignored.
func ParseMACOutput(out []byte) (net.HardwareAddr, error) {
	for raw := range bytes.Lines(out) { // no line-length limit, unlike a Scanner
		line := strings.TrimSpace(string(raw))
		v, ok := strings.CutPrefix(line, "MAC: ")
		if !ok {
			continue
		}
		mac, err := net.ParseMAC(strings.TrimSpace(v))
		if err != nil || len(mac) != 6 {
			return nil, fmt.Errorf("bad MAC line %q", line)
		}
		return mac, nil
	}
	return nil, fmt.Errorf("no \"MAC: \" line in the output")
}
