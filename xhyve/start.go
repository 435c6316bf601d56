package xhyve

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/docker/machine/libmachine/log"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso"
	"github.com/zchee/docker-machine-driver-xhyve/internal/dhcp"
	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
	"github.com/zchee/docker-machine-driver-xhyve/internal/logfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisor"
	"github.com/zchee/docker-machine-driver-xhyve/internal/wait"
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
	prev, _ := b2diso.ReadRecord(d.path(bootRecordFile)) // none: nothing to compare
	rec, err := d.ensureBootFiles()
	if err != nil {
		return err
	}
	if replaced, err := d.checkUpgradedISO(prev.ISOSHA256, rec); err != nil {
		return err
	} else if replaced {
		if rec, err = d.ensureBootFiles(); err != nil {
			return err
		}
	}
	config := d.hypervisorConfig(rec)
	args, err := hypervisor.Args(config)
	if err != nil {
		return err
	}
	if err := supervisor.WriteSpec(d.path(specFile), d.supervisorSpec(config, args)); err != nil {
		return err
	}
	exe, err := d.env.executable()
	if err != nil {
		return fmt.Errorf("find the plugin binary to run the supervisor: %w", err)
	}
	pid, err := d.env.procs.Launch(exe, d.path(specFile), d.path(supervisorLogFile), subcommandEnv())
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
// pidfile it watches is the one the hypervisor is told to write, so the two
// cannot drift apart. args is nil when only inspecting.
func (d *Driver) supervisorSpec(config hypervisor.Config, args []string) supervisor.Spec {
	exe, _ := d.env.executable() // "" only weakens the identity check
	return supervisor.Spec{
		Hypervisor:    d.Hypervisor,
		Args:          args,
		Dialect:       config.Dialect,
		PIDFile:       config.PIDFile,
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
		cpus = min(d.env.hostCPUs(), hypervisor.MaxCPUs(d.HypervisorDialect))
	}
	cmdline := rec.Cmdline
	if d.BootCmd != "" {
		cmdline = d.BootCmd
	}
	return hypervisor.Config{
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
}

// checkSaved validates the configuration loaded from config.json, which a
// user may have edited, before acting on it.
func (d *Driver) checkSaved() error {
	var errs []error
	if _, err := net.ParseMAC(d.MACAddress); err != nil {
		errs = append(errs, fmt.Errorf("MACAddress %q is not a MAC address", d.MACAddress))
	}
	if d.Hypervisor == "" {
		//lint:ignore ST1005 the message starts with the config.json field it names
		errs = append(errs, errors.New("Hypervisor is empty"))
	}
	if d.HypervisorDialect != hypervisor.XHyve && d.HypervisorDialect != hypervisor.HyperKit {
		errs = append(errs, fmt.Errorf("HypervisorDialect %q is neither xhyve nor hyperkit", d.HypervisorDialect))
	}
	if d.Memory < minMemory {
		//lint:ignore ST1005 the message starts with the config.json field it names
		errs = append(errs, fmt.Errorf("Memory %d is below %d MB", d.Memory, minMemory))
	}
	if limit := hypervisor.MaxCPUs(d.HypervisorDialect); limit > 0 && d.CPU > limit {
		errs = append(errs, fmt.Errorf("CPU %d is above %s's %d", d.CPU, d.HypervisorDialect, limit))
	}
	if d.NFSServer != nfsBuiltin && d.NFSServer != nfsMacOS {
		errs = append(errs, fmt.Errorf("NFSServer %q is neither %s nor %s", d.NFSServer, nfsBuiltin, nfsMacOS))
	}
	if len(d.NFSShareTargets) != len(d.NFSShares) {
		errs = append(errs, fmt.Errorf("NFSShareTargets has %d paths for %d NFSShares", len(d.NFSShareTargets), len(d.NFSShares)))
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
	// bootpd rewrites the lease file by rename, so a damaged read is retried
	// like a missing lease, up to the deadline.
	lookup := func() (string, error) {
		if err := d.checkBooting(launched); err != nil {
			return "", err
		}
		l, err := dhcp.LookupFile(d.env.leasesPath, mac)
		if err != nil {
			return "", wait.Transient(err)
		}
		return l.IP.String(), nil
	}
	var ip string
	err := wait.Until(d.env.ipTimeout, d.env.interval, fmt.Sprintf("DHCP lease for MAC %s in %s", mac, d.env.leasesPath), func() (bool, error) {
		var err error
		ip, err = lookup()
		return err == nil, err
	})
	if errors.Is(err, wait.ErrTimeout) {
		return fmt.Errorf("%w; the console says:\n%s", err, logfile.Tail(d.path(consoleLogFile), 2048))
	}
	if err != nil {
		return err
	}
	log.Infof("VM has IP address %s; waiting for SSH", ip)
	err = wait.Until(d.env.sshTimeout, d.env.interval, "SSH", func() (bool, error) {
		current, err := lookup() // the lease may change while the guest boots
		if err != nil {
			return false, err
		}
		ip = current
		if err := probeSSH(net.JoinHostPort(ip, strconv.Itoa(port))); err != nil {
			return false, wait.Transient(fmt.Errorf("at %s: %w", ip, err))
		}
		return true, nil
	})
	if errors.Is(err, wait.ErrTimeout) {
		return fmt.Errorf("%w; the console says:\n%s", err, logfile.Tail(d.path(consoleLogFile), 2048))
	}
	if err != nil {
		return err
	}
	d.IPAddress = ip
	return nil
}

// checkBooting fails once the VM being booted is gone.
func (d *Driver) checkBooting(launched int) error {
	view := d.inspect()
	if view.Alive() {
		return nil
	}
	// Until the supervisor records itself, its own pid tells whether it lives.
	if launched != 0 && view.Status.PID != launched {
		if d.env.procs.Running(launched) {
			return nil
		}
	}
	reason := "the hypervisor exited"
	if last := view.Status.Last; last != nil {
		reason = "the hypervisor ended: " + last.String()
	}
	return fmt.Errorf("the VM stopped while booting: %s\nhypervisor log:\n%s\nconsole:\n%s\nsupervisor log:\n%s",
		reason, logfile.Tail(d.path(hypervisorLogFile), 1024), logfile.Tail(d.path(consoleLogFile), 2048),
		logfile.Tail(d.path(supervisorLogFile), 1024))
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
	// RFC 4253: the identification line is 255 bytes at most, CR LF
	// included; the guest is not trusted to end it.
	line, err := bufio.NewReader(io.LimitReader(conn, 255)).ReadString('\n')
	if err != nil {
		return fmt.Errorf("read SSH banner: %w", err)
	}
	if !strings.HasPrefix(line, "SSH-") {
		return fmt.Errorf("not an SSH server: %q", line)
	}
	return nil
}
