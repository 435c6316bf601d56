//go:build e2e

package e2e

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/release"
	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// releaseISO is the ISO the plugin under test boots by default: the facts
// built into it, and the file the sandbox serves at its URL.
func releaseISO(t *testing.T) (release.Asset, string) {
	t.Helper()
	a, err := release.ISO()
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	root := os.Getenv("XHYVE_SANDBOX_RELEASES")
	if root == "" {
		t.Fatal("XHYVE_SANDBOX_RELEASES is not set: run me in the sandbox (make e2e)")
	}
	return a, filepath.Join(root, filepath.FromSlash(u.Path))
}

// freshStore is a store of the user's own with an empty cache.
func freshStore(t *testing.T) (string, []string) {
	t.Helper()
	store := harness.UserTempDir(t)
	if err := os.MkdirAll(filepath.Join(store, "cache"), 0o755); err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, filepath.Join(store, "no-error-report"), "")
	harness.GiveToUser(t, store)
	return store, []string{"MACHINE_STORAGE_PATH=" + store}
}

// placeReleaseISO puts the release ISO where a user without network places
// it (the path the offline error names), so that a test's fresh store does
// not download it.
func placeReleaseISO(t *testing.T, store string) {
	t.Helper()
	a, served := releaseISO(t)
	cached := cachedReleaseISO(store, a)
	if err := os.MkdirAll(filepath.Dir(cached), 0o755); err != nil {
		t.Fatal(err)
	}
	harness.GiveToUser(t, filepath.Dir(cached))
	copyFile(t, served, cached)
}

// cachedReleaseISO is where a store keeps the release ISO a, as the README
// documents it: cache/xhyve-iso/boot2docker-<sha256 prefix>.iso.
func cachedReleaseISO(store string, a release.Asset) string {
	return filepath.Join(store, "cache", "xhyve-iso", "boot2docker-"+a.SHA256[:12]+".iso")
}

// TestReleaseISO: `create` without --xhyve-boot2docker-url, in a store
// with nothing cached, downloads the release ISO from the release URL (the
// sandbox serves it over HTTPS with its own CA, as GitHub does: a redirect
// to the asset host), checks it against the sha256 built into the plugin
// and boots it: Docker 26 or newer, runc 1.1.12 or newer, `docker run`. The
// same download with one byte changed is refused before anything boots.
func TestReleaseISO(t *testing.T) {
	a, served := releaseISO(t)
	store, env := freshStore(t)
	cached := cachedReleaseISO(store, a)

	t.Run("a tampered download is refused", func(t *testing.T) {
		data, err := os.ReadFile(served)
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)/2] ^= 0x01
		good := served + ".good"
		if err := os.Rename(served, good); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := os.Rename(good, served); err != nil {
				t.Fatalf("put the release ISO back: %v", err)
			}
		}()
		if err := os.WriteFile(served, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := harness.Run(t, 10*time.Minute, env, "docker-machine", "create", "-d", "xhyve", "tampered")
		if err == nil || !strings.Contains(out, "wrong sha256") || !strings.Contains(out, "not this release's ISO and was discarded") {
			t.Fatalf("create from a tampered download: %v, want it refused for its sha256:\n%s", err, out)
		}
		if strings.Contains(out, "Starting") {
			t.Errorf("a VM was started before the ISO was refused:\n%s", out)
		}
		for _, p := range []string{cached, filepath.Join(store, "machines", "tampered", "boot2docker.iso"), filepath.Join(store, "machines", "tampered", "disk.img")} {
			if exists(p) {
				t.Errorf("%s exists after the refused download", p)
			}
		}
		if ents, _ := os.ReadDir(filepath.Dir(cached)); len(ents) != 0 {
			t.Errorf("left in the ISO cache: %v", ents)
		}
	})

	t.Run("create downloads, verifies and boots it", func(t *testing.T) {
		const name = "release"
		out, err := harness.Run(t, 10*time.Minute, env, "docker-machine", "create", "-d", "xhyve", name)
		if err != nil {
			t.Fatalf("create: %v\n%s", err, out)
		}
		defer harness.Run(t, 5*time.Minute, env, "docker-machine", "rm", "-y", name)
		for _, want := range []string{"Downloading the boot2docker ISO of this plugin release", "from " + a.URL, "Downloading boot2docker.iso: 100%", "Downloaded and verified " + cached} {
			if !strings.Contains(out, want) {
				t.Errorf("create's output lacks %q", want)
			}
		}
		if got := sha256File(t, filepath.Join(store, "machines", name, "boot2docker.iso")); got != a.SHA256 {
			t.Errorf("the machine's ISO has sha256 %s, want the release's %s", got, a.SHA256)
		}
		denv := append(dockerEnv(t, env, name), env...)
		server, err := harness.Run(t, 5*time.Minute, denv, "docker", "version", "--format", "{{.Server.Version}}")
		if err != nil || atLeast(strings.TrimSpace(server), 26) != nil {
			t.Errorf("docker server version %q (%v), want 26 or newer", strings.TrimSpace(server), err)
		}
		runc := harness.DMWithEnv(t, env, "ssh", name, "runc --version")
		v, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(runc), "runc version "), "\n")
		if err := atLeast(v, 1, 1, 12); err != nil {
			t.Errorf("runc --version in the guest: %v\n%s", err, runc)
		}
		if out, err := harness.Run(t, 5*time.Minute, denv, "docker", "import", harness.GuestFile("image.tar"), "e2e/busybox"); err != nil {
			t.Fatalf("docker import: %v\n%s", err, out)
		}
		if out, err := harness.Run(t, 5*time.Minute, denv, "docker", "run", "--rm", "e2e/busybox", "echo", "hello from the release ISO"); err != nil || !strings.Contains(out, "hello from the release ISO") {
			t.Errorf("docker run: %v\n%s", err, out)
		}
	})
}

// dockerEnv is what `docker-machine env` sets for the machine, as KEY=VALUE.
func dockerEnv(t *testing.T, env []string, machine string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(harness.DMWithEnv(t, env, "env", "--shell", "bash", machine), "\n") {
		if kv, ok := strings.CutPrefix(line, "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			out = append(out, k+"="+strings.Trim(v, `"`))
		}
	}
	return out
}

// atLeast checks that the dotted version v is min or newer.
func atLeast(v string, min ...int) error {
	parts := strings.Split(strings.SplitN(v, "+", 2)[0], ".")
	for i, m := range min {
		if i >= len(parts) {
			return fmt.Errorf("version %q has no part %d", v, i+1)
		}
		n, err := strconv.Atoi(parts[i])
		if err != nil {
			return fmt.Errorf("version %q: %v", v, err)
		}
		if n != m {
			if n < m {
				return fmt.Errorf("version %q is older than %v", v, min)
			}
			return nil
		}
	}
	return nil
}
