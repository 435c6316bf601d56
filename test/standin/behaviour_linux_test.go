//go:build linux

package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// started is a stand-in running with its stdout on a pipe.
type started struct {
	cmd    *exec.Cmd
	out    *os.File // read end of stdout
	stderr bytes.Buffer
	done   chan struct{}
}

func start(t *testing.T, cmd *exec.Cmd) *started {
	t.Helper()
	s := &started{cmd: cmd, done: make(chan struct{})}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, &s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	s.out = r
	go func() { cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-s.done; r.Close() })
	return s
}

// pending returns what stdout has delivered so far without blocking.
func (s *started) pending() string {
	fd := int(s.out.Fd()) // (Fd makes the file blocking: call it once)
	unix.SetNonblock(fd, true)
	buf := make([]byte, 4096)
	n, _ := unix.Read(fd, buf)
	unix.SetNonblock(fd, false)
	if n < 0 {
		n = 0
	}
	return string(buf[:n])
}

// finish waits for the end and returns the rest of stdout and the status.
func (s *started) finish(t *testing.T) (string, int) {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the stand-in did not end within 20s")
	}
	b, _ := io.ReadAll(s.out)
	return string(b), s.cmd.ProcessState.ExitCode()
}

func run1(t *testing.T, cmd *exec.Cmd) (stdout string, code int, s *started) {
	t.Helper()
	s = start(t, cmd)
	stdout, code = s.finish(t)
	return stdout, code, s
}

var connected = regexp.MustCompile(`^COM1 connected to (/dev/pts/\d+)$`)

// TestAutoptyFileAndBufferedStdout: hyperkit's autopty=PATH leaves a
// regular file, mode 0644, with the pty's name and no newline; "linkname
// PATH" comes before "COM1 connected to ..."; through a pipe both arrive
// only when the process exits through exit(3) (here: QEMU ended).
func TestAutoptyFileAndBufferedStdout(t *testing.T) {
	r := newRig(t, false)
	link := filepath.Join(r.qemuDir, "tty")
	os.Symlink("/nonexistent", link) // an old link is replaced by a file
	s := start(t, r.command("hyperkit", -1, 0, nil, "-s", "31,lpc", "-l", "com1,autopty="+link, "-f", "kexec,"+r.kernel))
	qpid := r.qemuPid(t, s.done)
	st, err := os.Lstat(link)
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0644 {
		t.Fatalf("autopty file %s: %v, %v; want a regular file, mode 0644", link, st.Mode(), err)
	}
	name, _ := os.ReadFile(link)
	if !regexp.MustCompile(`^/dev/pts/\d+$`).Match(name) {
		t.Errorf("autopty file holds %q, want the pty's name and no newline", name)
	}
	if p := s.pending(); p != "" {
		t.Errorf("stdout is a pipe, yet %q arrived before exit", p)
	}
	syscall.Kill(qpid, syscall.SIGTERM) // QEMU ends: the stand-in exits 1
	out, code := s.finish(t)
	want := "linkname " + link + "\nCOM1 connected to " + string(name) + "\n"
	if out != want || code != 1 {
		t.Errorf("stdout %q, status %d; want %q, 1", out, code, want)
	}
}

// TestStdoutLostOnSignal: killed by a signal, the buffered lines never come.
func TestStdoutLostOnSignal(t *testing.T) {
	r := newRig(t, false)
	s := start(t, r.command("xhyve", -1, 0, nil, "-s", "31,lpc", "-l", "com1,autopty", "-f", "kexec,"+r.kernel+",,"))
	r.qemuPid(t, s.done)
	s.cmd.Process.Signal(syscall.SIGHUP)
	if out, _ := s.finish(t); out != "" {
		t.Errorf("stdout %q after SIGHUP, want nothing (the buffer dies with the process)", out)
	}
}

