//go:build e2e && faults

package e2e

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/wait"
	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// ledger counts what the fault suite did, for its summary line.
type ledger struct {
	mu        sync.Mutex
	faults    int
	badInputs int
	lost      []string // machines lost or corrupted, with why
}

func (l *ledger) fault()    { l.mu.Lock(); l.faults++; l.mu.Unlock() }
func (l *ledger) badInput() { l.mu.Lock(); l.badInputs++; l.mu.Unlock() }

// lose records a machine that a fault left lost or corrupted; the test
// also fails.
func (l *ledger) lose(t *testing.T, machine, why string) {
	t.Helper()
	l.mu.Lock()
	l.lost = append(l.lost, machine+": "+why)
	l.mu.Unlock()
	t.Errorf("machine %s lost or corrupted: %s", machine, why)
}

func (l *ledger) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprintf("faults injected: %d, bad inputs tried: %d, machines lost or corrupted: %d %q",
		l.faults, l.badInputs, len(l.lost), l.lost)
}

// hypervisorsOn lists the stand-in hypervisors (not their QEMU children)
// that run disk.
func hypervisorsOn(disk string) []int {
	var pids []int
	for _, p := range processes() {
		base := filepath.Base(p.argv[0])
		if (base == "xhyve" || base == "hyperkit") && strings.Contains(strings.Join(p.argv, " "), disk) {
			pids = append(pids, p.pid)
		}
	}
	return pids
}

// pluginOf returns the pid of the plugin process docker-machine (dmPID)
// runs, or 0.
func pluginOf(dmPID int) int {
	for _, p := range processes() {
		if p.ppid == dmPID && filepath.Base(p.argv[0]) == "docker-machine-driver-xhyve" {
			return p.pid
		}
	}
	return 0
}

// startDM starts docker-machine with args and returns the running command
// and its output. exec writes one writer given as both Stdout and Stderr
// from one goroutine at a time; read it once the command has ended.
func startDM(t *testing.T, env []string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := harness.Command(t, nil, "docker-machine", args...)
	cmd.Env = append(cmd.Environ(), env...)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// waitUntil polls cond every interval until it holds or timeout passes.
func waitUntil(timeout, interval time.Duration, cond func() bool) bool {
	return wait.Until(timeout, interval, "a condition", func() (bool, error) { return cond(), nil }) == nil
}

func killPID(pid int) {
	if pid > 0 {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// damageRoot returns the ISO with its root directory moved past the end of
// the image (in both byte orders of the primary volume descriptor): no file
// can be read.
func damageRoot(t *testing.T, iso []byte) []byte {
	t.Helper()
	const pvd = 16 * 2048
	if len(iso) < pvd+2048 || string(iso[pvd+1:pvd+6]) != "CD001" {
		t.Fatal("not an ISO 9660 image")
	}
	out := append([]byte(nil), iso...)
	root := out[pvd+156 : pvd+156+34]
	binary.LittleEndian.PutUint32(root[2:6], 0x7fffffff)
	binary.BigEndian.PutUint32(root[6:10], 0x7fffffff)
	return out
}
