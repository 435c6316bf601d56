//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The process-level tests run the test binary itself as the stand-in (when
// it is called xhyve or hyperkit) and as a fake QEMU (when it is called
// fake-qemu): no VM is booted. The fake QEMU connects to the sockets it is
// given, answers QMP with empty results, writes its pid to
// $FAKE_QEMU_DIR/qemu.pid, its arguments (one a line) to qemu.args, "cont"
// there once the vCPUs are started and a line to qmp.log for each
// system_powerdown, then waits to be killed; SIGTERM ends it with status
// 0. Its COM1 and its -netdev stream socket echo what they are sent.
func TestMain(m *testing.M) {
	switch filepath.Base(os.Args[0]) {
	case "xhyve", "hyperkit":
		main()
	case "fake-qemu":
		fakeQEMU(os.Args[1:])
	case "try-open":
		f, err := os.OpenFile(os.Args[1], os.O_RDWR, 0)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(13)
		}
		f.Close()
		os.Exit(0)
	}
	syscall.Umask(022)
	os.Exit(m.Run())
}

func fakeQEMU(args []string) {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-device" && args[i+1] == "help" {
			os.Exit(0)
		}
	}
	dir := os.Getenv("FAKE_QEMU_DIR")
	os.WriteFile(filepath.Join(dir, "qemu.args"), []byte(strings.Join(args, "\n")+"\n"), 0644)
	os.WriteFile(filepath.Join(dir, "qemu.pid"), []byte(strconv.Itoa(os.Getpid())), 0644)
	for i := 0; i+1 < len(args); i++ {
		if args[i] != "-netdev" || !strings.HasPrefix(args[i+1], "stream,") {
			continue
		}
		for _, kv := range strings.Split(args[i+1], ",") {
			if v, ok := strings.CutPrefix(kv, "addr.str="); ok {
				fd, _ := strconv.Atoi(v)
				f := os.NewFile(uintptr(fd), "stream")
				go io.Copy(f, f) // the guest sends back every frame
			}
		}
	}
	for i := 0; i+1 < len(args); i++ {
		if args[i] != "-chardev" {
			continue
		}
		var id, path string
		for _, kv := range strings.Split(args[i+1], ",") {
			if v, ok := strings.CutPrefix(kv, "id="); ok {
				id = v
			} else if v, ok := strings.CutPrefix(kv, "path="); ok {
				path = v
			}
		}
		conn, err := net.Dial("unix", path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "fake-qemu:", err)
			os.Exit(1)
		}
		switch id {
		case "qmp":
			go fakeQMP(conn, dir)
		case "com1":
			go io.Copy(conn, conn) // the guest echoes what it is sent
		}
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	<-term
	os.Exit(0)
}

func fakeQMP(conn net.Conn, dir string) {
	fmt.Fprintln(conn, `{"QMP": {"version": {}, "capabilities": []}}`)
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return
		}
		var cmd struct {
			Execute string          `json:"execute"`
			ID      json.RawMessage `json:"id"`
		}
		json.Unmarshal(line, &cmd)
		switch cmd.Execute {
		case "cont":
			os.WriteFile(filepath.Join(dir, "cont"), nil, 0644)
		case "system_powerdown":
			if f, err := os.OpenFile(filepath.Join(dir, "qmp.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0644); err == nil {
				f.WriteString("system_powerdown\n")
				f.Close()
			}
		}
		ret := `{}`
		if cmd.Execute == "human-monitor-command" {
			ret = `""`
		}
		fmt.Fprintf(conn, `{"return": %s, "id": %s}`+"\n", ret, cmd.ID)
	}
}

// rig is a directory every user may enter, holding copies of the test
// binary as xhyve, hyperkit and fake-qemu (setuid root when asked), a
// kernel file and a world-writable directory for the fake QEMU's notes.
type rig struct {
	dir, kernel, qemuDir string
}

func newRig(t *testing.T, setuid bool) *rig {
	t.Helper()
	dir, err := os.MkdirTemp("", "standin-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0755)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"xhyve", "hyperkit", "fake-qemu", "try-open"} {
		copyFile(t, self, filepath.Join(dir, name), 0755)
		if setuid && (name == "xhyve" || name == "hyperkit") {
			if err := os.Chown(filepath.Join(dir, name), 0, 0); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(filepath.Join(dir, name), 0o755|os.ModeSetuid); err != nil {
				t.Fatal(err)
			}
		}
	}
	r := &rig{dir: dir, kernel: filepath.Join(dir, "kernel"), qemuDir: filepath.Join(dir, "q")}
	if err := os.WriteFile(r.kernel, []byte("not a kernel"), 0644); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(r.qemuDir, 0o777)
	os.Chmod(r.qemuDir, 0o777|os.ModeSticky)
	return r
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// command runs the rig's prog (xhyve or hyperkit) with the fake QEMU; as
// uid/gid when uid >= 0. env adds variables.
func (r *rig) command(prog string, uid, gid int, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(r.dir, prog), args...)
	cmd.Env = append(os.Environ(), "XHYVE_STANDIN_QEMU="+filepath.Join(r.dir, "fake-qemu"),
		"FAKE_QEMU_DIR="+r.qemuDir, "TMPDIR="+r.qemuDir)
	cmd.Env = append(cmd.Env, env...)
	if uid >= 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}}
	}
	return cmd
}

// qemuPid waits for the fake QEMU to be running with its vCPUs started.
func (r *rig) qemuPid(t *testing.T, done <-chan struct{}) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(filepath.Join(r.qemuDir, "qemu.pid"))
		_, err := os.Stat(filepath.Join(r.qemuDir, "cont"))
		if pid, perr := strconv.Atoi(string(b)); perr == nil && err == nil {
			return pid
		}
		select {
		case <-done:
			t.Fatal("the stand-in ended before its VM ran")
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatal("no fake QEMU running after 20s")
	return 0
}

// alive tells whether pid is a live process (not gone, not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// procIDs returns the real and effective uid of pid.
func procIDs(pid int) (ruid, euid int) {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 3 && f[0] == "Uid:" {
			ruid, _ = strconv.Atoi(f[1])
			euid, _ = strconv.Atoi(f[2])
		}
	}
	return ruid, euid
}

// needRoot skips t unless it runs as root, and returns an ordinary user
// (XHYVE_STANDIN_TEST_USER, default nobody) for the setuid cases.
func needRoot(t *testing.T) (uid, gid int) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (setuid-root copies, another user, devpts ownership); run go test as root")
	}
	name := os.Getenv("XHYVE_STANDIN_TEST_USER")
	if name == "" {
		name = "nobody"
	}
	u, err := user.Lookup(name)
	if err != nil {
		t.Skipf("no ordinary user %q to run the stand-in as: %v", name, err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	if uid == 0 {
		t.Skipf("user %q is root", name)
	}
	return uid, gid
}

// nosuid tells whether the file system holding dir ignores setuid bits.
func nosuid(dir string) bool {
	var st syscall.Statfs_t
	return syscall.Statfs(dir, &st) == nil && st.Flags&0x2 != 0 // ST_NOSUID
}

// clearNotes removes the fake QEMU's notes between cases.
func clearNotes(r *rig) {
	os.Remove(filepath.Join(r.qemuDir, "qemu.pid"))
	os.Remove(filepath.Join(r.qemuDir, "cont"))
	os.Remove(filepath.Join(r.qemuDir, "qemu.args"))
	os.Remove(filepath.Join(r.qemuDir, "qmp.log"))
}
