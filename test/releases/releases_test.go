package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const assetPath = "/zchee/docker-machine-driver-xhyve/releases/download/v0.5.0/boot2docker.iso"

// fixture is a running server and what it wrote.
type fixture struct {
	addr, ca, log, root string
	pool                *x509.CertPool
}

// start runs the server on a loopback port with root as -root and stops it
// at the test's end (run must then return nil).
func start(t *testing.T, root string) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{ca: filepath.Join(dir, "ca.pem"), log: filepath.Join(dir, "requests.log"), root: root}
	ready := filepath.Join(dir, "ready")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-root", root, "-listen", "127.0.0.1:0", "-ca", f.ca, "-log", f.log, "-ready", ready}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no ready line: %v (run: %v)", err, <-done)
	}
	go io.Copy(io.Discard, pr)
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	f.addr = strings.TrimPrefix(strings.TrimSpace(line), "ready ")
	if b, err := os.ReadFile(ready); err != nil || strings.TrimSpace(string(b)) != f.addr {
		t.Fatalf("ready file: %q, %v; want %s", b, err, f.addr)
	}
	pemBytes, err := os.ReadFile(f.ca)
	if err != nil {
		t.Fatal(err)
	}
	f.pool = x509.NewCertPool()
	if !f.pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("no certificate in %s", f.ca)
	}
	return f
}

// client is an HTTPS client that reaches every host at the server (as
// /etc/hosts does in the sandbox) and trusts roots only.
func (f *fixture) client(roots *x509.CertPool, follow bool) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	c := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, f.addr)
			},
			TLSClientConfig: &tls.Config{RootCAs: roots},
		},
	}
	if !follow {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}

// put writes size random bytes at the URL path p under root.
func put(t *testing.T, root, p string, size int) []byte {
	t.Helper()
	b := make([]byte, size)
	rand.Read(b)
	name := filepath.Join(root, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRedirectThenBytes(t *testing.T) {
	root := t.TempDir()
	want := put(t, root, assetPath, 300<<10)
	f := start(t, root)

	resp, err := f.client(f.pool, false).Get("https://github.com" + assetPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := resp.Location()
	if resp.StatusCode != http.StatusFound || loc == nil || loc.Host != "objects.githubusercontent.com" {
		t.Fatalf("github.com: %s, Location %v; want 302 to objects.githubusercontent.com", resp.Status, loc)
	}

	resp, err = f.client(f.pool, true).Get("https://github.com" + assetPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, want) {
		t.Fatalf("%s, %d bytes; want 200 and the file's %d bytes", resp.Status, len(got), len(want))
	}
	if resp.ContentLength != int64(len(want)) || resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("Content-Length %d, Content-Type %q", resp.ContentLength, resp.Header.Get("Content-Type"))
	}

	// The redirect target serves ranges, as the asset host does.
	req, _ := http.NewRequest(http.MethodGet, loc.String(), nil)
	req.Header.Set("Range", "bytes=10-19")
	resp, err = f.client(f.pool, false).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(got, want[10:20]) {
		t.Errorf("range: %s, %x; want 206 and %x", resp.Status, got, want[10:20])
	}

	log, err := os.ReadFile(f.log)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"GET github.com " + assetPath + " 302 0",
		"GET github.com " + assetPath + " 302 0",
		fmt.Sprintf("GET objects.githubusercontent.com /github-production-release-asset/zchee/docker-machine-driver-xhyve/v0.5.0/boot2docker.iso 200 %d", len(want)),
		"GET objects.githubusercontent.com /github-production-release-asset/zchee/docker-machine-driver-xhyve/v0.5.0/boot2docker.iso 206 10",
	} {
		if !strings.Contains(string(log), line+"\n") {
			t.Errorf("log has no line %q:\n%s", line, log)
		}
	}
}

func TestHead(t *testing.T) {
	root := t.TempDir()
	want := put(t, root, assetPath, 12345)
	f := start(t, root)
	resp, err := f.client(f.pool, true).Head("https://github.com" + assetPath)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength != int64(len(want)) || len(got) != 0 {
		t.Errorf("HEAD: %s, Content-Length %d, %d body bytes; want 200, %d, 0", resp.Status, resp.ContentLength, len(got), len(want))
	}
	if resp.Request.URL.Host != "objects.githubusercontent.com" {
		t.Errorf("HEAD ended at %s, not at the asset host", resp.Request.URL)
	}
}

func TestNotFound(t *testing.T) {
	root := t.TempDir()
	put(t, root, assetPath, 10)
	os.MkdirAll(filepath.Join(root, "o/r/releases/download/t/dir"), 0o755)
	f := start(t, root)
	c := f.client(f.pool, false)
	for _, u := range []string{
		"https://github.com/zchee/docker-machine-driver-xhyve/releases/download/v0.5.0/missing.iso",
		"https://github.com/zchee/docker-machine-driver-xhyve/releases/download/v0.4.0/boot2docker.iso",
		"https://github.com/o/r/releases/download/t/dir", // a directory: no listing
		"https://github.com/o/r/releases/download/t",
		"https://github.com/",
		"https://github.com/zchee/docker-machine-driver-xhyve/releases/download/v0.5.0/boot2docker.iso/x",
		"https://objects.githubusercontent.com/github-production-release-asset/zchee/docker-machine-driver-xhyve/v0.5.0/missing.iso",
		"https://objects.githubusercontent.com" + assetPath, // github.com's path on the asset host
		"https://objects.githubusercontent.com/github-production-release-asset/o/r/t/dir",
	} {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", u, resp.Status)
		}
	}
	resp, err := c.Post("https://github.com"+assetPath, "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %s, want 405", resp.Status)
	}
}

