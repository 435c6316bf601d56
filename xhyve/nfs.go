package xhyve

import (
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/docker/machine/libmachine/log"

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
		line, err := nfs.ExportLine(s.Host, d.NFSUID, d.NFSGID, ip)
		if err != nil {
			return fmt.Errorf("export NFS share: %w", err)
		}
		blocks[i] = nfs.Block{ID: nfs.BlockID(d.path(""), s.Host), Line: line}
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
	current, err := d.runSSH(d.env.sshCommandTimeout, "sudo cat "+nfs.Bootsync+" 2>/dev/null || true", nil)
	if err != nil {
		return fmt.Errorf("read the guest's %s: %w", nfs.Bootsync, err)
	}
	bootsync := nfs.WithGuestBlock([]byte(current), script)
	// Scripts travel on stdin: no user-supplied text is ever parsed by the
	// remote shell as part of the command.
	if out, err := d.runSSH(d.env.sshCommandTimeout, fmt.Sprintf("sudo tee %s >/dev/null && sudo chmod 755 %s", nfs.Bootsync, nfs.Bootsync), bootsync); err != nil {
		return fmt.Errorf("write the guest's %s: %w: %s", nfs.Bootsync, err, out)
	}
	// The script bounds its own retries; the session outlasts them.
	mountTimeout := d.env.sshCommandTimeout + time.Duration(nfs.MountDeadline+len(mounts)*nfs.MountAttemptTimeout)*time.Second
	if out, err := d.runSSH(mountTimeout, "sudo sh", []byte(script+"exit $xhyve_nfs_status\n")); err != nil {
		return fmt.Errorf("mount NFS shares in the VM: %w: %s", err, strings.TrimSpace(out))
	}
	log.Infof("Mounted %d NFS share(s) in the VM", len(mounts))
	return nil
}

// removeShares deletes the machine's exports; a machine that never had
// shares leaves the exports file untouched.
func (d *Driver) removeShares() error {
	if len(d.shares()) == 0 {
		return nil // never exported anything: the exports file and its lock are not touched
	}
	if _, err := d.nfsHost().Reconcile(nfs.MachinePrefix(d.path("")), nil); err != nil {
		return fmt.Errorf("remove NFS exports: %w", err)
	}
	return nil
}

func (d *Driver) nfsHost() nfs.Host {
	return nfs.Host{
		Exports: d.env.exportsPath,
		NFSD:    d.env.nfsdPath,
		Root:    os.Geteuid() == 0,
		Sudo:    d.env.sudoPath,
		Tee:     d.env.teePath,
		Mv:      d.env.mvPath,
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
