package xhyve

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/docker/machine/libmachine/log"

	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
	"github.com/zchee/docker-machine-driver-xhyve/internal/wait"
)

// Stop shuts the guest down through the ACPI power button: SIGTERM reaches
// the hypervisor (through the supervisor, which then does not restart it).
// After the stop deadline the VM is killed; Stop never waits forever.
func (d *Driver) Stop() error {
	unlock, err := d.lock(opStop)
	if err != nil {
		return err
	}
	defer unlock()
	return d.stop()
}

func (d *Driver) stop() error {
	defer d.clearIP()
	view := d.inspect()
	if !view.Alive() {
		return d.clearDamagedStatus(view)
	}
	target := view.SupervisorPID
	if target == 0 {
		target = view.HypervisorPID // orphaned hypervisor: signal it directly
	}
	if err := d.env.procs.Signal(target, syscall.SIGTERM); err != nil {
		return err
	}
	if d.waitGone(d.env.stopTimeout) {
		return d.clearDamagedStatus(view)
	}
	log.Warnf("the guest did not power off within %s; killing the VM", d.env.stopTimeout)
	return d.kill()
}

// Kill ends the VM at once, like pulling the plug.
func (d *Driver) Kill() error {
	unlock, err := d.lock(opKill)
	if err != nil {
		return err
	}
	defer unlock()
	return d.kill()
}

func (d *Driver) kill() error {
	defer d.clearIP()
	view := d.inspect()
	if !view.Alive() {
		return d.clearDamagedStatus(view)
	}
	// The hypervisor first: the supervisor then records the kill and exits
	// instead of treating it as a reboot.
	first := view.HypervisorPID
	if first == 0 {
		first = view.SupervisorPID // between two boots
	}
	if err := d.env.procs.Signal(first, syscall.SIGKILL); err != nil {
		return err
	}
	if d.waitGone(d.env.killTimeout) {
		d.killGroup(view.SupervisorPID)
		return d.clearDamagedStatus(view)
	}
	again := d.inspect()
	for _, pid := range []int{again.HypervisorPID, again.SupervisorPID} {
		if err := d.env.procs.Signal(pid, syscall.SIGKILL); err != nil {
			return err
		}
	}
	if !d.waitGone(d.env.killTimeout) {
		return fmt.Errorf("the VM's processes survived SIGKILL for %s", d.env.killTimeout)
	}
	d.killGroup(view.SupervisorPID)
	d.killGroup(again.SupervisorPID)
	return d.clearDamagedStatus(view)
}

// killGroup ends what is left of a verified supervisor's process group
// (its session: the NFS server, a hypervisor between boots). The group
// outlives its leader while members remain, so its id cannot be reused.
func (d *Driver) killGroup(supervisorPID int) {
	if err := d.env.procs.SignalGroup(supervisorPID, syscall.SIGKILL); err != nil {
		log.Debugf("%v", err)
	}
}

// clearDamagedStatus removes a status file that could not be read once no
// process of the VM is left: it describes nothing any more, and until it is
// gone every GetState reports Error.
func (d *Driver) clearDamagedStatus(view supervisorctl.View) error {
	if view.StatusErr == nil {
		return nil
	}
	if err := os.Remove(d.layout().Status()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove the damaged %s: %w", d.layout().Status(), err)
	}
	log.Warnf("removed the damaged %s; the VM is stopped", d.layout().Status())
	return nil
}

// Restart stops the VM if it runs, then starts it.
func (d *Driver) Restart() error {
	unlock, err := d.lock(opRestart)
	if err != nil {
		return err
	}
	defer unlock()
	if err := d.stop(); err != nil {
		return err
	}
	return d.start()
}

// waitGone polls until no process of the VM is left, up to timeout.
func (d *Driver) waitGone(timeout time.Duration) bool {
	return wait.Until(timeout, d.env.interval, "the VM's processes to end", func() (bool, error) {
		return !d.inspect().Alive(), nil
	}) == nil
}

func (d *Driver) clearIP() { d.IPAddress = "" }
