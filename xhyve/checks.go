package xhyve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso"
	"github.com/zchee/docker-machine-driver-xhyve/internal/dhcp"
	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
	"github.com/zchee/docker-machine-driver-xhyve/internal/vmnet"
)

// check is one thing this host needs to run the machine. PreCreateCheck
// and `docker-machine-driver-xhyve doctor` run the same list: the first
// stops at a failure, the second reports every one.
type check struct {
	name string
	// run returns what it found, or what is wrong; every error says how
	// to fix it.
	run func() (string, error)
	// onHypervisor, set instead of run by a platform's hostChecksAfter,
	// checks the hypervisor binary the "hypervisor" check found.
	onHypervisor func(path string) (string, error)
}

// errSkipped marks a check that could not run because one before it failed.
var errSkipped = errors.New("not checked: it needs the hypervisor found above")

// minFreeMB is the space a create needs in the store: the boot files of a
// new ISO, and the ISO itself where the file system cannot clone it.
const minFreeMB = 200

// checks lists what a create needs, in order; later checks may use what
// earlier ones found (the hypervisor). d is updated with the hypervisor's
// path, dialect and version. all adds the checks of features the machine
// does not use (doctor's view: NFS).
func (d *Driver) checks(all bool) []check {
	var info hypervisor.Info
	found := func() error {
		if info.Path == "" {
			return errSkipped
		}
		return nil
	}
	list := d.env.hostChecks()
	list = append(list, check{name: "hypervisor", run: func() (string, error) {
		var err error
		if info, err = d.identifyHypervisor(); err != nil {
			return "", err
		}
		if err := d.checkHypervisorLimits(atCreate); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s %s (%s)", info.Dialect, info.Version, info.Path), nil
	}})
	list = append(list, check{name: "hypervisor options", run: func() (string, error) {
		if err := found(); err != nil {
			return "", err
		}
		return checkOptions(context.Background(), info)
	}})
	list = append(list, check{name: "vmnet rights", run: func() (string, error) {
		if err := found(); err != nil {
			return "", err
		}
		return d.env.vmnetRights(info.Path)
	}})
	for _, c := range d.env.hostChecksAfter() {
		if c.onHypervisor != nil {
			onHypervisor := c.onHypervisor
			c.run = func() (string, error) {
				if err := found(); err != nil {
					return "", err
				}
				return onHypervisor(info.Path)
			}
		}
		list = append(list, c)
	}
	list = append(list,
		check{name: "vmnet preferences", run: d.checkVMNetPlist},
		check{name: "lease file", run: d.checkLeases},
		check{name: "machine store", run: d.checkStore},
		check{name: "boot2docker ISO", run: d.releaseISOStatus},
	)
	if len(d.shares()) > 0 || all {
		list = append(list, check{name: "NFS shares", run: d.checkNFS})
	}
	return list
}

// hypervisorFindError adds the flag that names a hypervisor to the
// internal package's error.
func hypervisorFindError(explicit string, err error) error {
	if explicit != "" {
		return fmt.Errorf("--%s %q: %w", flagHypervisor, explicit, err)
	}
	return fmt.Errorf("%w; install one (see the README's Requirements) or name it with --%s", err, flagHypervisor)
}

func (d *Driver) checkVMNetPlist() (string, error) {
	f, err := os.Open(d.env.vmnetPlist)
	if errors.Is(err, os.ErrNotExist) {
		return "not written yet (vmnet writes it when the first VM starts); the host's address is then 192.168.64.1", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", d.env.vmnetPlist, err)
	}
	defer f.Close()
	shared, err := vmnet.Parse(f)
	if errors.Is(err, vmnet.ErrNoSharedAddress) {
		return "names no host address; the driver uses the address of the interface that carries the VM's network", nil
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w; remove it and let vmnet write it again", d.env.vmnetPlist, err)
	}
	return fmt.Sprintf("the host is %s on %s", shared.Address, shared.Network()), nil
}

func (d *Driver) checkLeases() (string, error) {
	f, err := os.Open(d.env.leasesPath)
	if errors.Is(err, os.ErrNotExist) {
		return "none yet (vmnet's DHCP server writes " + d.env.leasesPath + " at the first lease)", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w; the driver must read it to find the VM's address", d.env.leasesPath, err)
	}
	defer f.Close()
	leases, err := dhcp.Parse(f)
	if err != nil {
		return "", fmt.Errorf("read %s: %w; the driver must read it to find the VM's address: repair it, or move it away and restart vmnet's VMs", d.env.leasesPath, err)
	}
	return fmt.Sprintf("%s is readable (%d leases)", d.env.leasesPath, len(leases)), nil
}

// checkStore: docker-machine's store can be written and has room.
func (d *Driver) checkStore() (string, error) {
	store := d.StorePath
	// The machine's files go on the hypervisor's command line: a path it
	// cannot take is refused now, not after a create wrote them all.
	if err := d.hypervisorConfig(b2diso.Record{}).CheckPaths(); err != nil {
		return "", err
	}
	if err := os.MkdirAll(store, 0o700); err != nil {
		return "", fmt.Errorf("create the store %s: %w; set MACHINE_STORAGE_PATH to a directory you may write", store, err)
	}
	probe, err := os.CreateTemp(store, ".xhyve-doctor-*")
	if err != nil {
		return "", fmt.Errorf("write into the store %s: %w; set MACHINE_STORAGE_PATH to a directory you may write", store, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	var st unix.Statfs_t
	if err := unix.Statfs(store, &st); err != nil {
		return "", fmt.Errorf("read the free space of %s: %w", store, err)
	}
	free := int64(st.Bavail) * int64(st.Bsize) >> 20
	if free < minFreeMB {
		return "", fmt.Errorf("no space: the store %s has %d MB free, less than the %d MB a create needs; free some space or set MACHINE_STORAGE_PATH elsewhere", store, free, minFreeMB)
	}
	return fmt.Sprintf("%s is writable, %d MB free", store, free), nil
}

// checkNFS: what the chosen NFS server needs.
func (d *Driver) checkNFS() (string, error) {
	if d.builtinNFS() {
		addr, err := vmnet.HostAddress(d.env.vmnetPlist, hostGuess)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("builtin: each machine serves its shares itself on %s (no root, no sudo)", addr), nil
	}
	for _, s := range d.shares() {
		if volume, refused := nfsdRefuses(s.Host); refused {
			return "", fmt.Errorf("--%s %s: macOS's nfsd refuses to export %s (checkexports: \"exported dir/fs mismatch\"): since macOS 10.15 it lies on the data volume mounted at %s and is reached through a firmlink; use --%s %s, which serves it as it is",
				flagNFSServer, nfsMacOS, s.Host, volume, flagNFSServer, nfsBuiltin)
		}
	}
	if err := d.nfsHost().Check(); err != nil {
		return "", fmt.Errorf("--%s with --%s %s: %w (or use --%s %s, which needs no root)", flagNFSShare, flagNFSServer, nfsMacOS, err, flagNFSServer, nfsBuiltin)
	}
	return "macos: nfsd is there and may be reconfigured", nil
}

// hostGuess is vmnet's default VM address, for the host's address when
// vmnet's preferences are not written yet.
var hostGuess = net.IPv4(192, 168, 64, 2)