// TestStdoutLineBufferedOnTTY: with a terminal as stdout, each line comes
// at once.
func TestStdoutLineBufferedOnTTY(t *testing.T) {
	r := newRig(t, false)
	master, slavePath, slave, err := openPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(master)
	defer unix.Close(slave)
	tty, err := os.OpenFile(slavePath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	cmd := r.command("xhyve", -1, 0, nil, "-s", "31,lpc", "-l", "com1,autopty", "-f", "kexec,"+r.kernel+",,")
	cmd.Stdout = tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var got []byte
	buf := make([]byte, 256)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !bytes.Contains(got, []byte("\n")); {
		n, _ := unix.Read(master, buf)
		if n > 0 {
			got = append(got, buf[:n]...)
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if !connected.MatchString(strings.TrimRight(string(got), "\r\n")) {
		t.Errorf("terminal got %q while running, want the COM1 line", got)
	}
}

// TestMACExitFlushes: -M prints the MAC and exits 0; the exit writes it out.
func TestMACExitFlushes(t *testing.T) {
	needRoot(t) // vmnet refuses non-root callers
	r := newRig(t, false)
	for _, prog := range []string{"xhyve", "hyperkit"} {
		out, code, _ := run1(t, r.command(prog, -1, 0, nil, "-M", "-U", testUUID, "-s", "2:0,virtio-net", "-f", "kexec,/dev/null,,"))
		if out != "MAC: da:e1:5a:e0:e6:3f\n" || code != 0 {
			t.Errorf("%s -M: %q, status %d", prog, out, code)
		}
	}
}

// TestVmnetRefused: XHYVE_STANDIN_VMNET=refuse, or a caller that is not
// root, gets vmnet's refusal: xhyve master says so on stderr, hyperkit on
// stdout; exit 1; the pidfile, written before the devices, is removed by
// the exit.
func TestVmnetRefused(t *testing.T) {
	r := newRig(t, false)
	msg := "virtio_net: Could not create vmnet interface, permission denied or no entitlement?\n"
	for _, prog := range []string{"xhyve", "hyperkit"} {
		for _, args := range [][]string{
			{"-F", filepath.Join(r.qemuDir, "pid"), "-U", testUUID, "-s", "2:0,virtio-net", "-f", "kexec," + r.kernel + ",,"},
			{"-M", "-U", testUUID, "-s", "2:0,virtio-net", "-f", "kexec,/dev/null,,"},
		} {
			out, code, s := run1(t, r.command(prog, -1, 0, []string{"XHYVE_STANDIN_VMNET=refuse"}, args...))
			where := out
			if prog == "xhyve" {
				where = s.stderr.String()
			}
			if code != 1 || where != msg || strings.Contains(out, "MAC:") {
				t.Errorf("%s %q refused: status %d, stdout %q, stderr %q", prog, args, code, out, s.stderr.String())
			}
			if _, err := os.Lstat(filepath.Join(r.qemuDir, "pid")); err == nil {
				t.Errorf("%s: pidfile left after the exit", prog)
			}
		}
	}
	if os.Geteuid() == 0 {
		uid, gid := needRoot(t)
		_, code, s := run1(t, r.command("xhyve", uid, gid, nil, "-M", "-U", testUUID, "-s", "2:0,virtio-net", "-f", "kexec,/dev/null,,"))
		if code != 1 || s.stderr.String() != msg {
			t.Errorf("xhyve -M as uid %d: status %d, stderr %q", uid, code, s.stderr.String())
		}
	}
}

// TestPidfileBeforeDevices: the pidfile exists while the devices are set
// up, and a device that fails removes it through exit(3); a stale pidfile
// fails the start and stays.
func TestPidfileBeforeDevices(t *testing.T) {
	r := newRig(t, false)
	pidfile := filepath.Join(r.qemuDir, "pid")
	fifo := filepath.Join(r.qemuDir, "iso")
	if err := syscall.Mkfifo(fifo, 0644); err != nil {
		t.Fatal(err)
	}
	s := start(t, r.command("xhyve", -1, 0, nil, "-F", pidfile, "-s", "3,ahci-cd,"+fifo,
		"-s", "4,virtio-blk,/nonexistent", "-f", "kexec,"+r.kernel+",,"))
	var got []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && len(got) == 0; time.Sleep(20 * time.Millisecond) {
		got, _ = os.ReadFile(pidfile)
	}
	if string(got) != strconv.Itoa(s.cmd.Process.Pid) {
		t.Errorf("while the ISO opens the pidfile holds %q, want %d", got, s.cmd.Process.Pid)
	}
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // lets the ISO open
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, code := s.finish(t); code != 1 || !strings.Contains(s.stderr.String(), "Could not open backing file: no such file or directory") {
		t.Errorf("status %d, stderr %q", code, s.stderr.String())
	}
	if _, err := os.Lstat(pidfile); err == nil {
		t.Errorf("the pidfile outlived the error exit")
	}

	os.WriteFile(pidfile, []byte("99999\n"), 0644)
	for _, prog := range []string{"xhyve", "hyperkit"} {
		_, code, s := run1(t, r.command(prog, -1, 0, nil, "-F", pidfile, "-f", "kexec,"+r.kernel+",,"))
		if code != 1 || s.stderr.String() != "Failed to set up pidfile\npidfile error -1\n" {
			t.Errorf("%s, stale pidfile: status %d, stderr %q", prog, code, s.stderr.String())
		}
		if b, _ := os.ReadFile(pidfile); string(b) != "99999\n" {
			t.Errorf("%s: the stale pidfile now holds %q", prog, b)
		}
	}
}

// TestStdioConsoleOnPty: -l com1,stdio with a pty slave as stdin and
// stdout (what a parent hands it): the stand-in puts the terminal into raw
// mode and carries the console through fd 0 both ways (the real UART
// reads and writes STDIN_FILENO).
func TestStdioConsoleOnPty(t *testing.T) {
	r := newRig(t, false)
	master, slavePath, slave, err := openPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(master)
	unix.Close(slave)
	tty, err := os.OpenFile(slavePath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	// a cooked terminal, as a fresh pty is: echo and CR/LF mapping on
	cooked, _ := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	cooked.Lflag |= unix.ECHO | unix.ICANON
	cooked.Oflag |= unix.OPOST | unix.ONLCR
	unix.IoctlSetTermios(int(tty.Fd()), unix.TCSETS, cooked)
	cmd := r.command("hyperkit", -1, 0, nil, "-s", "31,lpc", "-l", "com1,stdio", "-f", "kexec,"+r.kernel)
	cmd.Stdin, cmd.Stdout = tty, tty
	done := make(chan struct{})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(done) }()
	defer func() { cmd.Process.Kill(); <-done }()
	r.qemuPid(t, done)
	unix.Write(master, []byte("ping\n"))
	var got []byte
	buf := make([]byte, 256)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && len(got) < 5; {
		n, _ := unix.Read(master, buf)
		if n > 0 {
			got = append(got, buf[:n]...)
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	time.Sleep(200 * time.Millisecond)
	if n, _ := unix.Read(master, buf); n > 0 {
		got = append(got, buf[:n]...)
	}
	if string(got) != "ping\n" {
		t.Errorf("the console echoed %q, want \"ping\\n\" once and unmangled (raw mode)", got)
	}
	raw, _ := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if raw.Lflag&(unix.ECHO|unix.ICANON) != 0 || raw.Oflag&unix.OPOST != 0 {
		t.Errorf("the terminal is not in raw mode: lflag %#x oflag %#x", raw.Lflag, raw.Oflag)
	}
}
