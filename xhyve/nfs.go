package xhyve

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/docker/machine/libmachine/log"

	"github.com/zchee/docker-machine-driver-xhyve/internal/logfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/nfs"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
	"github.com/zchee/docker-machine-driver-xhyve/internal/vmnet"
	"github.com/zchee/docker-machine-driver-xhyve/internal/wait"
)

// builtinNFS reports whether the machine's supervisor serves its shares.
func (d *Driver) builtinNFS() bool { return d.NFSServer == nfsBuiltin }

// nfsSpec tells the supervisor what to serve with the built-in server, or
// is nil when it serves nothing.
func (d *Driver) nfsSpec() *supervisorctl.NFSSpec {
	shares := d.shares()
	if len(shares) == 0 || !d.builtinNFS() {
		return nil
	}
	spec := &supervisorctl.NFSSpec{VMNetPlist: d.env.vmnetPlist}
	for _, s := range shares {
		spec.Shares = append(spec.Shares, s.Host)
	}
	return spec
}

// setupShares makes the shares reachable from the VM's current address
// (the built-in server is told by the supervisor; macOS's nfsd gets its
// exports, an address change replacing the old ones) and mounts them in
// the guest, persistently, before Start returns.
func (d *Driver) setupShares() error {
	shares := d.shares()
	if len(shares) == 0 {
		return nil
	}
	mounts := make([]nfs.Mount, len(shares))
	for i, s := range shares {
		mounts[i] = nfs.Mount{HostPath: s.Host, GuestPath: s.Guest}
	}
	server, err := d.shareServer(shares)
	if err != nil {
		return err
	}
	current, err := d.runSSH(d.env.sshCommandTimeout, nfs.ReadBootsyncCommand, nil, bootsyncMaxOutput)
	if err != nil {
		return fmt.Errorf("read the guest's %s: %w", nfs.Bootsync, err)
	}
	bootsync := nfs.WithGuestBlock([]byte(current), nfs.GuestScript(server, mounts))
	if out, err := d.runSSH(d.env.sshCommandTimeout, nfs.WriteBootsyncCommand, bootsync, sshMaxOutput); err != nil {
		return fmt.Errorf("write the guest's %s: %w: %s", nfs.Bootsync, err, out)
	}
	if out, err := d.runSSH(d.env.sshCommandTimeout+nfs.MountTimeout(len(mounts)), nfs.MountCommand, nfs.MountScript(server, mounts), sshMaxOutput); err != nil {
		return fmt.Errorf("mount NFS shares in the VM: %w: %s", err, strings.TrimSpace(out))
	}
	log.Infof("Mounted %d NFS share(s) in the VM", len(mounts))
	return nil
}

// shareServer is where the guest mounts the shares from: the address the
// built-in server listens on, or, for macOS's nfsd, the host's vmnet
// address once the exports name the VM's address.
func (d *Driver) shareServer(shares []share) (nfs.Server, error) {
	ip := net.ParseIP(d.IPAddress)
	if d.builtinNFS() {
		return d.waitNFSServer()
	}
	blocks := make([]nfs.Block, len(shares))
	for i, s := range shares {
		line, err := nfs.ExportLine(s.Host, d.NFSUID, d.NFSGID, ip)
		if err != nil {
			return nfs.Server{}, fmt.Errorf("export NFS share: %w", err)
		}
		blocks[i] = nfs.Block{ID: nfs.BlockID(d.path(""), s.Host), Line: line}
	}
	changed, err := d.nfsHost().Reconcile(nfs.MachinePrefix(d.path("")), blocks)
	if err != nil {
		return nfs.Server{}, fmt.Errorf("export NFS shares: %w", err)
	}
	if changed {
		log.Infof("Exported %d NFS share(s) to %s", len(blocks), ip)
	}
	return nfs.Server{Addr: d.nfsServer(ip)}, nil
}

// waitNFSServer waits for the supervisor to record where its NFS server
// listens, up to the IP deadline (it binds vmnet's address as soon as it
// exists).
func (d *Driver) waitNFSServer() (nfs.Server, error) {
	var server nfs.Server
	err := wait.Until(d.env.ipTimeout, d.env.interval, "the machine's NFS server", func() (bool, error) {
		view := d.inspect()
		if addr := view.Status.NFSAddr; addr != "" {
			tcp, err := net.ResolveTCPAddr("tcp", addr)
			if err != nil {
				return false, fmt.Errorf("the supervisor's NFS address %q: %w", addr, err)
			}
			server = nfs.Server{Addr: tcp.IP, Port: tcp.Port}
			return true, nil
		}
		if !view.Alive() {
			return false, errors.New("the VM stopped before its NFS server started")
		}
		return false, nil
	})
	if errors.Is(err, wait.ErrTimeout) {
		return server, fmt.Errorf("%w; its log says:\n%s", err, logfile.Tail(d.layout().SupervisorLog(), 2048))
	}
	return server, err
}

// removeShares deletes the machine's exports; a machine that never had
// shares, or whose shares its own server served, leaves the exports file
// untouched.
func (d *Driver) removeShares() error {
	if len(d.shares()) == 0 || d.builtinNFS() {
		return nil // the exports file and its lock are not touched
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

// nfsServer is the host's address on vmnet's network (docs/facts.md §4).
func (d *Driver) nfsServer(vm net.IP) net.IP {
	addr, err := vmnet.HostAddress(d.env.vmnetPlist, vm)
	if err != nil {
		log.Warnf("%v", err)
	}
	return addr
}
