package usernetd

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zchee/docker-machine-driver-xhyve/internal/lockfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/proc"
	"github.com/zchee/docker-machine-driver-xhyve/internal/usernetctl"
)

// TestIdleExit: the process runs while a VM is connected, however long,
// and exits the idle time after the last one left, removing its sockets
// and pidfile; its log says why, without gvisor-tap-vsock's error line
// for the disconnect.
func TestIdleExit(t *testing.T) {
	const idle = 300 * time.Millisecond
	dir := netDir(t)
	c, st := ensure(t, dir, usernetctl.Config{IdleTimeout: usernetctl.Duration(idle)})
	l := c.Layout()
	vm := hyperkit(t, l.VPNKitSocket(), uuid.New())
	time.Sleep(4 * idle)
	if !alive(st.PID) {
		t.Fatalf("the process exited with a VM connected")
	}
	vm.Close()
	waitGone(t, st.PID, 10*idle+2*time.Second)
	for _, p := range []string{l.VPNKitSocket(), l.APISocket(), l.PIDFile()} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind: %v", p, err)
		}
	}
	log, err := os.ReadFile(l.Log())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"joined", "disconnected", "no VM for " + idle.String()} {
		if !strings.Contains(string(log), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(string(log), "level=error") {
		t.Errorf("log has gvisor-tap-vsock's disconnect error:\n%s", log)
	}
}

// TestIdleWithoutVMs: a process no VM ever used exits after the idle time.
func TestIdleWithoutVMs(t *testing.T) {
	dir := netDir(t)
	_, st := ensure(t, dir, usernetctl.Config{IdleTimeout: usernetctl.Duration(200 * time.Millisecond)})
	waitGone(t, st.PID, 3*time.Second)
}

// TestRestartAfterKill: after kill -9 (sockets and pidfile left behind),
// Ensure starts a new process; Stop ends it and cleans up.
func TestRestartAfterKill(t *testing.T) {
	dir := netDir(t)
	c, st := ensure(t, dir, usernetctl.Config{})
	if err := syscall.Kill(st.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, st.PID, 3*time.Second)
	if _, err := os.Lstat(c.Layout().VPNKitSocket()); err != nil {
		t.Fatalf("kill -9 should leave the socket: %v", err)
	}
	if answers(c) {
		t.Fatal("a killed process answers")
	}
	c, st2 := ensure(t, dir, usernetctl.Config{})
	if st2.PID == st.PID {
		t.Fatalf("Ensure returned the killed pid %d", st.PID)
	}
	hyperkit(t, c.Layout().VPNKitSocket(), uuid.New())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := usernetctl.Stop(ctx, dir); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	waitGone(t, st2.PID, time.Second)
	if _, err := os.Lstat(c.Layout().APISocket()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("api.sock after Stop: %v", err)
	}
	if err := usernetctl.Stop(ctx, dir); err != nil {
		t.Errorf("Stop of a stopped network: %v", err)
	}
}

// TestRefusals: Ensure refuses a socket path hyperkit cannot use and a
// subnet other than the store's, running or not.
func TestRefusals(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	long := filepath.Join(t.TempDir(), strings.Repeat("d", 100), "usernet")
	_, err := starter.Ensure(ctx, long, usernetctl.Config{}, testExe(t))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(long, "vpnkit.sock")) || !strings.Contains(err.Error(), "MACHINE_STORAGE_PATH") {
		t.Errorf("Ensure on a long path: %v", err)
	}
	if _, err := os.Stat(long); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Ensure on a long path created it: %v", err)
	}

	dir := netDir(t)
	other := usernetctl.Config{Subnet: mustPrefix("10.77.0.0/16")}
	_, st := ensure(t, dir, usernetctl.Config{})
	_, err = starter.Ensure(ctx, dir, other, testExe(t))
	if err == nil || !strings.Contains(err.Error(), "192.168.127.0/24") || !strings.Contains(err.Error(), "10.77.0.0/16") {
		t.Errorf("Ensure with another subnet while running: %v", err)
	}
	if _, err := starter.Ensure(ctx, dir, usernetctl.Config{}, testExe(t)); err != nil {
		t.Errorf("Ensure without a subnet joins the running network: %v", err)
	}
	if err := usernetctl.Stop(ctx, dir); err != nil {
		t.Fatal(err)
	}
	waitGone(t, st.PID, time.Second)
	_, err = starter.Ensure(ctx, dir, other, testExe(t))
	if err == nil || !strings.Contains(err.Error(), "network.json") {
		t.Errorf("Ensure with another subnet than network.json's: %v", err)
	}

	// Without a subnet, a new process takes the one network.json records.
	dir2 := netDir(t)
	_, st = ensure(t, dir2, other)
	if err := usernetctl.Stop(ctx, dir2); err != nil {
		t.Fatal(err)
	}
	waitGone(t, st.PID, time.Second)
	if _, st = ensure(t, dir2, usernetctl.Config{}); st.Subnet != other.Subnet {
		t.Errorf("restarted without a subnet on %s, want the recorded %s", st.Subnet, other.Subnet)
	}
}

