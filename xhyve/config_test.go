package xhyve

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	rpcdriver "github.com/docker/machine/libmachine/drivers/rpc"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
)

// loadSaved loads a saved Driver object as docker-machine's plugin server
// does (SetConfigRaw: json.Unmarshal into the driver main registers).
func loadSaved(data []byte) (*Driver, error) {
	d := NewDriver("", "")
	err := rpcdriver.NewRPCServerDriver(d).SetConfigRaw(data, nil)
	return d, err
}

// savedObject decodes a saved Driver object field by field.
func savedObject(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSavedConfigsMigrate loads configurations saved by earlier releases
// (testdata/README.md says how they were made): each comes out in today's
// shape, with only the fields whose meaning moved changed, passes
// checkSaved, and saves with the current version.
func TestSavedConfigsMigrate(t *testing.T) {
	release, err := defaultEnv().releaseISO()
	if err != nil {
		t.Fatal(err)
	}
	oldPath := map[string]any{ // created with --xhyve-boot2docker-url ~/Downloads/boot2docker.iso
		"ConfigVersion":   float64(configVersion),
		"Boot2DockerURL":  "file:///Users/alice/Downloads/boot2docker.iso",
		"ReleaseISO":      false,
		"NFSServer":       nfsMacOS,
		"TimeSync":        float64(defaultTimeSync),
		"NFSShareTargets": []any{"/Volumes/work"},
	}
	for _, tt := range []struct {
		file    string
		changed map[string]any // the saved fields that change, and to what
		builtin bool
	}{
		{"config-0fd9d98.json", oldPath, false},
		// The same machine after a start with the next release, which
		// saved its fields as it read them: NFSServer "", TimeSync 60.
		{"config-0fd9d98-resaved-13d07e6.json", oldPath, false},
		{"config-13d07e6.json", map[string]any{
			"ConfigVersion":  float64(configVersion),
			"Boot2DockerURL": release.URL, // follows the release ISO
			"ReleaseISO":     true,
		}, true},
		{"config-0b6cdca.json", map[string]any{
			"ConfigVersion": float64(configVersion),
			// Created with --xhyve-time-sync 0, which stays off.
		}, false},
	} {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			d, err := loadSaved(data)
			if err != nil {
				t.Fatal(err)
			}
			if d.ConfigVersion != configVersion || d.MachineName != "dev" || d.StorePath != "/Users/alice/.docker/machine" {
				t.Errorf("loaded version %d, machine %q in %q", d.ConfigVersion, d.MachineName, d.StorePath)
			}
			if d.builtinNFS() != tt.builtin || d.followsRelease() != (tt.changed["ReleaseISO"] != false) {
				t.Errorf("builtin NFS %v, follows the release %v", d.builtinNFS(), d.followsRelease())
			}
			if err := d.checkSaved(); err != nil {
				t.Error(err)
			}
			saved, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			want := savedObject(t, data)
			for k, v := range tt.changed {
				want[k] = v
			}
			if got := savedObject(t, saved); !reflect.DeepEqual(got, want) {
				t.Errorf("saved again as\n%s\nwant the saved fields with %v", saved, tt.changed)
			}
			// Today's configuration loads as it is.
			d2, err := loadSaved(saved)
			if err != nil {
				t.Fatal(err)
			}
			if again, err := json.Marshal(d2); err != nil || !bytes.Equal(again, saved) {
				t.Errorf("a round trip changed today's configuration:\n%s\n%s (%v)", saved, again, err)
			}
		})
	}
}

