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
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
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
	if _, err := hypervisor.Find(d.Hypervisor, d.env.lookPath, d.env.hypervisorDirs); err != nil {
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
	if err := supervisorctl.WriteSpec(d.layout().Spec(), d.supervisorSpec(config, args)); err != nil {
		return err
	}
	exe, err := d.env.executable()
	if err != nil {
		return fmt.Errorf("find the plugin binary to run the supervisor: %w", err)
	}
	pid, err := d.env.procs.Launch(exe, d.layout().Spec(), d.layout().SupervisorLog(), subcommandEnv())
	if err != nil {
		return err
	}
	log.Debugf("supervisor pid %d runs %s %s", pid, d.Hypervisor, strings.Join(args, " "))
	if err := d.waitUntilReachable(mac, pid); err != nil {
		return err
	}
	return d.setupShares()
}

// supervisorSpec is what the supervisor of a boot with config runs: the
// hypervisor with args, and the guest's services. Where it keeps its files
// is the machine's layout, whose pidfile config also names, so the two
// cannot drift apart.
func (d *Driver) supervisorSpec(config hypervisor.Config, args []string) supervisorctl.Spec {
	bins := d.binaries()
	return supervisorctl.Spec{
		Hypervisor: bins.Hypervisor,
		Args:       args,
		Dialect:    config.Dialect,
		Supervisor: bins.Supervisor,
		Guest:      d.guestSpec(),
		NFS:        d.nfsSpec(),
		TimeSync:   d.TimeSync,
	}
}

// binaries are what the machine's processes run: its hypervisor and this
// plugin, which runs the supervisor.
func (d *Driver) binaries() supervisorctl.Binaries {
	exe, _ := d.env.executable() // "" only weakens the identity check
	return supervisorctl.Binaries{Hypervisor: d.Hypervisor, Supervisor: exe}
}

// guestSpec tells the supervisor how to reach the guest.
func (d *Driver) guestSpec() *supervisorctl.GuestSpec {
	port, _ := d.GetSSHPort() // 22 unless set
	return &supervisorctl.GuestSpec{
		MAC:     d.MACAddress,
		Leases:  d.env.leasesPath,
		SSHUser: d.GetSSHUsername(),
		SSHKey:  d.GetSSHKeyPath(),
		SSHPort: port,
	}
}

// cpus is the vCPU count the machine asks for: CPU, or below 1 all the
// host's, up to the hypervisor's limit.
func (d *Driver) cpus() int {
	if d.CPU < 1 {
		return min(d.env.hostCPUs(), hypervisor.MaxCPUs(d.HypervisorDialect))
	}
	return d.CPU
}

// hypervisorConfig turns the saved config into the hypervisor's.
func (d *Driver) hypervisorConfig(rec b2diso.Record) hypervisor.Config {
	cmdline := rec.Cmdline
	if d.BootCmd != "" {
		cmdline = d.BootCmd
	}
	return hypervisor.Config{
		Dialect:  d.HypervisorDialect,
		UUID:     d.UUID,
		CPUs:     d.cpus(),
		MemoryMB: d.Memory,
		Kernel:   d.path(kernelFile),
		Initrd:   d.path(initrdFile),
		Cmdline:  cmdline,
		ISO:      d.path(isoFile),
		Disk:     d.path(diskFile),
		PIDFile:  d.layout().PIDFile(),
	}
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
		return fmt.Errorf("%w; the console says:\n%s", err, logfile.Tail(d.layout().ConsoleLog(), 2048))
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
		return fmt.Errorf("%w; the console says:\n%s", err, logfile.Tail(d.layout().ConsoleLog(), 2048))
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
		reason, logfile.Tail(d.layout().HypervisorLog(), 1024), logfile.Tail(d.layout().ConsoleLog(), 2048),
		logfile.Tail(d.layout().SupervisorLog(), 1024))
}

// probeSSH connects and reads the server's identification line.
func probeSSH(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, sshDialTimeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetReadDeadline(time.Now().Add(sshBannerTimeout)); err != nil {
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
