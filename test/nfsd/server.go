package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// EnvFile is where the sandbox tells nfsd how to run the server. It is at a
// fixed path (in the sandbox's private /run) because nfsd also runs through
// `sudo`, which drops the environment.
const EnvFile = "/run/xhyve-sandbox/nfsd.env"

// Server runs rpcbind, rpc.statd and ganesha.nfsd in the sandbox's network
// namespace, all under Dir.
type Server struct {
	Dir     string // state: configuration, pid files, logs
	Bind    string // address the server listens on (vmnet's host address)
	Ganesha string // ganesha.nfsd
	Rpcbind string
	Statd   string
	Exports string // the exports file (/etc/exports)
}

// loadServer reads EnvFile: KEY=VALUE lines (NFSD_STATE, NFSD_BIND).
func loadServer(exportsFile string) (*Server, error) {
	data, err := os.ReadFile(EnvFile)
	if err != nil {
		return nil, fmt.Errorf("no NFS server here: %s is missing (this stand-in serves NFS only inside test/sandbox/sandbox.sh)", EnvFile)
	}
	s := &Server{Exports: exportsFile}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "NFSD_STATE":
			s.Dir = v
		case "NFSD_BIND":
			s.Bind = v
		}
	}
	if s.Dir == "" || s.Bind == "" {
		return nil, fmt.Errorf("%s: NFSD_STATE and NFSD_BIND are required", EnvFile)
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, err
	}
	s.Ganesha = findProgram("ganesha.nfsd")
	s.Rpcbind = findProgram("rpcbind")
	s.Statd = findProgram("rpc.statd")
	return s, nil
}

func findProgram(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"} {
		if fi, err := os.Stat(filepath.Join(d, name)); err == nil && !fi.IsDir() {
			return filepath.Join(d, name)
		}
	}
	return ""
}

func (s *Server) path(name string) string { return filepath.Join(s.Dir, name) }