// rawGet sends path unaltered (no client cleans it) to host and returns the
// status and body.
func (f *fixture) rawGet(t *testing.T, host, path string) (int, string) {
	t.Helper()
	conn, err := tls.Dial("tcp", f.addr, &tls.Config{RootCAs: f.pool, ServerName: host})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestNoEscape(t *testing.T) {
	top := t.TempDir()
	secret := filepath.Join(top, "secret")
	os.WriteFile(secret, []byte("SECRET"), 0o644)
	root := filepath.Join(top, "root")
	put(t, root, "o/r/releases/download/t/ok", 3)
	if err := os.Symlink(secret, filepath.Join(root, "o/r/releases/download/t/abs")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../../../secret", filepath.Join(root, "o/r/releases/download/t/rel")); err != nil {
		t.Fatal(err)
	}
	f := start(t, root)
	const asset = "/github-production-release-asset"
	if code, _ := f.rawGet(t, "objects.githubusercontent.com", asset+"/o/r/t/ok"); code != http.StatusOK {
		t.Fatalf("the control request: %d, want 200", code)
	}
	for _, c := range []struct{ host, path string }{
		{"github.com", "/o/r/releases/download/t/../../../../../../secret"},
		{"github.com", "/o/r/releases/download/%2e%2e/..%2F..%2F..%2F..%2Fsecret"},
		{"github.com", "/o/r/releases/download/t/abs"},
		{"objects.githubusercontent.com", asset + "/o/r/t/abs"}, // symlink to an absolute path
		{"objects.githubusercontent.com", asset + "/o/r/t/rel"}, // symlink up and out
		{"objects.githubusercontent.com", asset + "/../../../secret"},
		{"objects.githubusercontent.com", asset + "/o/r/..//" + secret},
		{"objects.githubusercontent.com", asset + "/o/r/t/..%2F..%2F..%2F..%2F..%2Fsecret"},
		{"objects.githubusercontent.com", asset + "/o/r/t/" + strings.ReplaceAll(secret, "/", "%2F")},
	} {
		code, body := f.rawGet(t, c.host, c.path)
		if code != http.StatusNotFound || strings.Contains(body, "SECRET") {
			t.Errorf("%s %s: %d %q, want 404", c.host, c.path, code, body)
		}
	}
}

func TestUntrusted(t *testing.T) {
	root := t.TempDir()
	put(t, root, assetPath, 10)
	f := start(t, root)
	for name, pool := range map[string]*x509.CertPool{"system roots": nil, "no roots": x509.NewCertPool()} {
		_, err := f.client(pool, true).Get("https://github.com" + assetPath)
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Errorf("%s: %v, want an unknown authority error", name, err)
		}
	}
	// The CA vouches for the -hosts names only.
	conn, err := tls.Dial("tcp", f.addr, &tls.Config{RootCAs: f.pool, ServerName: "example.com"})
	var hostErr x509.HostnameError
	if !errors.As(err, &hostErr) {
		t.Errorf("example.com: %v, want a hostname error", err)
	}
	if conn != nil {
		conn.Close()
	}
}

func TestCA(t *testing.T) {
	f := start(t, t.TempDir())
	b, _ := os.ReadFile(f.ca)
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("%s: no PEM certificate", f.ca)
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	key, ok := ca.PublicKey.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() || !ca.IsCA {
		t.Errorf("CA: key %T, CA %v; want an ECDSA P-256 CA", ca.PublicKey, ca.IsCA)
	}
	if left := time.Until(ca.NotAfter); left < 20*time.Hour || left > 48*time.Hour || time.Now().Before(ca.NotBefore) {
		t.Errorf("CA valid %s to %s: want from now for about a day", ca.NotBefore, ca.NotAfter)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-root", filepath.Join(t.TempDir(), "missing")},
		{"-root", t.TempDir(), "-hosts", " , "},
		{"-root", t.TempDir(), "extra"},
		{"-root", t.TempDir(), "-listen", "127.0.0.1:-1"},
	} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

func TestHTTP2(t *testing.T) {
	root := t.TempDir()
	want := put(t, root, assetPath, 5000)
	f := start(t, root)
	c := f.client(f.pool, true)
	c.Transport.(*http.Transport).ForceAttemptHTTP2 = true
	resp, err := c.Get("https://github.com" + assetPath)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 || !bytes.Equal(got, want) {
		t.Errorf("%s %s, %d bytes; want HTTP/2 and the file's %d", resp.Proto, resp.Status, len(got), len(want))
	}
}
