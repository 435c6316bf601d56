//go:build selftest

package sandbox

import (
	"bytes"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/internal/release"
)

// getClient is a downloader as the plugin is built (CGO_ENABLED=0: the
// pure-Go resolver reading /etc/hosts, crypto/x509's system roots): it
// follows redirects and writes the body on stdout, the final host on stderr.
const getClient = `package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	resp, err := http.Get(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, resp.Status)
		os.Exit(1)
	}
	if _, err := io.Copy(os.Stdout, resp.Body); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "from", resp.Request.URL.Host)
}
`

// releaseURL is the release URL of internal/release/iso.txt, through the
// driver's own parser of it.
func releaseURL(t *testing.T) string {
	t.Helper()
	a, err := release.ISO()
	if err != nil {
		t.Fatal(err)
	}
	return a.URL
}

// TestSandboxReleases: the release URL of internal/release/iso.txt, fetched
// by the user over HTTPS with the system roots, is $XHYVE_E2E_ISO's bytes,
// through GitHub's redirect; a file renamed over it in
// $XHYVE_SANDBOX_RELEASES is served next; the host's /etc/hosts and CA
// bundle are unchanged.
func TestSandboxReleases(t *testing.T) {
	url := releaseURL(t)
	hostFiles := []string{"/etc/hosts", "/etc/ssl/certs/ca-certificates.crt"}
	before := make([][]byte, len(hostFiles))
	for i, f := range hostFiles {
		before[i], _ = os.ReadFile(f) // absent: nil, and must stay absent
	}
	// The user must reach the directory: t.TempDir's are 0700.
	dir, err := os.MkdirTemp("", "sandbox-releases-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	iso, other := randomFile(t, dir, "fake.iso", 1<<20+17), randomFile(t, dir, "tampered.iso", 4096)
	if err := os.WriteFile(filepath.Join(dir, "get.go"), []byte(getClient), 0o644); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "get"), filepath.Join(dir, "get.go"))
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the client: %v\n%s", err, out)
	}

	served := "$XHYVE_SANDBOX_RELEASES/" + strings.TrimPrefix(url, "https://github.com/")
	script := `set -e
as_user=` + filepath.Join(root, "test/sandbox/as-user") + ` d=` + dir + `
"$as_user" "$d/get" '` + url + `' > "$d/got1"
cp "$d/tampered.iso" "` + served + `.new" && mv "` + served + `.new" "` + served + `"
"$as_user" "$d/get" '` + url + `' > "$d/got2"
cat "$XHYVE_SANDBOX_STATE/releases.log"`
	out, code := runSandbox(t, []string{"XHYVE_E2E_ISO=" + filepath.Join(dir, "fake.iso")}, script)
	if code != 0 {
		t.Fatalf("status %d\n%s", code, out)
	}
	for _, c := range []struct {
		got  string
		want []byte
	}{{"got1", iso}, {"got2", other}} {
		got, err := os.ReadFile(filepath.Join(dir, c.got))
		if err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("%s: %d bytes (%v), want the %d bytes served\n%s", c.got, len(got), err, len(c.want), out)
		}
	}
	if n := strings.Count(out, "from objects.githubusercontent.com\n"); n != 2 {
		t.Errorf("%d downloads ended at objects.githubusercontent.com, want 2\n%s", n, out)
	}
	if n := strings.Count(out, " 302 0\n"); n != 2 {
		t.Errorf("%d redirects in releases.log, want 2\n%s", n, out)
	}
	for i, f := range hostFiles {
		if after, _ := os.ReadFile(f); !bytes.Equal(after, before[i]) {
			t.Errorf("the host's %s changed (%d bytes, was %d)", f, len(after), len(before[i]))
		}
	}
}

// randomFile writes size random bytes to dir/name, readable by all.
func randomFile(t *testing.T, dir, name string, size int) []byte {
	t.Helper()
	b := make([]byte, size)
	rand.Read(b)
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}