// lock serializes every nfsd command that touches the server.
func (s *Server) lock() (func(), error) {
	f, err := os.OpenFile(s.path("lock"), os.O_CREATE|os.O_RDONLY, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// logf appends to nfsd.log: what each command did, for whoever debugs a run.
func (s *Server) logf(format string, a ...any) {
	f, err := os.OpenFile(s.path("nfsd.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s [%d] %s\n", time.Now().Format("15:04:05.000"), os.Getpid(), fmt.Sprintf(format, a...))
}

// pidOf returns the pid recorded in file if that process is alive and is
// comm.
func pidOf(file, comm string) int {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0
	}
	if alive(pid, comm) {
		return pid
	}
	return 0
}

// alive: the process exists, is not a zombie and its name is comm.
func alive(pid int, comm string) bool {
	c, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil || strings.TrimSpace(string(c)) != comm {
		return false
	}
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	if i := bytes.LastIndexByte(st, ')'); i >= 0 && i+2 < len(st) && st[i+2] == 'Z' {
		return false
	}
	return true
}

// daemon is one server process.
type daemon struct {
	name, comm, pidfile, log string
}

func (s *Server) daemons() []daemon {
	return []daemon{
		{"rpcbind", "rpcbind", s.path("rpcbind.pid"), s.path("rpcbind.log")},
		{"rpc.statd", "rpc.statd", s.path("statd.pid"), s.path("statd.log")},
		{"ganesha", "ganesha.nfsd", s.path("ganesha.pid"), s.path("ganesha.log")},
	}
}

func (s *Server) ganeshaPid() int { return pidOf(s.path("ganesha.pid"), "ganesha.nfsd") }

// spawn starts a daemon in its own session, detached from nfsd, and
// records its pid. exited receives its exit error if it ends.
func (s *Server) spawn(d daemon, prog string, args ...string) (int, <-chan error, error) {
	if prog == "" {
		return 0, nil, fmt.Errorf("%s is not installed (see test/sandbox/host-packages.txt)", d.name)
	}
	lf, err := os.OpenFile(d.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, nil, err
	}
	defer lf.Close()
	cmd := exec.Command(prog, args...)
	cmd.Dir = "/"
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, nil, fmt.Errorf("start %s: %w", d.name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	pid := cmd.Process.Pid
	if err := os.WriteFile(d.pidfile, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return 0, nil, err
	}
	s.logf("started %s (pid %d): %s %s", d.name, pid, prog, strings.Join(args, " "))
	return pid, exited, nil
}

// fatal marks an error that waiting longer cannot cure.
type fatal struct{ error }

// waitFor polls ready until it returns nil or a fatal error, the daemon
// exits or timeout.
func waitFor(d daemon, exited <-chan error, timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		var f fatal
		if errors.As(err, &f) {
			return f.error
		}
		select {
		case e := <-exited:
			return fmt.Errorf("%s exited at start (%v); see %s:\n%s", d.name, e, d.log, tail(d.log, 15))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %v; see %s:\n%s", d.name, timeout, err, d.log, tail(d.log, 15))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// configErrors returns ganesha's complaints about its configuration in a
// piece of its log.
func configErrors(log string) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "config_errs_to_log") || strings.Contains(l, ":CONFIG :CRIT") || strings.Contains(l, ":CONFIG :MAJ") {
			if i := strings.Index(l, "] "); i >= 0 {
				l = l[i+2:]
			}
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func tail(file string, n int) string {
	data, _ := os.ReadFile(file)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// startBase starts rpcbind and rpc.statd when they are not running.
func (s *Server) startBase() error {
	ds := s.daemons()
	if pidOf(ds[0].pidfile, ds[0].comm) == 0 {
		// -f: foreground (we detach it ourselves); -w: keep registrations
		// across an rpcbind restart.
		_, exited, err := s.spawn(ds[0], s.Rpcbind, "-f", "-w")
		if err != nil {
			return err
		}
		if err := waitFor(ds[0], exited, 10*time.Second, func() error {
			_, err := getPort("127.0.0.1", progPortmap, 2, ipprotoTCP)
			return err
		}); err != nil {
			return err
		}
	}
	if pidOf(ds[1].pidfile, ds[1].comm) == 0 {
		sm := s.path("statd")
		if err := os.MkdirAll(filepath.Join(sm, "sm"), 0o700); err != nil {
			return err
		}
		os.MkdirAll(filepath.Join(sm, "sm.bak"), 0o700)
		// -F: foreground; -L: no reboot notifications (no peers yet); -P:
		// its state under ours, not /var/lib/nfs.
		_, exited, err := s.spawn(ds[1], s.Statd, "-F", "-L", "-P", sm)
		if err != nil {
			return err
		}
		if err := waitFor(ds[1], exited, 10*time.Second, func() error {
			_, err := getPort("127.0.0.1", progStatd, 1, ipprotoUDP)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// startGanesha starts ganesha and waits until mountd lists want.
func (s *Server) startGanesha(want []Served) error {
	d := s.daemons()[2]
	os.Remove(d.pidfile)
	var offset int64
	if fi, err := os.Stat(d.log); err == nil {
		offset = fi.Size()
	}
	_, exited, err := s.spawn(d, s.Ganesha, "-F", "-f", s.path("ganesha.conf"), "-L", d.log, "-p", d.pidfile, "-N", "NIV_EVENT")
	if err != nil {
		return err
	}
	return waitFor(d, exited, 30*time.Second, func() error {
		text := since(d.log, offset)
		if !strings.Contains(text, "NFS SERVER INITIALIZED") {
			return errors.New("not initialized yet")
		}
		if bad := configErrors(text); bad != "" {
			return fatal{fmt.Errorf("ganesha rejected its configuration (%s):\n%s", s.path("exports.conf"), indent(bad))}
		}
		got, err := servedExports(s.Bind)
		if err != nil {
			return err
		}
		return matches(got, want)
	})
}

// reloadGanesha makes the running ganesha re-read its exports (SIGHUP) and
// waits until it has and mountd lists want.
func (s *Server) reloadGanesha(pid int, want []Served) error {
	log := s.path("ganesha.log")
	var offset int64
	if fi, err := os.Stat(log); err == nil {
		offset = fi.Size()
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		return err
	}
	s.logf("sent SIGHUP to ganesha (pid %d)", pid)
	deadline := time.Now().Add(20 * time.Second)
	for {
		text := since(log, offset)
		done := strings.Contains(text, "Reread exports complete")
		if done {
			if bad := configErrors(text); bad != "" {
				return fatal{fmt.Errorf("ganesha rejected its configuration (%s):\n%s", s.path("exports.conf"), indent(bad))}
			}
			got, err := servedExports(s.Bind)
			if err == nil {
				err = matches(got, want)
			}
			if err != nil {
				return fmt.Errorf("after reloading: %v\nganesha.log:\n%s", err, indent(strings.TrimSpace(text)))
			}
			return nil
		}
		if !alive(pid, "ganesha.nfsd") {
			return fmt.Errorf("ganesha died while reloading; ganesha.log:\n%s", indent(strings.TrimSpace(text)))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ganesha did not finish reloading in 20s; ganesha.log:\n%s", indent(strings.TrimSpace(text)))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func since(file string, offset int64) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(offset, 0); err != nil {
		return ""
	}
	var b bytes.Buffer
	b.ReadFrom(f)
	return b.String()
}

// stopDaemon ends a daemon with SIGTERM (SIGKILL after 10 s).
func (s *Server) stopDaemon(d daemon) error {
	pid := pidOf(d.pidfile, d.comm)
	if pid == 0 {
		os.Remove(d.pidfile)
		return nil
	}
	syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid, d.comm) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			time.Sleep(100 * time.Millisecond)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	os.Remove(d.pidfile)
	s.logf("stopped %s (pid %d)", d.name, pid)
	return nil
}

// Stop ends the server.
func (s *Server) Stop() {
	ds := s.daemons()
	for i := len(ds) - 1; i >= 0; i-- {
		s.stopDaemon(ds[i])
	}
}
