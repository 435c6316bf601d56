package xhyve

import (
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/docker/machine/libmachine/drivers"
	"github.com/docker/machine/libmachine/log"
	"github.com/docker/machine/libmachine/ssh"

	"github.com/zchee/docker-machine-driver-xhyve/internal/nfs"
	"github.com/zchee/docker-machine-driver-xhyve/internal/vmnet"
)

// setupShares exports the machine's shares to its current address (an
// address change replaces the old exports) and mounts them in the guest,
// persistently, before Start returns.
func (d *Driver) setupShares() error {
	shares := d.shares()
	if len(shares) == 0 {
		return nil
	}
	ip := net.ParseIP(d.IPAddress)
	blocks := make([]nfs.Block, len(shares))
	mounts := make([]nfs.Mount, len(shares))
	for i, s := range shares {
		blocks[i] = nfs.Block{ID: nfs.BlockID(d.path(""), s.Host), Line: nfs.ExportLine(s.Host, d.NFSUID, d.NFSGID, ip)}
		mounts[i] = nfs.Mount{HostPath: s.Host, GuestPath: s.Guest}
	}
	changed, err := d.nfsHost().Reconcile(nfs.MachinePrefix(d.path("")), blocks)
	if err != nil {
		return fmt.Errorf("export NFS shares: %w", err)
	}
	if changed {
		log.Infof("Exported %d NFS share(s) to %s", len(blocks), ip)
	}
	script := nfs.GuestScript(d.nfsServer(ip), mounts)
	ssh.SetDefaultClient(ssh.Native) // the guest is reached the same way on every host
	current, err := drivers.RunSSHCommandFromDriver(d, "sudo cat "+nfs.Bootsync+" 2>/dev/null || true")
	if err != nil {
		return fmt.Errorf("read the guest's %s: %w", nfs.Bootsync, err)
	}
	bootsync := nfs.WithGuestBlock([]byte(current), script)
	// Scripts travel base64-encoded: no user-supplied text is ever parsed
	// by the remote shell as part of the command.
	if out, err := drivers.RunSSHCommandFromDriver(d, fmt.Sprintf("echo %s | base64 -d | sudo tee %s >/dev/null && sudo chmod 755 %s",
		base64.StdEncoding.EncodeToString(bootsync), nfs.Bootsync, nfs.Bootsync)); err != nil {
		return fmt.Errorf("write the guest's %s: %w: %s", nfs.Bootsync, err, out)
	}
	now := script + "exit $xhyve_nfs_status\n"
	if out, err := drivers.RunSSHCommandFromDriver(d, fmt.Sprintf("echo %s | base64 -d | sudo sh",
		base64.StdEncoding.EncodeToString([]byte(now)))); err != nil {
		return fmt.Errorf("mount NFS shares in the VM: %w: %s", err, strings.TrimSpace(out))
	}
	log.Infof("Mounted %d NFS share(s) in the VM", len(mounts))
	return nil
}

// removeShares deletes the machine's exports; a machine that never had
// shares leaves the exports file untouched.
func (d *Driver) removeShares() error {
	if _, err := d.nfsHost().Reconcile(nfs.MachinePrefix(d.path("")), nil); err != nil {
		return fmt.Errorf("remove NFS exports: %w", err)
	}
	return nil
}

func (d *Driver) nfsHost() nfs.Host {
	return nfs.Host{
		Exports: d.env.exportsPath,
		NFSD:    d.env.nfsdPath,
		Lock:    d.env.exportsLock,
		Root:    os.Geteuid() == 0,
		Sudo:    d.env.sudoPath,
		Tee:     d.env.teePath,
	}
}

// nfsServer is the host's address on vmnet's network, from vmnet's
// preferences; without them, the first address of the VM's /24, vmnet's
// default.
func (d *Driver) nfsServer(vm net.IP) net.IP {
	if f, err := os.Open(d.env.vmnetPlist); err == nil {
		defer f.Close()
		shared, err := vmnet.Parse(f)
		if err == nil {
			return shared.Address
		}
		log.Warnf("%s: %v; assuming the host is .1 of the VM's network", d.env.vmnetPlist, err)
	}
	v4 := vm.To4()
	return net.IPv4(v4[0], v4[1], v4[2], 1)
}
