package nfsserver

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	nfs "github.com/willscott/go-nfs"
)

// Config says what a Server shares and with whom.
type Config struct {
	// Shares are the absolute host directories to serve, symlinks already
	// resolved. Each is mounted by exactly this path.
	Shares []string
	// Allowed returns the machine's current leased address. It is asked for
	// every new connection (answers are trusted for a second); connections
	// from any other address, or while it fails, are refused.
	Allowed func() (net.IP, error)
	// Logf receives every message of the server, refusals included. Nil
	// discards them. go-nfs has one logger per process; its warnings and
	// errors go to the Logf of the Server created last.
	Logf func(format string, args ...any)
}

// Server serves a machine's shares over NFSv3. Its methods are safe for
// concurrent use.
type Server struct {
	shares    map[string]*rootFS // by host path
	handles   *handleTable
	verifiers *verifierCache
	access    *accessCheck
	logf      func(string, ...any)
	id        [8]byte // write verifier: the same for every Serve call
	// anyPort serves unreserved source ports too (see reservedPorts).
	// Only the package's tests set it, to dial as an ordinary user.
	anyPort bool

	closeOnce sync.Once
	closeErr  error
}

// New checks cfg and opens every share. Close releases them.
func New(cfg Config) (*Server, error) {
	if len(cfg.Shares) == 0 {
		return nil, errors.New("start nfs server: no shares")
	}
	if cfg.Allowed == nil {
		return nil, errors.New("start nfs server: no Allowed function")
	}
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	handles, err := newHandleTable(handleLimit)
	if err != nil {
		return nil, fmt.Errorf("start nfs server: %w", err)
	}
	s := &Server{
		shares:    make(map[string]*rootFS, len(cfg.Shares)),
		handles:   handles,
		verifiers: newVerifierCache(),
		access:    &accessCheck{allowed: cfg.Allowed, ttl: allowedTTL, now: time.Now},
		logf:      logf,
	}
	if _, err := rand.Read(s.id[:]); err != nil {
		return nil, fmt.Errorf("start nfs server: draw write verifier: %w", err)
	}
	for _, p := range cfg.Shares {
		if err := s.addShare(p); err != nil {
			return nil, errors.Join(fmt.Errorf("start nfs server: %w", err), s.Close())
		}
	}
	setLogSink(logf)
	return s, nil
}

func (s *Server) addShare(p string) error {
	if !filepath.IsAbs(p) || filepath.Clean(p) != p {
		return fmt.Errorf("add share %q: not a clean absolute path", p)
	}
	if _, dup := s.shares[p]; dup {
		return fmt.Errorf("add share %s: listed twice", p)
	}
	rfs, err := openRootFS(p, s.handles)
	if err != nil {
		return err
	}
	if err := s.handles.addRoot(rfs); err != nil {
		return errors.Join(err, rfs.close())
	}
	s.shares[p] = rfs
	return nil
}

// Serve answers NFS and MOUNT calls on l until ctx ends (then it returns
// nil) or l fails. Either way it closes l and every connection it accepted
// before returning; a call already being answered may still finish. Serve
// may be called again with a new listener: handles stay valid.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	gl := newGuardedListener(l, s.access.check, newAdmission(s.anyPort), s.logf)
	srv := &nfs.Server{Handler: &handler{s: s}, ID: s.id, Context: ctx}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(gl) }()
	s.logf("nfs: serving %s on %s", strings.Join(s.sharePaths(), ", "), l.Addr())
	var err error
	select {
	case <-ctx.Done():
		gl.shutdown()
		<-done // Accept fails on the closed listener: Serve returns
	case err = <-done:
		gl.shutdown()
	}
	if ctx.Err() != nil {
		s.logf("nfs: stopped serving on %s", l.Addr())
		return nil
	}
	return fmt.Errorf("serve nfs on %s: %w", l.Addr(), err)
}

func (s *Server) sharePaths() []string {
	paths := make([]string, 0, len(s.shares))
	for p := range s.shares {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

// Close releases the shares. Calls on connections still open fail after it.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		for _, rfs := range s.shares {
			errs = append(errs, rfs.close())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}
