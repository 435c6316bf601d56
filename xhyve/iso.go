package xhyve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/docker/machine/libmachine/log"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso"
	"github.com/zchee/docker-machine-driver-xhyve/internal/clone"
	"github.com/zchee/docker-machine-driver-xhyve/internal/download"
	"github.com/zchee/docker-machine-driver-xhyve/internal/release"
)

// Which ISO a machine boots: the one named with --xhyve-boot2docker-url, or,
// without it, the boot2docker ISO published with this release of the plugin
// (internal/release): downloaded once into the store's cache, checked
// against the sha256 built into the plugin, and cloned into each machine.

// releaseISODir, under the store's cache/, holds the release ISOs, each
// named by its sha256 so that releases never mix.
const releaseISODir = "xhyve-iso"

// followsRelease reports whether the machine boots the plugin's release ISO:
// created without --xhyve-boot2docker-url (by this plugin, or by one that
// defaulted to boot2docker's latest release: config.go's migrateV2).
func (d *Driver) followsRelease() bool {
	return d.ReleaseISO
}

// MarshalJSON saves the machine's configuration. A machine that follows the
// release saves the installed plugin's release URL as Boot2DockerURL:
// `docker-machine upgrade` downloads that URL into the machine, which so
// moves to the plugin's ISO (checked at the next start, see
// checkUpgradedISO).
func (d *Driver) MarshalJSON() ([]byte, error) {
	if err := d.checkVersion(); err != nil {
		return nil, err // never saved over with fewer fields
	}
	type saved Driver // the same fields without this method
	s := saved(*d)
	if d.followsRelease() {
		a, err := d.env.releaseISO()
		if err != nil {
			return nil, err
		}
		s.ReleaseISO, s.Boot2DockerURL = true, a.URL
	}
	return json.Marshal(s)
}

// releaseISOPath is where the store caches the release ISO a.
func (d *Driver) releaseISOPath(a release.Asset) string {
	return filepath.Join(d.StorePath, "cache", releaseISODir, "boot2docker-"+a.SHA256[:12]+".iso")
}

// releaseISOStatus says, without downloading or reading it, whether the
// release ISO is in the cache: doctor's view.
func (d *Driver) releaseISOStatus() (string, error) {
	if !d.followsRelease() {
		return fmt.Sprintf("--%s %s", flagBoot2DockerURL, d.Boot2DockerURL), nil
	}
	a, err := d.env.releaseISO()
	if err != nil {
		return "", err
	}
	path := d.releaseISOPath(a)
	if fi, err := os.Stat(path); err != nil || fi.Size() != a.Size {
		return fmt.Sprintf("not in the cache yet: create downloads %s (%d MB) into %s", a.URL, a.Size>>20, path), nil
	}
	return fmt.Sprintf("%s, from %s (its sha256 is checked before use)", path, a.URL), nil
}

