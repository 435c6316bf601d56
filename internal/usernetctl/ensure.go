package usernetctl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/atomicfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/lockfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/logfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
)

// DefaultStartTimeout bounds Ensure and Stop when their context has no
// deadline: the process answers within a fraction of a second.
const DefaultStartTimeout = 30 * time.Second

// maxLog is the size of usernet.log past which a start begins a new one,
// keeping the old as usernet.log.1.
const maxLog = 1 << 20

// Starter starts the network process; its zero value is ready to use.
type Starter struct {
	// Env is the process's environment (the caller's when nil).
	Env []string
	// Interval is how often Ensure asks a starting process for its
	// status (50 ms when 0).
	Interval time.Duration
}

// Ensure is Starter{}.Ensure.
func Ensure(ctx context.Context, dir string, cfg Config, exe string) (*Client, error) {
	return Starter{}.Ensure(ctx, dir, cfg, exe)
}

// Ensure returns a client of the network process serving dir, starting
// `exe usernet DIR` (detached, outliving the caller) for cfg if none
// answers. One process serves a directory: Ensure holds the directory's
// lock while it looks and starts. A network that runs, or is recorded in
// network.json, with another subnet than cfg's is an error; a zero
// cfg.Subnet takes the store's (DefaultSubnet for a new store), so a
// machine created without one joins the network the others are on.
func (s Starter) Ensure(ctx context.Context, dir string, cfg Config, exe string) (*Client, error) {
	l := Layout{Dir: dir}
	if err := l.CheckSocketPath(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	explicit := cfg.Subnet.IsValid()
	cfg = cfg.WithDefaults()
	ctx, cancel := withDefaultDeadline(ctx)
	defer cancel()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create usernet directory: %w", err)
	}
	// Only the user may reach the sockets, whatever made the directory.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("restrict usernet directory: %w", err)
	}
	lock, err := lockDir(ctx, l.Lock())
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()

	c := NewClient(dir)
	if st, err := c.Status(ctx); err == nil {
		if !explicit {
			return c, nil
		}
		return c, sameSubnet(l, st.Subnet, cfg)
	}
	if old, ok := readConfigFile(l); ok {
		if !explicit {
			cfg.Subnet = old.Subnet
		} else if err := sameSubnet(l, old.Subnet, cfg); err != nil {
			return nil, err
		}
	}
	return c, s.start(ctx, c, cfg, explicit, exe)
}

// start launches the process unless one holds the process lock, and
// waits until it answers. A process that holds the lock without
// answering is starting (launched by a caller that gave up) or idle and
// exiting: start waits for it to answer or to exit, and then launches.
func (s Starter) start(ctx context.Context, c *Client, cfg Config, explicit bool, exe string) error {
	interval := s.Interval
	if interval <= 0 {
		interval = 50 * time.Millisecond
	}
	l := c.layout
	var exited <-chan error
	var lastErr error
	for {
		running, err := processRunning(l)
		if err != nil {
			return err
		}
		if !running && exited == nil {
			removeStale(l)
			if err := writeConfig(l, cfg); err != nil {
				return err
			}
			if exited, err = s.launch(l, exe); err != nil {
				return err
			}
		}
		select {
		case werr := <-exited:
			return fmt.Errorf("usernet network process exited at start (%v): %s (log %s)", werr, bytes.TrimSpace([]byte(logfile.Tail(l.Log(), 1024))), l.Log())
		case <-ctx.Done():
			return fmt.Errorf("usernet network process did not answer on %s: %w (last error: %v; log %s)", l.APISocket(), ctx.Err(), lastErr, l.Log())
		case <-time.After(interval):
		}
		call, cancel := context.WithTimeout(ctx, time.Second)
		st, err := c.Status(call)
		cancel()
		if err == nil && !explicit {
			return nil
		} else if err == nil {
			return sameSubnet(l, st.Subnet, cfg) // another's, if it started first
		}
		lastErr = err
	}
}

// launch starts the process detached: in its own session, stdin from
// /dev/null, output to the log, and no descriptor of the caller's.
func (s Starter) launch(l Layout, exe string) (<-chan error, error) {
	// A pipe the plugin inherited (a test runner's, a CI log's) must not
	// stay open for as long as the network runs.
	if err := supervisorctl.CloseOnExecAbove(2); err != nil {
		return nil, err
	}
	// One process's log is small (warnings and joins); starting a new
	// one is when the file can be rotated without pulling it from under
	// a writer.
	if info, err := os.Stat(l.Log()); err == nil && info.Size() > maxLog {
		if err := os.Rename(l.Log(), l.Log()+".1"); err != nil {
			return nil, fmt.Errorf("rotate usernet log: %w", err)
		}
	}
	log, err := os.OpenFile(l.Log(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open usernet log: %w", err)
	}
	defer log.Close()
	cmd := exec.Command(exe, Command, l.Dir)
	cmd.Dir = l.Dir
	cmd.Env = s.Env
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start usernet network process: %w", err)
	}
	// Reaped while this process lives, so it never lingers as a zombie.
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return exited, nil
}

// readConfigFile reads l's network.json, if there is a valid one: a
// damaged one is ours, and writeConfig replaces it.
func readConfigFile(l Layout) (Config, bool) {
	f, err := os.Open(l.Config())
	if err != nil {
		return Config{}, false
	}
	defer f.Close()
	cfg, err := ParseConfig(f)
	return cfg, err == nil
}

func sameSubnet(l Layout, have netip.Prefix, cfg Config) error {
	if have == cfg.Subnet {
		return nil
	}
	return fmt.Errorf("the usernet network of this machine store (%s) uses subnet %s, not %s: the machines of a store share one network, so use subnet %s, or stop every usernet machine of the store and remove %s", l.Dir, have, cfg.Subnet, have, l.Config())
}

func writeConfig(l Layout, cfg Config) error {
	data, err := marshalConfig(cfg)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(l.Config(), data, 0o600); err != nil {
		return fmt.Errorf("write usernet config: %w", err)
	}
	return nil
}

// removeStale removes what a process that died without cleaning up left:
// sockets that no longer answer and its pidfile.
func removeStale(l Layout) {
	for _, p := range []string{l.VPNKitSocket(), l.APISocket(), l.PIDFile()} {
		_ = os.Remove(p) // absent is fine; anything else shows at listen
	}
}

// processRunning reports whether a process holds l's process lock.
func processRunning(l Layout) (bool, error) {
	lk, err := lockfile.File(l.ProcessLock(), lockfile.Options{Flag: os.O_CREATE | os.O_RDWR, Timeout: 10 * time.Millisecond, Interval: 5 * time.Millisecond})
	if errors.Is(err, lockfile.ErrTimeout) {
		return true, nil
	} else if err != nil {
		return false, err
	}
	return false, lk.Unlock()
}

// lockDir takes path until ctx's deadline.
func lockDir(ctx context.Context, path string) (*lockfile.Lock, error) {
	d, _ := ctx.Deadline()
	lk, err := lockfile.File(path, lockfile.Options{Flag: os.O_CREATE | os.O_RDWR, Timeout: time.Until(d), Interval: 20 * time.Millisecond})
	if err != nil {
		return nil, fmt.Errorf("lock usernet directory: %w", err)
	}
	return lk, nil
}

func withDefaultDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, DefaultStartTimeout)
}
