package xhyve

import (
	"fmt"
	"net"

	"github.com/docker/machine/libmachine/drivers"
	"github.com/docker/machine/libmachine/log"
	"github.com/docker/machine/libmachine/state"

	"github.com/zchee/docker-machine-driver-xhyve/internal/dhcp"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
)

// GetState reports the VM's state from its processes, never by probing the
// guest: a verified hypervisor process is Running, a supervisor between two
// boots is Starting, a VM whose last run crashed or failed is Error, and
// anything else is Stopped. A damaged status file is an Error that says how
// to recover.
func (d *Driver) GetState() (state.State, error) {
	if err := d.checkVersion(); err != nil {
		return state.Error, err
	}
	view := d.inspect()
	if view.StatusErr != nil {
		return state.Error, fmt.Errorf("machine %q: %w; its state is unknown: `docker-machine kill %s` still stops the VM and clears the file, then `docker-machine start %s`",
			d.MachineName, view.StatusErr, d.MachineName, d.MachineName)
	}
	switch {
	case view.HypervisorPID != 0:
		return state.Running, nil
	case view.SupervisorPID != 0:
		return state.Starting, nil
	}
	if reason := faultOf(view); reason != "" {
		log.Warnf("%s", reason)
		return state.Error, nil
	}
	return state.Stopped, nil
}

// faultOf says why a VM that is down is in error: its last run crashed or
// failed (a refused vmnet, a disk that would not open), with the
// hypervisor's reason. "" when it is simply down.
func faultOf(view supervisorctl.View) string {
	last := view.Status.Last
	if view.Alive() || last == nil || !last.Outcome.Fault() {
		return ""
	}
	return "the VM's last run ended in error: " + last.String()
}

// inspect observes the VM's processes. What it looks for comes from the
// machine's configuration, not from files a crash may have damaged.
func (d *Driver) inspect() supervisorctl.View {
	return d.env.procs.Inspect(d.layout(), d.binaries())
}

// GetIP returns the address vmnet's DHCP server gave the running VM.
func (d *Driver) GetIP() (string, error) {
	if err := d.requireRunning(); err != nil {
		return "", err
	}
	mac, err := net.ParseMAC(d.MACAddress)
	if err != nil {
		return "", fmt.Errorf("parse saved MAC address %q: %w", d.MACAddress, err)
	}
	l, err := dhcp.LookupFile(d.env.leasesPath, mac)
	if err != nil {
		return "", fmt.Errorf("find the VM's IP address: %w", err)
	}
	d.IPAddress = l.IP.String()
	return d.IPAddress, nil
}

// GetURL returns the Docker endpoint. It fails when the VM is not running:
// `docker-machine ls` trusts GetURL and only asks GetState when it fails.
func (d *Driver) GetURL() (string, error) {
	ip, err := d.GetIP()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("tcp://%s", net.JoinHostPort(ip, "2376")), nil
}

func (d *Driver) requireRunning() error {
	s, err := d.GetState()
	if err != nil {
		return err
	}
	if s == state.Error {
		// docker-machine ls shows this error: it says why.
		return fmt.Errorf("machine %q is %s (%s): %w", d.MachineName, s, faultOf(d.inspect()), drivers.ErrHostIsNotRunning)
	}
	if s != state.Running {
		return fmt.Errorf("machine %q is %s: %w", d.MachineName, s, drivers.ErrHostIsNotRunning)
	}
	return nil
}
