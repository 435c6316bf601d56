package xhyve

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"strings"

	"github.com/docker/machine/libmachine/log"

	"github.com/zchee/docker-machine-driver-xhyve/internal/dhcp"
)

// RemoveLeaseCommand is the plugin binary's subcommand that deletes a MAC's
// entries from the lease file, for users whose plugin may not write it:
// `sudo docker-machine-driver-xhyve remove-dhcp-lease MAC`.
const RemoveLeaseCommand = "remove-dhcp-lease"

// Remove kills the VM if it runs, releases its DHCP lease and NFS exports,
// and leaves the machine directory to docker-machine, which deletes it. It
// works after a failed or interrupted create and when called twice.
func (d *Driver) Remove() error {
	if err := d.Kill(); err != nil {
		return fmt.Errorf("kill the VM before removing it: %w", err)
	}
	d.removeLease()
	return d.removeShares()
}

// removeLease deletes this machine's entries from the lease file so vmnet's
// small address pool does not run dry. Failing to is not worth keeping a
// machine the user wants gone: it is logged with the command that fixes it.
func (d *Driver) removeLease() {
	mac, err := net.ParseMAC(d.MACAddress)
	if err != nil {
		return // the create failed before the MAC was known: no lease
	}
	n, err := dhcp.RemoveMACFromFile(d.env.leasesPath, mac)
	switch {
	case errors.Is(err, fs.ErrPermission):
		// bootpd's file is root's: try sudo without a password prompt.
		exe, _ := d.env.executable()
		cmd := exec.Command(d.env.sudoPath, "-n", exe, RemoveLeaseCommand, mac.String())
		cmd.Env = subcommandEnv()
		out, serr := cmd.CombinedOutput()
		if serr == nil {
			log.Infof("%s", strings.TrimSpace(string(out)))
			return
		}
		log.Warnf("cannot remove the DHCP lease of %s from %s (%v; sudo -n: %s); to free its address, run:\n  sudo %s %s %s",
			mac, d.env.leasesPath, err, strings.TrimSpace(string(out)), exe, RemoveLeaseCommand, mac)
	case err != nil:
		log.Warnf("cannot remove the DHCP lease of %s: %v; fix or delete %s", mac, err, d.env.leasesPath)
	case n > 0:
		log.Infof("Removed %d DHCP lease(s) of %s", n, mac)
	}
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
