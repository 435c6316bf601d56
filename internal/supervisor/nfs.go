package supervisor

import (
	"context"
	"errors"
	"fmt"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/dhcp"
	"github.com/zchee/docker-machine-driver-xhyve/internal/nfsserver"
	"github.com/zchee/docker-machine-driver-xhyve/internal/vmnet"
)

// NFSCommand is the plugin binary's hidden subcommand that serves a
// machine's shares: `docker-machine-driver-xhyve serve-nfs SPEC`, started
// by the supervisor with the listening socket as descriptor 3.
const NFSCommand = "serve-nfs"

// Waits of the built-in NFS server.
const (
	// nfsBindTimeout bounds the wait for vmnet's host address: on macOS the
	// bridge carrying it appears once the first vmnet VM runs.
	nfsBindTimeout = 2 * time.Minute
	// nfsRestartDelay is the pause before a failed server is started
	// again; it doubles while the server keeps failing, up to a minute.
	nfsRestartDelay = time.Second
	nfsStopTimeout  = 5 * time.Second
)

// runNFS serves the machine's shares until ctx ends: it binds the listener
// once (the port stays the same for the supervisor's life, across guest
// reboots) and runs the server in a child process, started again whenever
// it fails. A crash or a runaway allocation caused by what the guest sends
// ends only that child, never the supervisor that keeps the VM.
func (s *supervisor) runNFS(ctx context.Context) {
	l, err := s.listenNFS(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.logf("nfs: %v; the shares are not served", err)
		}
		return
	}
	defer l.Close()
	file, err := l.(*net.TCPListener).File()
	if err != nil {
		s.logf("nfs: pass the listener on: %v", err)
		return
	}
	defer file.Close()
	s.mu.Lock()
	s.status.NFSAddr = l.Addr().String()
	if err := s.save(); err != nil {
		s.logf("%v", err)
	}
	s.mu.Unlock()
	s.logf("nfs: serving %d share(s) on %s", len(s.spec.NFS.Shares), l.Addr())
	delay := nfsRestartDelay
	for ctx.Err() == nil {
		started := time.Now()
		err := s.runNFSChild(ctx, file)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > time.Minute {
			delay = nfsRestartDelay // it ran well for a while
		}
		s.logf("nfs: the server ended (%v); starting it again in %s", err, delay)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Minute)
	}
}

// listenNFS binds a free port on the host's vmnet address.
func (s *supervisor) listenNFS(ctx context.Context) (net.Listener, error) {
	ctx, cancel := context.WithTimeout(ctx, nfsBindTimeout)
	defer cancel()
	host, err := s.nfsHost(ctx)
	if err != nil {
		return nil, err
	}
	return nfsserver.Listen(ctx, net.JoinHostPort(host.String(), "0"), 0)
}

// nfsHost is the host's address on vmnet's network. When vmnet's
// preferences name one that an interface has, it is known at once;
// otherwise (no preferences, or an address on no interface, as macOS 26
// was seen writing) it is the address of the interface that carries the
// VM's network, so it waits for the VM's lease. An address that comes with
// a warning (a guess) is used, and the warning logged.
func (s *supervisor) nfsHost(ctx context.Context) (net.IP, error) {
	if ip, err := vmnet.HostAddress(s.spec.NFS.VMNetPlist, nil); err == nil && onInterface(ip) {
		return ip, nil
	}
	allowed := leaseAddress(s.spec.Guest)
	for {
		vm, err := allowed()
		if err == nil {
			ip, herr := vmnet.HostAddress(s.spec.NFS.VMNetPlist, vm)
			if ip == nil {
				return nil, fmt.Errorf("find the host's vmnet address: %w", herr)
			}
			if herr != nil {
				s.logf("host's vmnet address %s: %v", ip, herr)
			}
			return ip, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("find the host's vmnet address: %w (%w)", ctx.Err(), err)
		case <-time.After(nfsserver.DefaultListenInterval):
		}
	}
}

// onInterface reports whether an interface of the host that is up has ip.
func onInterface(ip net.IP) bool {
	addrs, err := vmnet.Interfaces()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if a.Net.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// leaseAddress returns the function that tells the VM's current address.
func leaseAddress(spec *supervisorctl.GuestSpec) func() (net.IP, error) {
	if spec == nil {
		return func() (net.IP, error) { return nil, errors.New("the spec does not say how to reach the guest") }
	}
	mac, err := net.ParseMAC(spec.MAC)
	return func() (net.IP, error) {
		if err != nil {
			return nil, fmt.Errorf("the machine's MAC %q: %w", spec.MAC, err)
		}
		l, err := dhcp.LookupFile(spec.Leases, mac)
		if err != nil {
			return nil, err
		}
		return l.IP, nil
	}
}

// runNFSChild runs one server process on the listener and waits for it to
// end, or ends it when ctx does. Its stdin is a pipe whose other end only
// this process holds: when the supervisor dies, however, the child sees
// EOF and exits, leaving no listener behind.
func (s *supervisor) runNFSChild(ctx context.Context, listener *os.File) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("make the server's lifeline: %w", err)
	}
	defer w.Close()
	cmd := exec.Command(exe, NFSCommand, s.specPath)
	cmd.Stdin = r
	cmd.Stdout, cmd.Stderr = s.log, s.log
	cmd.ExtraFiles = []*os.File{listener}
	cmd.WaitDelay = nfsStopTimeout
	err = cmd.Start()
	r.Close()
	if err != nil {
		return fmt.Errorf("start the nfs server: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(nfsStopTimeout):
			cmd.Process.Kill()
			<-done
		}
		return ctx.Err()
	}
}

// ServeNFSMain runs NFSCommand: it serves the shares of the spec file named
// by args[0] on descriptor 3 until SIGTERM, or until its stdin (the
// supervisor's lifeline) ends, under a memory limit (nfs_memory.go). It
// returns the exit status: nfsExitMemory when the hard memory cap ended it.
func ServeNFSMain(args []string) int {
	if len(args) != 1 {
		fmt.Fprintf(os.Stderr, "usage: %s SPEC.json\n", NFSCommand)
		return 2
	}
	err := serveNFS(args[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "nfs: %v\n", err)
	}
	return nfsExitStatus(err)
}

func serveNFS(specPath string) error {
	spec, err := supervisorctl.ReadSpec(specPath)
	if err != nil {
		return fmt.Errorf("read spec: %w", err)
	}
	if spec.NFS == nil {
		return errors.New("the spec names no NFS shares")
	}
	l, err := net.FileListener(os.NewFile(3, "nfs listener"))
	if err != nil {
		return fmt.Errorf("take the listener: %w", err)
	}
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "nfs: "+format+"\n", args...) }
	watch := newMemoryWatch(logf)
	srv, err := nfsserver.New(nfsserver.Config{Shares: spec.NFS.Shares, Allowed: leaseAddress(spec.Guest), Logf: logf})
	if err != nil {
		return err
	}
	defer srv.Close()
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	go func() {
		buf := make([]byte, 1)
		for {
			if _, err := os.Stdin.Read(buf); err != nil {
				cancel() // the supervisor is gone
				return
			}
		}
	}()
	// The watchdog ends the server through ctx, so that Serve closes the
	// listener and connections and the shares are closed before the exit.
	over := make(chan error, 1)
	go func() {
		if err := watch.run(ctx); err != nil {
			over <- err
			cancel()
		}
	}()
	err = srv.Serve(ctx, l)
	select {
	case merr := <-over:
		return errors.Join(merr, err)
	default:
		return err
	}
}
