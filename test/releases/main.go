// Command releases stands in for GitHub Releases in the Linux sandbox
// (test/sandbox/sandbox.sh): an HTTPS server for github.com and
// objects.githubusercontent.com, with a CA of its own, serving release
// assets from a directory.
//
//	releases [-root DIR] [-listen ADDR] [-hosts GITHUB,ASSETS] [-ca FILE]
//	         [-log FILE] [-ready FILE]
//
// GET or HEAD https://GITHUB/OWNER/REPO/releases/download/TAG/NAME answers
// 302 Found with a Location on ASSETS when DIR holds the file
// OWNER/REPO/releases/download/TAG/NAME (404 otherwise), and ASSETS serves
// that file's bytes (Content-Length, ranges, application/octet-stream).
// Nothing else is served: no directory listings, no path outside DIR.
//
// At start it generates an ECDSA P-256 CA (valid for about a day, written
// as PEM to -ca) and a leaf certificate for the -hosts names signed by it.
// Once it listens it prints "ready ADDR" on stdout and creates -ready.
// -log gets one line per request: METHOD HOST PATH STATUS BYTES. SIGINT
// and SIGTERM stop it.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "releases: %v\n", err)
		os.Exit(1)
	}
}

// run serves until ctx is done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("releases", flag.ContinueOnError)
	fset.SetOutput(stderr)
	rootDir := fset.String("root", ".", "served `directory`: URL path OWNER/REPO/releases/download/TAG/NAME is the file of that path under it")
	listen := fset.String("listen", "127.0.0.1:443", "listen `address`")
	hostList := fset.String("hosts", "github.com,objects.githubusercontent.com", "the certificate's DNS `names`: the first redirects, the second (or the first) serves the bytes")
	caFile := fset.String("ca", "", "write the CA certificate (PEM) to `file`")
	logFile := fset.String("log", "", "append one line per request to `file`")
	readyFile := fset.String("ready", "", "create `file` once listening")
	if err := fset.Parse(args); err != nil {
		return fmt.Errorf("flags: %w", err)
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fset.Args())
	}
	var hosts []string
	for h := range strings.SplitSeq(*hostList, ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) == 0 {
		return errors.New("-hosts: no host names")
	}
	root, err := os.OpenRoot(*rootDir)
	if err != nil {
		return fmt.Errorf("-root: %w", err)
	}
	defer root.Close()
	s := &server{root: root, github: hosts[0], assets: hosts[len(hosts)-1]}
	if len(hosts) > 1 {
		s.assets = hosts[1]
	}

	c, err := newCerts(hosts, time.Now())
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	if *caFile != "" {
		if err := os.WriteFile(*caFile, c.caPEM, 0o644); err != nil {
			return fmt.Errorf("-ca: %w", err)
		}
	}
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("-log: %w", err)
		}
		defer f.Close()
		s.log = f
	}

	srv := &http.Server{
		Handler:           s,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{c.leaf}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(stderr, "releases: ", 0),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(tls.NewListener(ln, srv.TLSConfig)) }()
	if *readyFile != "" {
		if err := os.WriteFile(*readyFile, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			srv.Close()
			return fmt.Errorf("-ready: %w", err)
		}
	}
	fmt.Fprintf(stdout, "ready %s\n", ln.Addr())
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
