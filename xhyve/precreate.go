package xhyve

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/docker/machine/libmachine/log"

	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
)

// PreCreateCheck makes sure this host can run the VM before anything is
// created: the flags are valid, a hypervisor is found and identified, and the
// platform checks pass. Every failure names its fix.
func (d *Driver) PreCreateCheck() error {
	if err := d.validateFlags(); err != nil {
		return err
	}
	path, err := hypervisor.Find(d.Hypervisor, d.env.lookPath)
	if err != nil {
		return err
	}
	if path, err = filepath.Abs(path); err != nil {
		return fmt.Errorf("resolve hypervisor path: %w", err)
	}
	info, err := hypervisor.Identify(context.Background(), path)
	if err != nil {
		return fmt.Errorf("%w; name an xhyve or hyperkit binary with --%s", err, flagHypervisor)
	}
	d.Hypervisor, d.HypervisorDialect, d.HypervisorVersion = info.Path, info.Dialect, info.Version
	log.Infof("Using %s %s (%s)", info.Dialect, info.Version, info.Path)
	if err := platformChecks(info); err != nil {
		return err
	}
	if len(d.shares()) > 0 && !d.builtinNFS() {
		if err := d.nfsHost().Check(); err != nil {
			return fmt.Errorf("--%s/--%s with --%s %s: %w (or use --%s %s, which needs no root)", flagNFSShareHome, flagNFSShare, flagNFSServer, nfsMacOS, err, flagNFSServer, nfsBuiltin)
		}
	}
	return nil
}
