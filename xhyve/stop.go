package xhyve

import (
	"fmt"
	"syscall"
	"time"

	"github.com/docker/machine/libmachine/log"

	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisor"
)

// Stop shuts the guest down through the ACPI power button: SIGTERM reaches
// the hypervisor (through the supervisor, which then does not restart it).
// After the stop deadline the VM is killed; Stop never waits forever.
func (d *Driver) Stop() error {
	defer d.clearIP()
	view, alive, err := d.running()
	if !alive {
		return err
	}
	target := view.SupervisorPID
	if target == 0 {
		target = view.HypervisorPID // orphaned hypervisor: signal it directly
	}
	if err := supervisor.Signal(target, syscall.SIGTERM); err != nil {
		return err
	}
	if d.waitGone(d.env.stopTimeout) {
		return nil
	}
	log.Warnf("the guest did not power off within %s; killing the VM", d.env.stopTimeout)
	return d.Kill()
}

// Kill ends the VM at once, like pulling the plug.
func (d *Driver) Kill() error {
	defer d.clearIP()
	view, alive, err := d.running()
	if !alive {
		return err
	}
	// The hypervisor first: the supervisor then records the kill and exits
	// instead of treating it as a reboot.
	first := view.HypervisorPID
	if first == 0 {
		first = view.SupervisorPID // between two boots
	}
	if err := supervisor.Signal(first, syscall.SIGKILL); err != nil {
		return err
	}
	if d.waitGone(d.env.killTimeout) {
		return nil
	}
	view, err = d.inspect()
	if err != nil {
		return err
	}
	for _, pid := range []int{view.HypervisorPID, view.SupervisorPID} {
		if err := supervisor.Signal(pid, syscall.SIGKILL); err != nil {
			return err
		}
	}
	if !d.waitGone(d.env.killTimeout) {
		return fmt.Errorf("the VM's processes survived SIGKILL for %s", d.env.killTimeout)
	}
	return nil
}

// Restart stops the VM if it runs, then starts it.
func (d *Driver) Restart() error {
	if err := d.Stop(); err != nil {
		return err
	}
	return d.Start()
}

// waitGone polls until no process of the VM is left, up to timeout.
func (d *Driver) waitGone(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		view, err := d.inspect()
		if err == nil && !view.Alive() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(d.env.interval)
	}
}

func (d *Driver) clearIP() { d.IPAddress = "" }

// running observes the VM and reports whether any of its processes lives;
// on error it reports none.
func (d *Driver) running() (supervisor.View, bool, error) {
	view, err := d.inspect()
	if err != nil {
		return view, false, err
	}
	return view, view.Alive(), nil
}
