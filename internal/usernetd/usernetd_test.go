package usernetd

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zchee/docker-machine-driver-xhyve/internal/usernetctl"
)

// TestMain lets the test binary act as the plugin binary's usernet
// subcommand, which usernetctl.Ensure runs.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == usernetctl.Command {
		os.Exit(Main(os.Args[2:]))
	}
	os.Exit(m.Run())
}

func testExe(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// netDir is a network directory that is stopped when the test ends.
func netDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "usernet")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := usernetctl.Stop(ctx, dir); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return dir
}

var starter = usernetctl.Starter{Interval: 10 * time.Millisecond}

func ensure(t *testing.T, dir string, cfg usernetctl.Config) (*usernetctl.Client, usernetctl.Status) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := starter.Ensure(ctx, dir, cfg, testExe(t))
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	st, err := c.Status(ctx)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	return c, st
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// waitGone waits for pid to exit (the test process reaps its children).
func waitGone(t *testing.T, pid int, within time.Duration) {
	t.Helper()
	for end := time.Now().Add(within); alive(pid); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("pid %d still runs after %s", pid, within)
		}
	}
}

// hyperkit connects to the vpnkit socket and performs hyperkit's side of
// the handshake (49-byte init each way, 41-byte command, 258-byte reply).
func hyperkit(t *testing.T, sock string, id uuid.UUID) net.Conn {
	t.Helper()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	init := append([]byte("VMN3T"), binary.LittleEndian.AppendUint32(nil, 22)...)
	init = append(init, strings.Repeat("0", 40)...)
	cmd := make([]byte, 41)
	cmd[0] = 1 // ethernet
	copy(cmd[1:], id.String())
	if _, err := c.Write(append(init, cmd...)); err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 49+258)
	if _, err := io.ReadFull(c, reply); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if reply[49] != 1 {
		t.Fatalf("handshake refused: %q", reply[49+2:49+2+int(reply[50])])
	}
	_ = c.SetDeadline(time.Time{})
	return c
}

// TestEnsureShared: concurrent Ensures start one process, later ones
// reuse it, and its files are where Layout says, the user's only.
func TestEnsureShared(t *testing.T) {
	dir := netDir(t)
	var wg sync.WaitGroup
	pids := make([]int, 4)
	for i := range pids {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := starter.Ensure(ctx, dir, usernetctl.Config{}, testExe(t))
			if err != nil {
				t.Errorf("Ensure %d: %v", i, err)
				return
			}
			st, err := c.Status(ctx)
			if err != nil {
				t.Errorf("Status %d: %v", i, err)
			}
			pids[i] = st.PID
		})
	}
	wg.Wait()
	_, st := ensure(t, dir, usernetctl.Config{})
	for i, pid := range pids {
		if pid != st.PID {
			t.Errorf("Ensure %d reached pid %d, later Ensure pid %d: want one process", i, pid, st.PID)
		}
	}
	if st.Subnet.String() != "192.168.127.0/24" || st.Gateway.String() != "192.168.127.1" || st.MTU != 1500 {
		t.Errorf("status %+v", st)
	}
	l := usernetctl.Layout{Dir: dir}
	for path, mode := range map[string]os.FileMode{dir: 0o700, l.VPNKitSocket(): 0o600, l.APISocket(): 0o600, l.PIDFile(): 0o600, l.Config(): 0o600} {
		info, err := os.Stat(path)
		if err != nil {
			t.Errorf("%v", err)
		} else if info.Mode().Perm() != mode {
			t.Errorf("%s has mode %v, want %v", path, info.Mode().Perm(), mode)
		}
	}
	if data, err := os.ReadFile(l.PIDFile()); err != nil || strings.TrimSpace(string(data)) != strconv.Itoa(st.PID) {
		t.Errorf("pidfile %q, %v; want %d", data, err, st.PID)
	}
	// A second process on the directory refuses to start.
	out, err := exec.Command(testExe(t), usernetctl.Command, dir).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), ErrAlreadyRunning.Error()) {
		t.Errorf("second process: %v, output %q; want exit status 1 and %q", err, out, ErrAlreadyRunning)
	}
	if c := usernetctl.NewClient(dir); !answers(c) {
		t.Error("the first process stopped answering after the second was refused")
	}
}

func answers(c *usernetctl.Client) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.Status(ctx)
	return err == nil
}

func decodeJSON(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
