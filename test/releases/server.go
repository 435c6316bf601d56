package main

import (
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"sync"
)

// assetPrefix is the first segment of the asset host's paths, after
// GitHub's (github-production-release-asset-2e65be/REPO_ID/ASSET_ID); here
// the rest of the path names the file: OWNER/REPO/TAG/NAME.
const assetPrefix = "github-production-release-asset"

// server answers as GitHub does for release assets: github.com redirects
// /OWNER/REPO/releases/download/TAG/NAME to the asset host, which serves the
// file OWNER/REPO/releases/download/TAG/NAME under root.
type server struct {
	root   *os.Root // the served tree; nothing outside it can be opened
	github string   // the host that redirects (github.com)
	assets string   // the host that serves the bytes (objects.githubusercontent.com)

	mu  sync.Mutex
	log io.Writer // one line per request; nil: none
}

// ServeHTTP answers GET and HEAD; anything it does not serve is a 404.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cw := &countingWriter{ResponseWriter: w, status: http.StatusOK}
	host, port := splitHost(r.Host)
	defer func() { s.logf("%s %s %s %d %d\n", r.Method, host, r.URL.EscapedPath(), cw.status, cw.bytes) }()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		cw.Header().Set("Allow", "GET, HEAD")
		http.Error(cw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	segs, ok := segments(r.URL.Path)
	switch {
	case !ok:
	case host == s.github && len(segs) == 6 && segs[2] == "releases" && segs[3] == "download":
		// OWNER/REPO/releases/download/TAG/NAME: redirect when the asset exists.
		f, _, err := s.open(path.Join(segs...))
		if err != nil {
			break
		}
		f.Close()
		loc := url.URL{
			Scheme: "https",
			Host:   joinHost(s.assets, port),
			Path:   path.Join("/", assetPrefix, segs[0], segs[1], segs[4], segs[5]),
			// spaces as %20, as GitHub writes them
			RawQuery: strings.ReplaceAll(url.Values{"X-Amz-Expires": {"300"}, "response-content-disposition": {"attachment; filename=" + segs[5]}, "response-content-type": {"application/octet-stream"}}.Encode(), "+", "%20"),
		}
		cw.Header().Set("Location", loc.String())
		cw.Header().Set("Cache-Control", "no-cache")
		cw.WriteHeader(http.StatusFound)
		return
	case host == s.assets && len(segs) == 5 && segs[0] == assetPrefix:
		// github-production-release-asset/OWNER/REPO/TAG/NAME
		f, fi, err := s.open(path.Join(segs[1], segs[2], "releases", "download", segs[3], segs[4]))
		if err != nil {
			break
		}
		defer f.Close()
		cw.Header().Set("Content-Type", "application/octet-stream")
		cw.Header().Set("Content-Disposition", "attachment; filename="+segs[4])
		http.ServeContent(cw, r, "", fi.ModTime(), f)
		return
	}
	http.NotFound(cw, r)
}

// open opens the regular file name under the root; directories, devices
// and anything outside the root are fs.ErrNotExist or the root's error.
func (s *server) open(name string) (*os.File, fs.FileInfo, error) {
	f, err := s.root.Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", name, err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s: not a regular file: %w", name, fs.ErrNotExist)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

func (s *server) logf(format string, args ...any) {
	if s.log == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.log, format, args...)
}

// segments splits an absolute URL path into its segments; ok is false when
// one is empty, "." or "..", or holds a NUL or a backslash, so that a path
// names a file below the root only by its plain names.
func segments(p string) (segs []string, ok bool) {
	if !strings.HasPrefix(p, "/") {
		return nil, false
	}
	segs = strings.Split(p[1:], "/")
	for _, s := range segs {
		if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "\x00\\") {
			return nil, false
		}
	}
	return segs, true
}

// splitHost splits a Host header into its lower-case host and its port
// ("" when it has none).
func splitHost(hostport string) (host, port string) {
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		return strings.ToLower(h), p
	}
	return strings.ToLower(hostport), ""
}

// joinHost is host with port, or host alone for no port or 443.
func joinHost(host, port string) string {
	if port == "" || port == "443" {
		return host
	}
	return net.JoinHostPort(host, port)
}

// countingWriter records a response's status and the bytes of its body.
type countingWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

// WriteHeader records the status.
func (w *countingWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

// Write counts the body's bytes.
func (w *countingWriter) Write(b []byte) (int, error) {
	w.wrote = true
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err // the connection's error, as is: net/http tests it
}
