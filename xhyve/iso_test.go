package xhyve

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso"
	"github.com/zchee/docker-machine-driver-xhyve/internal/download"
	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
	"github.com/zchee/docker-machine-driver-xhyve/internal/release"
)

// releaseMachine is a machine created without --xhyve-boot2docker-url: it
// follows the (test's) release ISO.
func releaseMachine(t *testing.T) *machine {
	t.Helper()
	return newMachine(t, fakehv.Behavior{Dialect: "hyperkit"}, map[string]interface{}{flagBoot2DockerURL: ""})
}

func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	return bytes.Equal(mustRead(t, a), mustRead(t, b))
}

// Without a URL, PreCreateCheck downloads the release ISO into the store's
// cache once; Create clones it; a later create uses the cached copy with the
// network gone; the saved config names the release URL for upgrade.
func TestReleaseISODownloadedOnce(t *testing.T) {
	m := releaseMachine(t)
	a, _ := m.d.env.releaseISO()
	cached := m.d.releaseISOPath(a)
	if err := download.Verify(cached, download.Want{Size: a.Size, SHA256: a.SHA256}); err != nil {
		t.Fatalf("after PreCreateCheck: %v", err)
	}
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	if !sameFile(t, cached, m.d.path(isoFile)) {
		t.Error("the machine's ISO is not the cached release ISO")
	}
	data, err := json.Marshal(m.d)
	if err != nil {
		t.Fatal(err)
	}
	var saved struct {
		Boot2DockerURL string
		ReleaseISO     bool
	}
	if err := json.Unmarshal(data, &saved); err != nil || saved.Boot2DockerURL != a.URL || !saved.ReleaseISO {
		t.Errorf("saved %+v (%v), want the release URL %s and ReleaseISO", saved, err, a.URL)
	}

	// A second machine of the store, offline: the cached copy serves.
	d := storeMachine(t, m.d.StorePath, "second")
	offline := a
	offline.URL = "https://127.0.0.1:1/boot2docker.iso"
	d.env.releaseISO = func() (release.Asset, error) { return offline, nil }
	d.Boot2DockerURL, d.ReleaseISO = "", true
	if err := d.copyISO(); err != nil {
		t.Fatalf("offline with a cached copy: %v", err)
	}
	if !sameFile(t, cached, d.path(isoFile)) {
		t.Error("the second machine's ISO is not the cached release ISO")
	}
}

// A download that is not the release's bytes is refused before anything
// exists: no cached file, no machine ISO. Offline without a cached copy, the
// error names the URL, where to place the file and its sha256.
func TestReleaseISORefused(t *testing.T) {
	store := t.TempDir()
	d := storeMachine(t, store, "dev")
	d.Boot2DockerURL, d.ReleaseISO = "", true
	want, _ := d.env.releaseISO()
	// Another ISO of the same size on the release URL: a tampered download.
	tamperedAsset, client := serveRelease(t, testISO(t, "tamper!"))
	tampered, _ := tamperedAsset()
	if tampered.Size != want.Size {
		t.Fatalf("test ISOs differ in size: %d, %d", tampered.Size, want.Size)
	}
	d.env.httpClient = client
	d.env.releaseISO = func() (release.Asset, error) {
		return release.Asset{URL: tampered.URL, Size: want.Size, SHA256: want.SHA256}, nil
	}
	err := d.copyISO()
	if !errors.Is(err, download.ErrDigest) || !strings.Contains(err.Error(), "not this release's ISO and was discarded") {
		t.Fatalf("tampered download: %v", err)
	}
	for _, p := range []string{d.releaseISOPath(want), d.path(isoFile)} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists after a refused download (%v)", p, err)
		}
	}
	if ents, _ := os.ReadDir(filepath.Dir(d.releaseISOPath(want))); len(ents) != 0 {
		t.Errorf("left in the ISO cache: %v", ents)
	}

	d.env.releaseISO = func() (release.Asset, error) {
		return release.Asset{URL: "https://127.0.0.1:1/boot2docker.iso", Size: want.Size, SHA256: want.SHA256}, nil
	}
	err = d.copyISO()
	for _, s := range []string{"without network", "https://127.0.0.1:1/boot2docker.iso", d.releaseISOPath(want), want.SHA256, "--xhyve-boot2docker-url"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("offline error %v does not say %q", err, s)
		}
	}
}

