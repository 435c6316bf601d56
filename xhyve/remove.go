package xhyve

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/docker/machine/libmachine/log"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso"
	"github.com/zchee/docker-machine-driver-xhyve/internal/dhcp"
	"github.com/zchee/docker-machine-driver-xhyve/internal/lockfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/proc"
	"github.com/zchee/docker-machine-driver-xhyve/internal/uuidpool"
)

// RemoveLeaseCommand is the plugin binary's subcommand that deletes a MAC's
// entries from the lease file, for users whose plugin may not write it:
// `sudo docker-machine-driver-xhyve remove-dhcp-lease MAC`.
const RemoveLeaseCommand = "remove-dhcp-lease"

// Remove kills the VM if it runs, releases its NFS exports and DHCP lease,
// and leaves the machine directory to docker-machine, which deletes it. It
// works after a failed or interrupted create and when called twice.
func (d *Driver) Remove() error {
	unlock, err := d.lockForRemove()
	if err != nil {
		return err
	}
	defer unlock()
	if err := d.kill(); err != nil {
		return fmt.Errorf("kill the VM before removing it: %w", err)
	}
	// Exports first: were the lease freed while they remain, the next VM
	// given this address would be given this machine's shares too.
	if err := d.removeShares(); err != nil {
		return err
	}
	d.releaseAddress()
	if n, err := b2diso.PruneCache(d.bootCache()); err != nil {
		log.Warnf("%v", err)
	} else if n > 0 {
		log.Debugf("removed %d unused boot file cache entries", n)
	}
	return nil
}

// lockForRemove takes the machine's lock; if one holder keeps it for the
// whole wait and past the bound (a hung start), it is ended: `rm -f`
// deletes the directory whatever Remove returns, and must not leave a VM
// running behind it. The holder is read as the wait begins and when it
// runs out: one that took the lock meanwhile, even the same process for
// another command, is not the one waited for, and is spared.
func (d *Driver) lockForRemove() (func(), error) {
	path := d.path(machineLockFile)
	before, held := readHolder(path)
	unlock, err := d.lock(opRemove)
	if !errors.Is(err, lockfile.ErrTimeout) {
		return unlock, err
	}
	after, stillHeld := readHolder(path)
	if !held || !stillHeld || !after.same(before) || time.Since(after.since) < d.env.lockTimeout {
		return nil, err // no one holder hung through the wait
	}
	exe, _ := d.env.executable()
	if exe == "" || !d.env.procs.Is(after.pid, proc.Identity{Exes: []string{exe}}) {
		return nil, err
	}
	log.Warnf("%v; ending pid %d, which has held it since %s, to remove the machine", err, after.pid, after.since.Format(time.RFC3339))
	if serr := d.env.procs.Signal(after.pid, syscall.SIGKILL); serr != nil {
		return nil, fmt.Errorf("end pid %d holding machine %q: %w", after.pid, d.MachineName, serr)
	}
	return d.lock(opRemove)
}

// releaseAddress gives the machine's vmnet address back: its lease is
// removed (by the plugin, or by `sudo -n` when the user may run it), and
// when it cannot be, the UUID, which fixes the MAC and so the address, is
// pooled for the store's next create (internal/uuidpool), so an `rm` as
// the user leaks nothing.
func (d *Driver) releaseAddress() {
	mac, gone := d.removeLease()
	id := strings.ToLower(d.UUID)
	pool := d.uuidPool()
	if gone || id == "" {
		if err := pool.Forget(d.path(""), id); err != nil {
			log.Warnf("%v", err)
		}
		return
	}
	e := uuidpool.Entry{UUID: id, Machine: d.MachineName}
	if mac != nil {
		e.MAC = mac.String()
	}
	if err := pool.Remember(d.path(""), e); err != nil {
		log.Warnf("keep UUID %s for reuse: %v; its address stays leased", id, err)
		return
	}
	log.Infof("Kept UUID %s in %s: the next machine created in this store reuses it and its address", id, pool.Path)
}

// errNeverBooted reports a machine whose create ended before it could
// boot: it never had a lease.
var errNeverBooted = errors.New("the create ended before the VM had a UUID and a hypervisor")

// removeMACFromFile edits the lease file; tests replace it.
var removeMACFromFile = dhcp.RemoveMACFromFile

// removeLease deletes this machine's entries from the lease file so vmnet's
// small address pool does not run dry, and reports whether no lease of the
// machine remains. Failing to is not worth keeping a machine the user
// wants gone: it is logged with the command that frees it now.
func (d *Driver) removeLease() (net.HardwareAddr, bool) {
	mac, err := d.leaseMAC()
	if err != nil {
		log.Debugf("no DHCP lease to remove: %v", err)
		return nil, errors.Is(err, errNeverBooted)
	}
	n, err := removeMACFromFile(d.env.leasesPath, mac)
	switch {
	case errors.Is(err, fs.ErrPermission):
		// bootpd's file is root's: try sudo without a password prompt.
		exe, _ := d.env.executable()
		cmd := exec.Command(d.env.sudoPath, "-n", exe, RemoveLeaseCommand, mac.String())
		cmd.Env = subcommandEnv()
		out, serr := cmd.CombinedOutput()
		if serr == nil {
			log.Infof("%s", strings.TrimSpace(string(out)))
			return mac, true
		}
		log.Infof("The DHCP lease of %s stays in %s (%v; sudo -n: %s); to free its address now rather than reuse it, run:\n  sudo %s %s %s",
			mac, d.env.leasesPath, err, strings.TrimSpace(string(out)), exe, RemoveLeaseCommand, mac)
		return mac, false
	case err != nil:
		log.Warnf("cannot remove the DHCP lease of %s: %v; fix or delete %s", mac, err, d.env.leasesPath)
		return mac, false
	case n > 0:
		log.Infof("Removed %d DHCP lease(s) of %s", n, mac)
	}
	return mac, true
}

// leaseMAC is the VM's MAC. A create killed after the VM booted but before
// docker-machine saved the MAC leaves a lease under a MAC config.json does
// not know: the hypervisor tells it again from the UUID.
func (d *Driver) leaseMAC() (net.HardwareAddr, error) {
	if d.MACAddress != "" {
		return net.ParseMAC(d.MACAddress)
	}
	if d.UUID == "" || d.Hypervisor == "" {
		return nil, errNeverBooted
	}
	return d.queryMAC()
}

// RemoveLeaseMain runs RemoveLeaseCommand with its arguments and returns the
// exit status.
func RemoveLeaseMain(args []string) int {
	if len(args) != 1 {
		fmt.Fprintf(os.Stderr, "usage: docker-machine-driver-xhyve %s MAC\n", RemoveLeaseCommand)
		return 2
	}
	mac, err := net.ParseMAC(args[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", RemoveLeaseCommand, err)
		return 2
	}
	n, err := dhcp.RemoveMACFromFile(leasesPath, mac)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", RemoveLeaseCommand, err)
		return 1
	}
	fmt.Printf("removed %d lease(s) of %s from %s\n", n, mac, leasesPath)
	return 0
}
