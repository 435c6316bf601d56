package xhyve

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/docker/machine/libmachine/drivers"
)

// The saved configuration, config.json's "Driver" object, says which
// version of the driver's fields it holds (ConfigVersion). Loading brings a
// configuration of any earlier version to the current one here, one step per
// version, so that the rest of the driver reads the current fields only.
//
// Versions 1 to 3 are what the releases before ConfigVersion saved, each
// named by its commit. They cannot be told apart by their fields, because a
// release loads an older machine and saves it again with its own fields
// (docker-machine saves after start, stop, upgrade). So a configuration
// without ConfigVersion is read as version 1, and every step keeps what a
// later release has already saved.
const (
	// configV1: the release of 2026-11-27 (0fd9d98).
	configV1 = 1
	// configV2: the release of 2026-12-01 (13d07e6) added NFSServer,
	// TimeSync and NFSShareTargets, and saves a local ISO as a file URL.
	configV2 = 2
	// configV3: the release of 2026-12-07 (0b6cdca) added ReleaseISO;
	// the next one saves the same fields with ConfigVersion.
	configV3 = 3
	// configVersion is the version this plugin saves. A change to what a
	// saved field means, or a field whose absence in older configurations
	// means more than its zero value, raises it and adds a step to migrate.
	configVersion = configV3
)

// errConfigNewer: the configuration was saved by a newer plugin. This one
// would misread the fields it does not know, and drop them when saving.
var errConfigNewer = errors.New("saved by a newer release of the plugin")

// UnmarshalJSON loads the saved configuration, as docker-machine's plugin
// server does before every command (SetConfigRaw), and migrates it. Fields
// absent from the object are zero: NewDriver's defaults do not survive the
// load, so what an absent field meant is said by the step of its version.
func (d *Driver) UnmarshalJSON(data []byte) error {
	type saved Driver // the same fields, without these methods
	s := saved{BaseDriver: new(drivers.BaseDriver)}
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("read the saved configuration: %w", err)
	}
	var present struct{ TimeSync *int }
	if err := json.Unmarshal(data, &present); err != nil {
		return fmt.Errorf("read the saved configuration: %w", err)
	}
	// The seams and what this process verified are not configuration.
	s.env, s.verifiedISO = d.env, d.verifiedISO
	*d = Driver(s)
	d.migrate(present.TimeSync != nil)
	return nil
}

// checkVersion refuses a configuration saved by a newer plugin, which this
// one would misread, and whose fields it does not know it would drop on
// saving. It is not refused at load: docker-machine's client leaves a
// driver it failed to load half made, and ls then panics when it closes
// it. The entry points refuse it instead: every action (lock), the state
// (ls shows the error) and saving (MarshalJSON).
func (d *Driver) checkVersion() error {
	if d.ConfigVersion <= configVersion {
		return nil
	}
	return fmt.Errorf("machine %q: its configuration (%s) is version %d, %w, and this one knows versions up to %d: upgrade docker-machine-driver-xhyve to the release that saved it, or a later one",
		d.MachineName, d.path("config.json"), d.ConfigVersion, errConfigNewer, configVersion)
}

// migrate brings the configuration from its version to configVersion; a
// newer one is left as it is (checkVersion). timeSyncSaved says whether the
// saved object had TimeSync, whose zero (off) is not what its absence
// meant.
func (d *Driver) migrate(timeSyncSaved bool) {
	if d.ConfigVersion < configV1 {
		d.ConfigVersion = configV1 // saved before ConfigVersion existed
	}
	for ; d.ConfigVersion < configVersion; d.ConfigVersion++ {
		switch d.ConfigVersion {
		case configV1:
			d.migrateV1(timeSyncSaved)
		case configV2:
			d.migrateV2()
		}
	}
}

// migrateV1 reads the fields as the release of 2026-11-27 left them.
func (d *Driver) migrateV1(timeSyncSaved bool) {
	// Shares were served by macOS's nfsd, the only server then.
	if d.NFSServer == "" {
		d.NFSServer = nfsMacOS
	}
	// The guest clock was not checked; the next release checked it at
	// the default interval on machines it had not created.
	if !timeSyncSaved {
		d.TimeSync = defaultTimeSync
	}
	// Shares were exported at the paths given, symlinks unresolved.
	for i := len(d.NFSShareTargets); i < len(d.NFSShares); i++ {
		d.NFSShareTargets = append(d.NFSShareTargets, d.NFSShares[i])
	}
	// A local ISO was saved as a plain path, which libmachine parses as a
	// URL: the file URL of the path it read.
	if d.Boot2DockerURL != "" && !strings.Contains(d.Boot2DockerURL, "://") {
		if u, err := url.Parse(d.Boot2DockerURL); err == nil && filepath.IsAbs(u.Path) {
			d.Boot2DockerURL = (&url.URL{Scheme: "file", Path: u.Path}).String()
		}
	}
}

// migrateV2 reads the fields as the release of 2026-12-01 left them.
func (d *Driver) migrateV2() {
	// A machine created without --xhyve-boot2docker-url saved an empty
	// URL; it follows the plugin's release ISO (iso.go).
	if !d.ReleaseISO && d.Boot2DockerURL == "" {
		d.ReleaseISO = true
	}
}