// A machine created today saves the current version and loads unchanged,
// NewDriver's defaults not filling what it saved.
func TestCreatedConfigRoundTrip(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "hyperkit"}, map[string]interface{}{flagTimeSync: 0, flagNFSServer: nfsMacOS})
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	saved, err := json.Marshal(m.d)
	if err != nil {
		t.Fatal(err)
	}
	if got := savedObject(t, saved)["ConfigVersion"]; got != float64(configVersion) {
		t.Errorf("saved ConfigVersion %v, want %d", got, configVersion)
	}
	d, err := loadSaved(saved)
	if err != nil {
		t.Fatal(err)
	}
	d.env = m.d.env
	if again, err := json.Marshal(d); err != nil || !bytes.Equal(again, saved) {
		t.Errorf("a round trip changed the configuration:\n%s\n%s (%v)", saved, again, err)
	}
	if d.TimeSync != 0 || d.ReleaseISO || d.NFSServer != nfsMacOS {
		t.Errorf("loaded TimeSync %d, ReleaseISO %v, NFSServer %q; want what was saved", d.TimeSync, d.ReleaseISO, d.NFSServer)
	}
}

// A configuration saved by a newer plugin loads, but every entry point that
// acts on it, reads its state or saves it refuses it with the fix, and
// touches nothing; an edited one that is no version's shape is refused at
// start.
func TestConfigRefused(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "config-0b6cdca.json"))
	if err != nil {
		t.Fatal(err)
	}
	obj := savedObject(t, data)
	store := t.TempDir()
	obj["ConfigVersion"], obj["StorePath"] = configVersion+1, store
	newer, _ := json.Marshal(obj)
	d, err := loadSaved(newer)
	if err != nil {
		t.Fatal(err)
	}
	d.env = testEnv(t, store)
	_, marshalErr := json.Marshal(d)
	_, stateErr := d.GetState()
	// Not Create: it acts on a configuration this plugin has just made.
	for name, err := range map[string]error{
		"Start": d.Start(), "Stop": d.Stop(), "Kill": d.Kill(),
		"Restart": d.Restart(), "Remove": d.Remove(), "GetState": stateErr, "MarshalJSON": marshalErr,
	} {
		if !errors.Is(err, errConfigNewer) {
			t.Errorf("%s: %v, want errConfigNewer", name, err)
			continue
		}
		for _, want := range []string{`machine "dev"`, filepath.Join(store, "machines", "dev", "config.json"), "version 4", "upgrade docker-machine-driver-xhyve"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v; want it to say %q", name, err, want)
			}
		}
	}
	if entries, err := os.ReadDir(store); err != nil || len(entries) != 0 {
		t.Errorf("the store holds %d entries (%v), want none", len(entries), err)
	}

	obj["ConfigVersion"], obj["NFSServer"], obj["NFSShares"] = configVersion, "", []string{"/Users/alice/src"}
	edited, _ := json.Marshal(obj)
	d, err = loadSaved(edited)
	if err != nil {
		t.Fatal(err)
	}
	err = d.checkSaved()
	for _, want := range []string{`NFSServer ""`, "NFSShareTargets has 0 paths for 1 NFSShares", "config.json"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("checkSaved: %v; want it to say %q", err, want)
		}
	}
}

// migrateV1 reads a local ISO saved as a plain path as libmachine did: a
// URL, whose path it opened.
func TestMigrateV1ISOPath(t *testing.T) {
	for _, tt := range []struct{ saved, want string }{
		{"/Users/alice/b2d.iso", "file:///Users/alice/b2d.iso"},
		{"/Users/alice/my%20b2d.iso", "file:///Users/alice/my%20b2d.iso"}, // libmachine opened "my b2d.iso"
		{"/Users/alice/a b.iso", "file:///Users/alice/a%20b.iso"},
		{"https://example.com/b2d.iso", "https://example.com/b2d.iso"},
		{"file:///Users/alice/b2d.iso", "file:///Users/alice/b2d.iso"},
		{"", ""},
	} {
		d := &Driver{Boot2DockerURL: tt.saved}
		d.migrateV1(true)
		if d.Boot2DockerURL != tt.want {
			t.Errorf("%q migrated to %q, want %q", tt.saved, d.Boot2DockerURL, tt.want)
		}
	}
}