// libmachine's upgrade replaces the machine's ISO with whatever the release
// URL served: at the next start an ISO that is not the release's is
// replaced with the verified one. A machine whose ISO did not change keeps
// it, even when it is not this release's (created by an older plugin).
func TestStartChecksAnUpgradedISO(t *testing.T) {
	m := releaseMachine(t)
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	a, _ := m.d.env.releaseISO()
	if err := m.d.Kill(); err != nil {
		t.Fatal(err)
	}
	other := testISO(t, "kernel-2")
	if err := os.WriteFile(m.d.path(isoFile), mustRead(t, other), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := m.d.Start(); err != nil {
		t.Fatal(err)
	}
	if !sameFile(t, m.d.releaseISOPath(a), m.d.path(isoFile)) {
		t.Error("the changed ISO was booted instead of the release's")
	}
	if rec, err := b2diso.ReadRecord(m.d.path(bootRecordFile)); err != nil || rec.ISOSHA256 != a.SHA256 {
		t.Errorf("boot record names ISO %s (%v), want the release's %s", rec.ISOSHA256, err, a.SHA256)
	}

	// An old machine: created with an ISO that is not this release's and
	// saved with an empty URL. Its ISO stays until it is upgraded.
	old := newMachine(t, fakehv.Behavior{Dialect: "hyperkit"}, nil)
	if err := old.d.Create(); err != nil {
		t.Fatal(err)
	}
	before := mustRead(t, old.d.path(isoFile))
	old.d.Boot2DockerURL, old.d.ReleaseISO, old.d.ConfigVersion = "", false, configV2
	old.d.migrate(true)
	if err := old.d.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := old.d.Start(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, mustRead(t, old.d.path(isoFile))) {
		t.Error("an unchanged ISO was replaced at start")
	}
	oa, _ := old.d.env.releaseISO()
	data, err := json.Marshal(old.d)
	if err != nil || !bytes.Contains(data, []byte(`"Boot2DockerURL":"`+oa.URL+`"`)) {
		t.Errorf("the old machine's saved URL is not the release's: %s (%v)", data, err)
	}
}

// A machine with its own URL keeps it in the saved config.
func TestUserURLSaved(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "hyperkit"}, nil)
	url := m.d.Boot2DockerURL
	data, err := json.Marshal(m.d)
	if err != nil || !bytes.Contains(data, []byte(`"Boot2DockerURL":"`+url+`"`)) || !bytes.Contains(data, []byte(`"ReleaseISO":false`)) {
		t.Errorf("saved %s (%v), want the user's URL %s", data, err, url)
	}
	if got, err := m.d.releaseISOStatus(); err != nil || !strings.Contains(got, url) {
		t.Errorf("doctor says %q (%v), want the user's URL", got, err)
	}
}

// What PreCreateCheck verified is not hashed again by Create in the same
// process, unless the cached file was replaced in between: a replacement
// of the same size is checked again, found wrong and downloaded anew.
func TestReleaseISOReplacedAfterPreCreateCheck(t *testing.T) {
	m := releaseMachine(t)
	a, _ := m.d.env.releaseISO()
	cached := m.d.releaseISOPath(a)
	good := mustRead(t, cached)
	bad := append([]byte(nil), good...)
	bad[len(bad)/2] ^= 1
	tmp := cached + ".tmp"
	if err := os.WriteFile(tmp, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, cached); err != nil {
		t.Fatal(err)
	}
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustRead(t, m.d.path(isoFile)), good) || !bytes.Equal(mustRead(t, cached), good) {
		t.Error("a cached ISO replaced after PreCreateCheck was used without being checked again")
	}
}

// TestISOPathsWithURLCharacters: %, # and ? are ordinary in file names;
// they must reach the machine as the file the user named.
func TestISOPathsWithURLCharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "100% #1 ?yes")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	iso := filepath.Join(dir, "b2d%41.iso")
	if err := os.WriteFile(iso, mustRead(t, testISO(t, "kernel-odd-path")), 0o644); err != nil {
		t.Fatal(err)
	}
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve"}, map[string]interface{}{flagBoot2DockerURL: iso})
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	if got := string(mustRead(t, m.d.path(kernelFile))); got != "kernel-odd-path" {
		t.Errorf("booted kernel %q, want the one from %s", got, iso)
	}
}

// TestDamagedISOFailsClearly: a damaged ISO (plain http, upgrade) fails the
// create at once with what is wrong and the flag that fixes it, never with a
// panic or a hang.
func TestDamagedISOFailsClearly(t *testing.T) {
	iso := filepath.Join(t.TempDir(), "damaged.iso")
	good := mustRead(t, testISO(t, "kernel"))
	if err := os.WriteFile(iso, good[:len(good)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	m := newMachine(t, fakehv.Behavior{Dialect: "xhyve"}, map[string]interface{}{flagBoot2DockerURL: iso})
	start := time.Now()
	err := m.d.Create()
	if err == nil || !strings.Contains(err.Error(), "is damaged") || !strings.Contains(err.Error(), "--xhyve-boot2docker-url") {
		t.Errorf("Create from a truncated ISO: %v, want it called damaged with the flag to fix it", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s to refuse a damaged ISO", took)
	}
	if _, err := os.Stat(m.d.path(diskFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a disk was created for a damaged ISO: %v", err)
	}
}
