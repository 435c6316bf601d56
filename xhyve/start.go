package xhyve

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/docker/machine/libmachine/log"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso"
	"github.com/zchee/docker-machine-driver-xhyve/internal/dhcp"
	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
	"github.com/zchee/docker-machine-driver-xhyve/internal/proc"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisor"
)

// Start boots the VM under a detached supervisor and returns once the VM has
// an address and answers SSH, so docker-machine's own probes succeed at once.
func (d *Driver) Start() error {
	unlock, err := d.lock(opStart)
	if err != nil {
		return err
	}
	defer unlock()
	return d.start()
}

func (d *Driver) start() error {
	if err := d.checkSaved(); err != nil {
		return err
	}
	mac, _ := net.ParseMAC(d.MACAddress) // checkSaved parsed it
	if d.inspect().Alive() {
		log.Infof("VM is already running")
		return d.waitUntilReachable(mac, 0)
	}
	if _, err := hypervisor.Find(d.Hypervisor, d.env.lookPath); err != nil {
		return hypervisorFindError(d.Hypervisor, err)
	}
	rec, err := d.ensureBootFiles()
	if err != nil {
		return err
	}
	config := d.hypervisorConfig(rec)
	args, err := hypervisor.Args(config)
	if err != nil {
		return err
	}
	if err := supervisor.WriteJSON(d.path(specFile), d.supervisorSpec(config, args)); err != nil {
		return err
	}
	exe, err := d.env.executable()
	if err != nil {
		return fmt.Errorf("find the plugin binary to run the supervisor: %w", err)
	}
	pid, err := supervisor.Launch(exe, d.path(specFile), d.path(supervisorLogFile), subcommandEnv())
	if err != nil {
		return err
	}
	log.Debugf("supervisor pid %d runs %s %s", pid, d.Hypervisor, strings.Join(args, " "))
	if err := d.waitUntilReachable(mac, pid); err != nil {
		return err
	}
	return d.setupShares()
}

// supervisorSpec describes the supervisor of a boot with config: the
// pidfile and console link it watches are the ones the hypervisor is told
// to write, so the two cannot drift apart. args is nil when only inspecting.
func (d *Driver) supervisorSpec(config hypervisor.Config, args []string) supervisor.Spec {
	exe, _ := d.env.executable() // "" only weakens the identity check
	return supervisor.Spec{
		Hypervisor:    d.Hypervisor,
		Args:          args,
		Dialect:       config.Dialect,
		PIDFile:       config.PIDFile,
		TTY:           config.TTY,
		ConsoleLog:    d.path(consoleLogFile),
		HypervisorLog: d.path(hypervisorLogFile),
		SupervisorLog: d.path(supervisorLogFile),
		Status:        d.path(statusFile),
		Supervisor:    exe,
		Guest:         d.guestSpec(),
		NFS:           d.nfsSpec(),
		TimeSync:      d.TimeSync,
	}
}

// guestSpec tells the supervisor how to reach the guest.
func (d *Driver) guestSpec() *supervisor.GuestSpec {
	port, _ := d.GetSSHPort() // 22 unless set
	return &supervisor.GuestSpec{
		MAC:     d.MACAddress,
		Leases:  d.env.leasesPath,
		SSHUser: d.GetSSHUsername(),
		SSHKey:  d.GetSSHKeyPath(),
		SSHPort: port,
	}
}

// hypervisorConfig turns the saved config into the hypervisor's.
func (d *Driver) hypervisorConfig(rec b2diso.Record) hypervisor.Config {
	cpus := d.CPU
	if cpus < 1 {
		cpus = min(d.env.hostCPUs(), maxCPU)
	}
	cmdline := rec.Cmdline
	if d.BootCmd != "" {
		cmdline = d.BootCmd
	}
	c := hypervisor.Config{
		Dialect:  d.HypervisorDialect,
		UUID:     d.UUID,
		CPUs:     cpus,
		MemoryMB: d.Memory,
		Kernel:   d.path(kernelFile),
		Initrd:   d.path(initrdFile),
		Cmdline:  cmdline,
		ISO:      d.path(isoFile),
		Disk:     d.path(diskFile),
		PIDFile:  d.path(pidFile),
	}
	if d.HypervisorDialect == hypervisor.HyperKit {
		c.TTY = d.path(ttyFile)
	}
	return c
}