// TestBadConfig: the process refuses a damaged or invalid network.json
// with a message naming the file, and a missing directory argument.
func TestBadConfig(t *testing.T) {
	for _, tc := range []struct{ name, json, want string }{
		{"corrupt", `{"subnet": "192.168.`, "unexpected end of JSON"},
		{"not private", `{"subnet": "8.8.8.0/24"}`, "not inside a private range"},
		{"bad MTU", `{"subnet": "10.1.0.0/24", "mtu": 9000}`, "MTU 9000"},
		{"bad idle", `{"idle_timeout": "soon"}`, "idle_timeout"},
		{"negative idle", `{"idle_timeout": "-1s"}`, "negative"},
		{"huge", `{"subnet": "` + strings.Repeat(" ", 8<<10) + `"}`, "more than"},
	} {
		dir := t.TempDir()
		l := usernetctl.Layout{Dir: dir}
		if err := os.WriteFile(l.Config(), []byte(tc.json), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(testExe(t), usernetctl.Command, dir).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), tc.want) || !strings.Contains(string(out), l.Config()) {
			t.Errorf("%s: %v, output %q; want exit status 1, %q and the file's name", tc.name, err, out, tc.want)
		}
		if _, err := os.Lstat(l.APISocket()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: api.sock exists: %v", tc.name, err)
		}
	}
}

// TestEnsureWaitsForExitingProcess: a process that holds the directory
// without answering (starting, or exiting when idle) is waited for, not
// doubled; once it is gone Ensure starts one. An oversized log is rotated
// at that start.
func TestEnsureWaitsForExitingProcess(t *testing.T) {
	dir := netDir(t)
	l := usernetctl.Layout{Dir: dir}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.Log(), make([]byte, 2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	lk, err := lockfile.File(l.ProcessLock(), lockfile.Options{Flag: os.O_CREATE | os.O_RDWR, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	released := make(chan time.Time, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		released <- time.Now()
		lk.Unlock()
	}()
	_, st := ensure(t, dir, usernetctl.Config{})
	at := <-released
	info, err := proc.Get(st.PID)
	if err != nil {
		t.Fatal(err)
	}
	if info.Start.Before(at.Add(-time.Second)) { // start times are in clock ticks
		t.Errorf("the process started at %s, before the holder left at %s", info.Start, at)
	}
	if old, err := os.Stat(l.Log() + ".1"); err != nil || old.Size() != 2<<20 {
		t.Errorf("rotated log: %v", err)
	}
	if cur, err := os.Stat(l.Log()); err != nil || cur.Size() > 64<<10 {
		t.Errorf("new log: %v, %v", cur, err)
	}
}
