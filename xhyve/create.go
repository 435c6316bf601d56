package xhyve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/docker/machine/libmachine/log"
	"github.com/docker/machine/libmachine/mcnutils"
	"github.com/docker/machine/libmachine/ssh"
	"github.com/google/uuid"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso"
	"github.com/zchee/docker-machine-driver-xhyve/internal/disk"
	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
	"github.com/zchee/docker-machine-driver-xhyve/internal/uuidpool"
)

// Create builds the machine: ISO, boot files, SSH key, disk and MAC address,
// then boots it. Each step can be redone after a failed create; Remove
// cleans up whatever a failed create left.
func (d *Driver) Create() error {
	dir := d.path("")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create machine directory: %w", err)
	}
	// docker-machine makes the directory world-readable; keys live here.
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("restrict machine directory: %w", err)
	}
	unlock, err := d.lock(opCreate)
	if err != nil {
		return err
	}
	defer unlock()
	if err := d.chooseUUID(); err != nil {
		return err
	}
	if err := d.copyISO(); err != nil {
		return err
	}
	if _, err := d.ensureBootFiles(); err != nil {
		return err
	}
	log.Infof("Creating SSH key...")
	if err := ssh.GenerateSSHKey(d.GetSSHKeyPath()); err != nil {
		return fmt.Errorf("generate SSH key: %w", err)
	}
	pub, err := os.ReadFile(d.GetSSHKeyPath() + ".pub")
	if err != nil {
		return fmt.Errorf("read SSH public key: %w", err)
	}
	log.Infof("Creating %d MB disk image...", d.DiskSize)
	if err := disk.Create(d.path(diskFile), d.DiskSize, pub); err != nil {
		return err
	}
	if d.MACAddress == "" {
		mac, err := d.queryMAC()
		if err != nil {
			return err
		}
		d.MACAddress = mac.String()
		log.Debugf("vmnet MAC address for UUID %s: %s", d.UUID, d.MACAddress)
	}
	log.Infof("Starting %s VM...", d.HypervisorDialect)
	return d.start()
}

// queryMAC asks the hypervisor which MAC vmnet gives the machine's UUID.
func (d *Driver) queryMAC() (net.HardwareAddr, error) {
	ctx, cancel := context.WithTimeout(context.Background(), macQueryTimeout)
	defer cancel()
	return hypervisor.QueryMAC(ctx, d.Hypervisor, d.UUID)
}

// copyISOFromURL downloads the ISO named with --xhyve-boot2docker-url into
// the machine directory, as libmachine does.
func (d *Driver) copyISOFromURL() error {
	b2d := mcnutils.NewB2dUtils(d.StorePath)
	if err := b2d.CopyIsoToMachineDir(d.Boot2DockerURL, d.MachineName); err != nil {
		return fmt.Errorf("get boot2docker ISO: %w", err)
	}
	return nil
}

// chooseUUID gives the machine its UUID, and so its vmnet MAC and address:
// the user's (--xhyve-uuid), or one a removed machine of this store left
// with its address still leased (internal/uuidpool), or a new one. The
// pool's lock makes the choice: two creates never get the same UUID.
func (d *Driver) chooseUUID() error {
	pool := d.uuidPool()
	if d.UUID != "" {
		err := pool.Reserve(d.path(""), d.UUID)
		if errors.Is(err, uuidpool.ErrReserved) {
			return fmt.Errorf("--%s %s: %w; choose another UUID", flagUUID, d.UUID, err)
		}
		if err != nil {
			log.Warnf("%v", err)
		}
		return nil
	}
	e, ok, err := pool.Take(d.path(""))
	switch {
	case err != nil:
		log.Warnf("%v; the machine gets a new UUID", err)
	case ok:
		d.UUID, d.MACAddress = e.UUID, ""
		from := "a removed machine"
		if e.Machine != "" {
			from = fmt.Sprintf("removed machine %q", e.Machine)
		}
		log.Infof("Reusing UUID %s of %s, whose address vmnet still holds", e.UUID, from)
		return nil
	}
	d.UUID = uuid.NewString()
	return nil
}

// uuidPool is the store's pool of UUIDs with leased addresses.
func (d *Driver) uuidPool() *uuidpool.Pool {
	p := uuidpool.ForStore(d.StorePath)
	p.Logf = log.Warnf
	return p
}

// bootCache is where the store keeps the boot files of each ISO, shared by
// its machines.
func (d *Driver) bootCache() string {
	return filepath.Join(d.StorePath, "cache", bootCacheDir)
}

// ensureBootFiles extracts kernel and initrd from the machine's ISO unless
// they already came from this very ISO: after `docker-machine upgrade`
// replaced it, the next start boots the new kernel.
func (d *Driver) ensureBootFiles() (b2diso.Record, error) {
	if err := b2diso.CheckMachineISO(d.path(isoFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return b2diso.Record{}, err
	}
	rec, extracted, err := b2diso.Ensure(d.path(isoFile), d.BootKernel, d.BootInitrd, b2diso.Dest{
		Kernel: d.path(kernelFile),
		Initrd: d.path(initrdFile),
		Record: d.path(bootRecordFile),
		Cache:  d.bootCache(),
	})
	switch {
	case errors.Is(err, b2diso.ErrDamaged):
		return b2diso.Record{}, fmt.Errorf("%w; download it again or pass another with --%s", err, flagBoot2DockerURL)
	case errors.Is(err, b2diso.ErrNotFound):
		return b2diso.Record{}, fmt.Errorf("extract boot files: %w; name them with --%s and --%s", err, flagBootKernel, flagBootInitrd)
	case err != nil:
		return b2diso.Record{}, fmt.Errorf("extract boot files: %w", err)
	}
	if extracted {
		log.Infof("Extracted %s and %s from %s", rec.Kernel, rec.Initrd, isoFile)
	}
	return rec, nil
}