// ensureReleaseISO returns the path of the release ISO in the store's
// cache, downloading it when it is missing or not the release's bytes. A
// download that is not the release's is discarded.
func (d *Driver) ensureReleaseISO() (string, error) {
	a, err := d.env.releaseISO()
	if err != nil {
		return "", err
	}
	path := d.releaseISOPath(a)
	want := download.Want{Size: a.Size, SHA256: a.SHA256}
	err = d.verifyCachedISO(path, want)
	if err == nil {
		return path, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		log.Warnf("%v; downloading it again", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("create the ISO cache: %w", err)
	}
	log.Infof("Downloading the boot2docker ISO of this plugin release (%d MB) from %s...", a.Size>>20, a.URL)
	err = download.File(context.Background(), a.URL, path, want, download.Options{
		Client:   d.env.httpClient,
		Progress: progressLog(filepath.Base(a.URL)),
		Stall:    d.env.downloadStall,
	})
	switch {
	case errors.Is(err, download.ErrDigest) || errors.Is(err, download.ErrSize):
		return "", fmt.Errorf("get the boot2docker ISO: %w; that is not this release's ISO and was discarded: try again later, or pass an ISO with --%s", err, flagBoot2DockerURL)
	case err != nil:
		return "", fmt.Errorf("get the boot2docker ISO: %w; without network, download %s elsewhere and place it at %s (sha256 %s), or pass an ISO with --%s",
			err, a.URL, path, a.SHA256, flagBoot2DockerURL)
	}
	log.Infof("Downloaded and verified %s", path)
	d.verifiedISO, _ = os.Stat(path) // none: verified again next time
	return path, nil
}

// verifyCachedISO checks the cached release ISO at path against want,
// unless this process verified this very file (same file, size and
// modification time) already.
func (d *Driver) verifyCachedISO(path string, want download.Want) error {
	before, err := os.Stat(path)
	if err == nil && unchangedFile(before, d.verifiedISO) {
		return nil
	}
	d.verifiedISO = nil
	if err := download.Verify(path, want); err != nil {
		return err
	}
	// Remembered only when nothing replaced the file while it was read.
	if after, err := os.Stat(path); err == nil && before != nil && unchangedFile(after, before) {
		d.verifiedISO = after
	}
	return nil
}

// unchangedFile reports whether a and b describe the same unchanged file.
func unchangedFile(a, b os.FileInfo) bool {
	return a != nil && b != nil && os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// progressLog logs a download's progress every tenth of the way.
func progressLog(name string) func(done, total int64) {
	next := int64(1)
	return func(done, total int64) {
		if total <= 0 || done*10 < next*total {
			return
		}
		log.Infof("Downloading %s: %d%% (%d of %d MB)", name, done*100/total, done>>20, total>>20)
		next = done*10/total + 1
	}
}

// copyISO puts the machine's ISO into the machine directory: the release
// ISO cloned from the cache (no space used on APFS, XFS, Btrfs), or the
// ISO named by URL, downloaded as libmachine does.
func (d *Driver) copyISO() error {
	if !d.followsRelease() {
		return d.copyISOFromURL()
	}
	cached, err := d.ensureReleaseISO()
	if err != nil {
		return err
	}
	return d.cloneISO(cached)
}

// cloneISO clones a cached ISO into the machine directory. A cached ISO
// that is a symbolic link (one a user placed) is resolved first: the machine
// gets a file of its own, and nothing outside the store is written through
// the link.
func (d *Driver) cloneISO(cached string) error {
	src, err := b2diso.ResolveCachedISO(cached)
	if err != nil {
		return fmt.Errorf("copy boot2docker ISO: %w", err)
	}
	if src != cached {
		log.Infof("%s is a link to %s: copying that file", cached, src)
	}
	cloned, err := clone.File(src, d.path(isoFile), 0o600)
	if err != nil {
		return fmt.Errorf("copy boot2docker ISO: %w", err)
	}
	log.Debugf("ISO copied into the machine directory (clone: %v)", cloned)
	return nil
}

// checkUpgradedISO runs at start, after the boot files were made from the
// machine's ISO (rec; prev is the sha256 of the ISO they were made from
// before, "" when unknown). A machine that follows the release boots either
// the ISO it booted last or this release's: an ISO that changed since to
// something else (libmachine's upgrade downloads Boot2DockerURL without
// checking it) is replaced with the verified release ISO. It reports
// whether it replaced the ISO.
func (d *Driver) checkUpgradedISO(prev string, rec b2diso.Record) (bool, error) {
	if !d.followsRelease() || prev == "" || rec.ISOSHA256 == prev {
		return false, nil
	}
	a, err := d.env.releaseISO()
	if err != nil {
		return false, err
	}
	if rec.ISOSHA256 == a.SHA256 {
		return false, nil
	}
	log.Warnf("%s changed (sha256 %s) and is not this release's ISO (sha256 %s): replacing it with the verified release ISO",
		d.path(isoFile), rec.ISOSHA256, a.SHA256)
	cached, err := d.ensureReleaseISO()
	if err != nil {
		return false, err
	}
	return true, d.cloneISO(cached)
}
