// Package usernetd is the user-mode network process: the plugin binary's
// hidden `usernet DIR` subcommand, started on demand by usernetctl.Ensure
// and shared by every usernet machine of a store. It serves
// internal/usernet's network on DIR/vpnkit.sock for hyperkit and a control
// API on DIR/api.sock for the driver, and exits when no VM and no caller
// has used it for the configured idle time. It is a process of its own
// because hyperkit powers its guest off when the network socket closes:
// the network must outlive the short-lived plugin and every VM on it.
package usernetd

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/atomicfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/lockfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
	"github.com/zchee/docker-machine-driver-xhyve/internal/usernet"
	"github.com/zchee/docker-machine-driver-xhyve/internal/usernetctl"
)

// ErrAlreadyRunning reports that another process serves the directory.
var ErrAlreadyRunning = errors.New("another usernet network process serves this directory")

// Main runs the network process for the directory args[0] and returns the
// exit status.
func Main(args []string) int {
	if len(args) != 1 {
		fmt.Fprintf(os.Stderr, "usage: %s %s DIR\n", filepath.Base(os.Args[0]), usernetctl.Command)
		return 2
	}
	setupLogging(os.Stderr)
	if err := Run(args[0]); err != nil {
		log.Printf("usernet: %v", err)
		return 1
	}
	return 0
}

// daemon is the running process's state.
type daemon struct {
	layout usernetctl.Layout
	cfg    usernetctl.Config
	net    *usernet.Network

	mu       sync.Mutex
	lastUse  time.Time // last connected VM or API request
	stopping bool      // idle: the API refuses further requests
}

// Run serves the network of dir until SIGTERM or SIGINT, or until it has
// been idle for the configured time, then removes its sockets and pidfile.
func Run(dir string) error {
	l := usernetctl.Layout{Dir: dir}
	if err := l.CheckSocketPath(); err != nil {
		return err
	}
	// The sockets are the user's only, whatever the caller's umask.
	syscall.Umask(0o077)
	lock, err := lockfile.File(l.ProcessLock(), lockfile.Options{Flag: os.O_CREATE | os.O_RDWR, Timeout: 100 * time.Millisecond, Interval: 10 * time.Millisecond})
	if errors.Is(err, lockfile.ErrTimeout) {
		pid, _, _ := supervisorctl.ReadPIDFile(l.PIDFile())
		return fmt.Errorf("%w (%s, pid %d): not starting another", ErrAlreadyRunning, dir, pid)
	} else if err != nil {
		return err
	}
	defer lock.Unlock()
	cfg, err := readConfig(l)
	if err != nil {
		return err
	}
	ncfg := cfg.Network()
	ncfg.Logf = log.Printf
	n, err := usernet.New(ncfg)
	if err != nil {
		return err
	}
	d := &daemon{layout: l, cfg: cfg, net: n, lastUse: time.Now()}
	return d.serve()
}

func readConfig(l usernetctl.Layout) (usernetctl.Config, error) {
	f, err := os.Open(l.Config())
	if err != nil {
		return usernetctl.Config{}, fmt.Errorf("read usernet config: %w", err)
	}
	defer f.Close()
	cfg, err := usernetctl.ParseConfig(f)
	if err != nil {
		return usernetctl.Config{}, fmt.Errorf("usernet config %s is invalid: %w: correct it, or remove it for the driver to write it again", l.Config(), err)
	}
	return cfg, nil
}

func (d *daemon) serve() error {
	l := d.layout
	// Holding the process lock, whatever sockets exist are a dead
	// process's.
	vln, err := listen(l.VPNKitSocket())
	if err != nil {
		return err
	}
	defer os.Remove(l.VPNKitSocket())
	aln, err := listen(l.APISocket())
	if err != nil {
		vln.Close()
		return err
	}
	defer os.Remove(l.APISocket())
	if err := atomicfile.WriteFile(l.PIDFile(), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		vln.Close()
		aln.Close()
		return fmt.Errorf("write pidfile: %w", err)
	}
	defer os.Remove(l.PIDFile())

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	vpnkit := make(chan error, 1)
	go func() { vpnkit <- d.net.ServeVPNKit(ctx, vln) }()
	srv := &http.Server{
		Handler:           d.handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	api := make(chan error, 1)
	go func() { api <- srv.Serve(aln) }()
	log.Printf("usernet: serving %s (gateway %s, MTU %d) on %s, pid %d, idle timeout %s",
		d.net.Subnet(), d.net.Gateway(), d.cfg.MTU, l.VPNKitSocket(), os.Getpid(), time.Duration(d.cfg.IdleTimeout))

	var runErr error
	idle := time.Duration(d.cfg.IdleTimeout)
	tick := time.NewTicker(min(max(idle/10, 10*time.Millisecond), time.Second))
	defer tick.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			log.Printf("usernet: stopping on signal")
			break loop
		case err := <-vpnkit:
			runErr, vpnkit = err, nil
			break loop
		case err := <-api:
			runErr, api = fmt.Errorf("serve API: %w", err), nil
			break loop
		case <-tick.C:
			if d.idle(idle) {
				log.Printf("usernet: no VM for %s: exiting", idle)
				break loop
			}
		}
	}
	cancel()
	shut, done := context.WithTimeout(context.Background(), 2*time.Second)
	defer done()
	if err := srv.Shutdown(shut); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("stop API: %w", err))
	}
	if vpnkit != nil {
		runErr = errors.Join(runErr, <-vpnkit)
	}
	return errors.Join(runErr, d.net.Close())
}

// idle reports, and then marks, that no VM has been connected and no
// request made for d; a request after that gets 503, so a caller never
// trusts a process that is about to exit.
func (d *daemon) idle(timeout time.Duration) bool {
	connected := len(d.net.Connected()) > 0
	d.mu.Lock()
	defer d.mu.Unlock()
	if connected {
		d.lastUse = time.Now()
	}
	if time.Since(d.lastUse) >= timeout {
		d.stopping = true
	}
	return d.stopping
}

// touch counts a request as use, unless the process is stopping.
func (d *daemon) touch() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopping {
		return false
	}
	d.lastUse = time.Now()
	return true
}

// listen listens on the Unix socket path, mode 0600, replacing a dead
// process's socket.
func listen(path string) (net.Listener, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("remove stale socket: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("restrict socket: %w", err)
	}
	return ln, nil
}