// checkSaved validates the configuration loaded from config.json, which a
// user may have edited, before acting on it.
func (d *Driver) checkSaved() error {
	var errs []error
	if _, err := net.ParseMAC(d.MACAddress); err != nil {
		errs = append(errs, fmt.Errorf("MACAddress %q is not a MAC address", d.MACAddress))
	}
	if d.Hypervisor == "" {
		errs = append(errs, errors.New("Hypervisor is empty"))
	}
	if d.HypervisorDialect != hypervisor.XHyve && d.HypervisorDialect != hypervisor.HyperKit {
		errs = append(errs, fmt.Errorf("HypervisorDialect %q is neither xhyve nor hyperkit", d.HypervisorDialect))
	}
	if d.Memory < minMemory {
		errs = append(errs, fmt.Errorf("Memory %d is below %d MB", d.Memory, minMemory))
	}
	if d.CPU > maxCPU {
		errs = append(errs, fmt.Errorf("CPU %d is above %d", d.CPU, maxCPU))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("the saved configuration of machine %q (%s) is invalid: %w; correct it there or recreate the machine",
			d.MachineName, d.path("config.json"), err)
	}
	return nil
}

// waitUntilReachable waits for a DHCP lease, then for SSH to answer at the
// leased address. The lease is read again on every try: one left by an
// earlier boot may name an address the new boot does not get. launched is
// the supervisor just started (0 when the VM was already running): if it
// dies, the wait ends at once with the reason and the console's last lines.
func (d *Driver) waitUntilReachable(mac net.HardwareAddr, launched int) error {
	port, _ := d.GetSSHPort()
	leaseDeadline := time.Now().Add(d.env.ipTimeout)
	var sshDeadline time.Time // set once an address is known
	var lastErr error
	for {
		if err := d.checkBooting(launched); err != nil {
			return err
		}
		// bootpd rewrites the lease file by rename, so a damaged read is
		// retried like a missing lease, up to the deadline.
		l, err := dhcp.LookupFile(d.env.leasesPath, mac)
		switch {
		case err == nil:
			ip := l.IP.String()
			if sshDeadline.IsZero() {
				sshDeadline = time.Now().Add(d.env.sshTimeout)
				log.Infof("VM has IP address %s; waiting for SSH", ip)
			}
			addr := net.JoinHostPort(ip, strconv.Itoa(port))
			if lastErr = probeSSH(addr); lastErr == nil {
				d.IPAddress = ip
				return nil
			}
			if time.Now().After(sshDeadline) {
				return fmt.Errorf("SSH at %s did not answer within %s: %w; the console says:\n%s",
					addr, d.env.sshTimeout, lastErr, supervisor.Tail(d.path(consoleLogFile), 2048))
			}
		case time.Now().After(leaseDeadline):
			return fmt.Errorf("no DHCP lease for MAC %s in %s after %s (%v); the console says:\n%s",
				mac, d.env.leasesPath, d.env.ipTimeout, err, supervisor.Tail(d.path(consoleLogFile), 2048))
		}
		time.Sleep(d.env.interval)
	}
}

// checkBooting fails once the VM being booted is gone.
func (d *Driver) checkBooting(launched int) error {
	view := d.inspect()
	if view.Alive() {
		return nil
	}
	// Until the supervisor records itself, its own pid tells whether it lives.
	if launched != 0 && view.Status.PID != launched {
		if _, err := proc.Get(launched); err == nil {
			return nil
		}
	}
	reason := "the hypervisor exited"
	if last := view.Status.Last; last != nil {
		reason = "the hypervisor ended: " + last.String()
	}
	return fmt.Errorf("the VM stopped while booting: %s\nhypervisor log:\n%s\nconsole:\n%s\nsupervisor log:\n%s",
		reason, supervisor.Tail(d.path(hypervisorLogFile), 1024), supervisor.Tail(d.path(consoleLogFile), 2048),
		supervisor.Tail(d.path(supervisorLogFile), 1024))
}

// probeSSH connects and reads the server's identification line.
func probeSSH(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("read SSH banner: %w", err)
	}
	if !strings.HasPrefix(line, "SSH-") {
		return fmt.Errorf("not an SSH server: %q", line)
	}
	return nil
}
