package xhyve

import (
	"github.com/docker/machine/libmachine/log"
)

// PreCreateCheck makes sure this host can run the VM before anything is
// created (SetConfigFromFlags has validated the flags): every check
// `doctor` reports passes (an Intel Mac and an amd64 plugin, macOS 12 or
// later, Hypervisor.framework, a hypervisor found and identified that takes
// -F and -M, with vmnet rights and the hypervisor entitlement, vmnet's
// files, the store, what NFS needs), and the release ISO is in the store's
// cache (downloaded and verified). Every failure names its fix.
func (d *Driver) PreCreateCheck() error {
	for _, c := range d.checks(false) {
		found, err := c.run()
		if err != nil {
			return err
		}
		log.Debugf("%s: %s", c.name, found)
	}
	log.Infof("Using %s %s (%s)", d.HypervisorDialect, d.HypervisorVersion, d.Hypervisor)
	// The release ISO is fetched and checked now, so that a download that
	// fails or is not the release's stops the create before anything exists.
	if d.followsRelease() {
		if _, err := d.ensureReleaseISO(); err != nil {
			return err
		}
	}
	return nil
}
