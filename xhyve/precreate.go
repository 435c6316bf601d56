package xhyve

import (
	"github.com/docker/machine/libmachine/log"
)

// PreCreateCheck makes sure this host can run the VM before anything is
// created (SetConfigFromFlags has validated the flags): every check
// `doctor` reports passes (Hypervisor.framework, an Intel CPU, a hypervisor
// found and identified with vmnet rights, vmnet's files, the store, what
// NFS needs). Every failure names its fix.
func (d *Driver) PreCreateCheck() error {
	for _, c := range d.checks(false) {
		found, err := c.run()
		if err != nil {
			return err
		}
		log.Debugf("%s: %s", c.name, found)
	}
	log.Infof("Using %s %s (%s)", d.HypervisorDialect, d.HypervisorVersion, d.Hypervisor)
	return nil
}
