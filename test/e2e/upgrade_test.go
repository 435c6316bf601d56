//go:build e2e

package e2e

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// checkUpgradeStopped: `upgrade` of a stopped machine boots it, swaps in
// the ISO of the machine's URL and ends Running. First the machine gets a
// URL of its own (config.json as if created with --xhyve-boot2docker-url
// and the legacy ISO, whose version differs): upgrade downloads that ISO.
// Then its config takes the shape the first release saved for a machine
// created without a URL (Boot2DockerURL "", none of the later fields):
// upgrade moves it to the installed plugin's release ISO, and the
// configuration is migrated and saved in today's shape. Engine options
// survive both.
func checkUpgradeStopped(t *testing.T, name string) {
	dm(t, "stop", name)
	if got := status(t, name); got != "Stopped" {
		t.Fatalf("status after stop: %q", got)
	}
	legacy := harness.GuestFile("boot2docker-legacy.iso")
	editDriverConfig(t, name, func(d map[string]interface{}) {
		d["Boot2DockerURL"], d["ReleaseISO"] = (&url.URL{Scheme: "file", Path: legacy}).String(), false
	})
	want := isoVersion(t, legacy)
	if was := isoVersion(t, machineFile(name, "boot2docker.iso")); was == want {
		t.Fatalf("the machine already has version %s: nothing to prove", want)
	}
	out := dm(t, "upgrade", name)
	if got := status(t, name); got != "Running" {
		t.Errorf("status after upgrade: %q\n%s", got, out)
	}
	if got := isoVersion(t, machineFile(name, "boot2docker.iso")); got != want {
		t.Errorf("the machine's ISO is %s after upgrade, want its URL's %s", got, want)
	}
	if got := osVersion(t, name); got != want {
		t.Errorf("the guest runs %s after upgrade, want %s", got, want)
	}

	a, served := releaseISO(t)
	// The shape of the first release's config (version 1, xhyve/testdata):
	// no ConfigVersion, ReleaseISO, NFSServer, TimeSync or NFSShareTargets.
	editDriverConfig(t, name, func(d map[string]interface{}) {
		d["Boot2DockerURL"] = ""
		for _, field := range []string{"ReleaseISO", "ConfigVersion", "NFSServer", "TimeSync", "NFSShareTargets"} {
			delete(d, field)
		}
	})
	out = dm(t, "upgrade", name)
	if got := sha256File(t, machineFile(name, "boot2docker.iso")); got != a.SHA256 {
		t.Errorf("the machine's ISO has sha256 %s after upgrade, want the release's %s\n%s", got, a.SHA256, out)
	}
	if got, want := osVersion(t, name), isoVersion(t, served); got != want {
		t.Errorf("the guest runs %s after upgrade, want the release's %s", got, want)
	}
	d := driverConfig(t, name)
	if d["Boot2DockerURL"] != a.URL || d["ReleaseISO"] != true {
		t.Errorf("saved Boot2DockerURL %v, ReleaseISO %v; want %s and true", d["Boot2DockerURL"], d["ReleaseISO"], a.URL)
	}
	// Migrated and saved again in today's shape: the absent TimeSync is
	// the default (not 0, off), the absent NFSServer macOS's nfsd.
	if d["ConfigVersion"] != 3.0 || d["NFSServer"] != "macos" || d["TimeSync"] != 60.0 {
		t.Errorf("saved ConfigVersion %v, NFSServer %v, TimeSync %v; want 3, macos and 60 migrated from the version 1 shape", d["ConfigVersion"], d["NFSServer"], d["TimeSync"])
	}
	// the engine options live on the data disk and survive the new ISO
	if info := machineDockerInfo(t, name); !slices.Contains(info.Labels, "a=b") {
		t.Errorf("labels after upgrade: %q", info.Labels)
	}
}

// editDriverConfig changes the driver's part of the machine's config.json,
// as a user with an editor (or an older plugin) would leave it.
func editDriverConfig(t *testing.T, machine string, edit func(map[string]interface{})) {
	t.Helper()
	p := machineFile(machine, "config.json")
	var host map[string]interface{}
	if err := json.Unmarshal([]byte(harness.ReadFile(t, p)), &host); err != nil {
		t.Fatal(err)
	}
	d, ok := host["Driver"].(map[string]interface{})
	if !ok {
		t.Fatalf("%s has no Driver object", p)
	}
	edit(d)
	data, err := json.MarshalIndent(host, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, p, string(data))
}
