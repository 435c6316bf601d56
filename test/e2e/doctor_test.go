//go:build e2e

package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// TestDoctor: in the sandbox, which recreates the Mac around the driver,
// doctor passes; without a hypervisor on PATH, with xhyve v0.2.0 (no -F,
// no -M), or with a comma in the store's path, it fails and names the fix,
// and so does create, before it makes anything.
func TestDoctor(t *testing.T) {
	plugin, err := exec.LookPath("docker-machine-driver-xhyve")
	if err != nil {
		t.Fatal(err)
	}
	out, err := harness.Run(t, time.Minute, nil, plugin, "doctor")
	if err != nil || !strings.Contains(out, "all checks passed") || !strings.Contains(out, "ok    hypervisor:") {
		t.Errorf("doctor in the sandbox: %v\n%s", err, out)
	}
	// No hypervisor: off PATH, and out of /usr/local/bin, where the driver
	// looks too (the sandbox's copies are its own, put back after).
	var path []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "xhyve")); err != nil {
			path = append(path, dir)
		}
	}
	hidden := []string{"/usr/local/bin/xhyve", "/usr/local/bin/hyperkit"}
	for _, hv := range hidden {
		if err := os.Rename(hv, hv+".hidden"); err != nil {
			t.Fatal(err)
		}
	}
	out, err = harness.Run(t, time.Minute, []string{"PATH=" + strings.Join(path, ":")}, plugin, "doctor")
	for _, hv := range hidden {
		if rerr := os.Rename(hv+".hidden", hv); rerr != nil {
			t.Fatalf("put %s back: %v", hv, rerr)
		}
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("doctor without a hypervisor: %v, want exit status 1", err)
	}
	for _, want := range []string{"FAIL  hypervisor:", "no xhyve or hyperkit binary found", "--xhyve-hypervisor", "Requirements"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor without a hypervisor does not say %q:\n%s", want, out)
		}
	}

	// The stand-in plays xhyve's only tagged release, which lacks -F and -M.
	out, err = harness.Run(t, time.Minute, []string{"XHYVE_STANDIN_RELEASE=v0.2.0"}, plugin, "doctor")
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("doctor with xhyve v0.2.0: %v, want exit status 1", err)
	}
	for _, want := range []string{"ok    hypervisor:", "xhyve 0.2.0", "FAIL  hypervisor options:", "lacks -F (pidfile) and -M (MAC query)",
		"illegal option", "Build xhyve from its current source or install hyperkit", "--xhyve-hypervisor"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor with xhyve v0.2.0 does not say %q:\n%s", want, out)
		}
	}
	// create runs the same checks before it makes anything.
	const name = "v020"
	out, err = harness.Run(t, 5*time.Minute, []string{"XHYVE_STANDIN_RELEASE=v0.2.0"}, "docker-machine", "create", "-d", "xhyve", name)
	if err == nil {
		t.Errorf("create with xhyve v0.2.0 succeeded:\n%s", out)
	}
	for _, want := range []string{"xhyve 0.2.0", "lacks -F (pidfile) and -M (MAC query)", "--xhyve-hypervisor"} {
		if !strings.Contains(out, want) {
			t.Errorf("create with xhyve v0.2.0 does not say %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(machineDir(name), "disk.img")); err == nil {
		t.Error("create with xhyve v0.2.0 made a disk")
	}
	if _, err := os.Stat(machineDir(name)); err == nil {
		dm(t, "rm", "-y", name)
	}
	assertRemoved(t, name, "")

	// A store whose path has a comma, which xhyve cannot take on its
	// command line: doctor and create refuse it before the driver writes
	// anything there (docker-machine makes its certificates first).
	comma := filepath.Join(harness.UserTempDir(t), "a,b")
	env := []string{"MACHINE_STORAGE_PATH=" + comma}
	out, err = harness.Run(t, time.Minute, env, plugin, "doctor")
	if err == nil || !strings.Contains(out, "FAIL  machine store:") || !strings.Contains(out, "use a MACHINE_STORAGE_PATH without commas") {
		t.Errorf("doctor with a comma in the store: %v, want the machine store check failed with the fix:\n%s", err, out)
	}
	out, err = harness.Run(t, 5*time.Minute, env, "docker-machine", "create", "-d", "xhyve", "comma")
	if err == nil || !strings.Contains(out, "Error with pre-create check") || !strings.Contains(out, "contains a comma") {
		t.Errorf("create with a comma in the store: %v, want it refused in pre-create:\n%s", err, out)
	}
	for _, p := range []string{"cache/xhyve-iso", "machines/comma/boot2docker.iso", "machines/comma/disk.img"} {
		if exists(filepath.Join(comma, p)) {
			t.Errorf("create with a comma in the store wrote %s", p)
		}
	}
}
