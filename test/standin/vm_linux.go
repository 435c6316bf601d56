//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// bootVM sets the devices up in slot order and runs the VM until it stops;
// it returns the exit status.
func bootVM(cfg *Config) int {
	v := &vm{cfg: cfg}
	code := v.run()
	v.cleanup()
	return code
}

type vm struct {
	cfg        *Config
	plan       plan
	coms       [2]*comPort
	tap        *os.File
	tmpdir     string
	pidCreated bool
	cmd        *exec.Cmd
	qemuDone   chan struct{}
	qemuErr    error
	q          *qmp
	pmPath     string
	triple     atomic.Bool
	logDone    chan struct{}
}

func (v *vm) errorf(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, format+"\n", a...)
	return exitError
}

func (v *vm) cleanup() {
	if v.cmd != nil && v.cmd.Process != nil && v.qemuDone != nil {
		select {
		case <-v.qemuDone:
		default:
			v.cmd.Process.Kill()
			<-v.qemuDone
		}
	}
	if v.q != nil {
		v.q.Close()
	}
	for _, c := range v.coms {
		if c != nil {
			c.close()
		}
	}
	if v.tap != nil {
		v.tap.Close()
	}
	if v.tmpdir != "" {
		os.RemoveAll(v.tmpdir)
	}
	if v.pidCreated {
		if err := os.Remove(v.cfg.Pidfile); err != nil {
			fmt.Fprintln(os.Stderr, "Failed to remove pidfile")
		}
	}
	restoreStdio()
}

func (v *vm) run() int {
	c := v.cfg
	uuid := strings.ToLower(c.UUID)
	if uuid == "" {
		uuid = randomUUID() // vmnet picks a random interface id without -U
	}
	v.plan = plan{uuid: uuid, multiFunc: map[[2]int]bool{}}
	slots := c.SortedSlots()
	for _, s := range slots {
		if s.Func != 0 {
			v.plan.multiFunc[[2]int{s.Bus, s.Slot}] = true
		}
	}

	// Device setup in slot order, like init_pci().
	haveNet := false
	for _, s := range slots {
		switch s.Emul {
		case "hostbridge":
		case "virtio-9p", "virtio-sock", "virtio-vpnkit":
			// hyperkit-only devices backed by host services that do not
			// exist here: accepted, not emulated.
		case "virtio-net":
			if haveNet {
				return v.errorf("virtio-net: the stand-in supports one vmnet interface")
			}
			haveNet = true
			mac, err := MACForUUID(uuid)
			if err != nil {
				return v.errorf("Invalid UUID %q", uuid)
			}
			if c.PrintMAC {
				os.Stdout.WriteString("MAC: " + formatMAC(mac) + "\n")
				return exitOK
			}
			bridge := os.Getenv("XHYVE_STANDIN_BRIDGE")
			if bridge == "" {
				bridge = "vmnet0"
			}
			tap, err := openTap(TapNameForUUID(uuid), bridge)
			if err != nil {
				fmt.Fprintf(os.Stderr, "vmnet: %v\n", err)
				return v.errorf("Could not create vmnet interface, permission denied or no entitlement?")
			}
			v.tap = tap
			v.plan.mac = formatMAC(mac)
			v.plan.netSlot = s
		case "lpc":
			if s.Bus != 0 {
				return v.errorf("LPC bridge can be present only on bus 0.")
			}
			if v.plan.lpc {
				return v.errorf("Only one LPC bridge is allowed.")
			}
			v.plan.lpc = true
			if _, ok := c.LPC["BOOTROM"]; ok {
				return v.errorf("bootrom: not supported by the stand-in")
			}
			for i, name := range []string{"COM1", "COM2"} {
				p, err := setupCOM(c.Dialect, name, c.LPC[name])
				if err != nil {
					return v.errorf("%v", err)
				}
				v.coms[i] = p
			}
		case "virtio-blk", "ahci-hd", "ahci-cd":
			if !s.HasConfig || s.Config == "" {
				return v.errorf("%s: backing file required", s.Emul)
			}
			parts := strings.Split(s.Config, ",")
			dk := disk{emul: s.Emul, path: parts[0], slot: s}
			for _, o := range parts[1:] {
				switch {
				case o == "nocache", o == "sync", o == "direct":
				case o == "ro":
					dk.ro = true
				case strings.HasPrefix(o, "sectorsize="):
				default:
					return v.errorf("Invalid device option \"%s\"", o)
				}
			}
			flag := os.O_RDWR
			if dk.ro || s.Emul == "ahci-cd" {
				flag = os.O_RDONLY
			}
			f, err := os.OpenFile(dk.path, flag, 0)
			if err != nil {
				var pe *os.PathError
				if errors.As(err, &pe) {
					err = pe.Err
				}
				return v.errorf("Could not open backing file: %v", err)
			}
			f.Close()
			v.plan.disks = append(v.plan.disks, dk)
		case "virtio-rnd":
			v.plan.rngSlots = append(v.plan.rngSlots, s)
		}
	}

	switch c.Firmware.Kind {
	case "kexec":
	default:
		return v.errorf("%s: firmware not supported by the stand-in", c.Firmware.Kind)
	}
	for _, f := range []struct{ what, path string }{{"kernel", c.Firmware.Kernel}, {"initrd", c.Firmware.Initrd}} {
		if f.path == "" {
			if f.what == "kernel" {
				return v.errorf("kexec: no kernel given")
			}
			continue
		}
		st, err := os.Stat(f.path)
		if err == nil && !st.Mode().IsRegular() {
			err = fmt.Errorf("not a regular file")
		}
		if err == nil {
			var fh *os.File
			if fh, err = os.Open(f.path); err == nil {
				fh.Close()
			}
		}
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return v.errorf("kexec: cannot load %s %s: %v", f.what, f.path, err)
		}
	}
	return v.boot()
}

func (v *vm) boot() int {
	c := v.cfg
	qemu := qemuBinary()
	var err error
	v.tmpdir, err = os.MkdirTemp("", "xhyve-standin-")
	if err != nil {
		return v.errorf("%v", err)
	}
	listen := func(name string) (*net.UnixListener, string, error) {
		path := filepath.Join(v.tmpdir, name)
		l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
		return l, path, err
	}
	qmpL, qmpPath, err := listen("qmp.sock")
	if err != nil {
		return v.errorf("%v", err)
	}
	defer qmpL.Close()
	v.plan.qmpSock = qmpPath
	var comL [2]*net.UnixListener
	if v.plan.lpc {
		for i, p := range v.coms {
			if p == nil || (len(p.sinks) == 0 && len(p.sources) == 0) {
				continue
			}
			l, path, err := listen(fmt.Sprintf("com%d.sock", i+1))
			if err != nil {
				return v.errorf("%v", err)
			}
			defer l.Close()
			comL[i] = l
			v.plan.comSocks[i] = path
		}
	}
	logR, logW, err := os.Pipe()
	if err != nil {
		return v.errorf("%v", err)
	}
	extra := []*os.File{logW}
	v.plan.logFD = 3
	if v.tap != nil {
		extra = append(extra, v.tap)
		v.plan.tapFD = 4
	}
	v.plan.pvpanic = c.ACPI && qemuHasDevice(qemu, "pvpanic")

	args := buildQEMUArgs(c, &v.plan)
	v.cmd = exec.Command(qemu, args...)
	v.cmd.Stdout = os.Stderr // QEMU's chatter never reaches our stdout
	v.cmd.Stderr = os.Stderr
	v.cmd.ExtraFiles = extra
	v.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if os.Getenv("XHYVE_STANDIN_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, "%s: exec %s %s\n", c.Prog, qemu, strings.Join(args, " "))
	}
	if err := v.cmd.Start(); err != nil {
		logR.Close()
		logW.Close()
		return v.errorf("%s: cannot start %s: %v", c.Prog, qemu, err)
	}
	logW.Close()
	if v.tap != nil {
		v.tap.Close() // QEMU holds it now; the tap lives as long as QEMU
		v.tap = nil
	}
	v.qemuDone = make(chan struct{})
	go func() {
		v.qemuErr = v.cmd.Wait()
		close(v.qemuDone)
	}()
	v.logDone = make(chan struct{})
	go v.watchLog(logR)

	// QEMU connects to our sockets while it initialises.
	accept := func(l *net.UnixListener) (net.Conn, error) {
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			l.SetDeadline(time.Now().Add(200 * time.Millisecond))
			conn, err := l.Accept()
			if err == nil {
				return conn, nil
			}
			select {
			case <-v.qemuDone:
				return nil, fmt.Errorf("%s exited during startup (%v)", filepath.Base(qemu), v.qemuErr)
			default:
			}
		}
		return nil, fmt.Errorf("timeout waiting for %s", filepath.Base(qemu))
	}
	qconn, err := accept(qmpL)
	if err != nil {
		return v.errorf("%s: %v", c.Prog, err)
	}
	for i, l := range comL {
		if l == nil {
			continue
		}
		conn, err := accept(l)
		if err != nil {
			return v.errorf("%s: %v", c.Prog, err)
		}
		v.coms[i].attach(conn)
	}
	os.RemoveAll(v.tmpdir) // everything is connected: leave nothing behind
	v.tmpdir = ""
	v.q, err = newQMP(qconn)
	if err != nil {
		return v.errorf("%s: %v", c.Prog, err)
	}

	// The VM exists: write the pidfile, then start the vCPUs.
	if c.Pidfile != "" {
		f, err := os.OpenFile(c.Pidfile, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0644)
		if err != nil {
			var errno syscall.Errno
			if !errors.As(err, &errno) {
				errno = syscall.EIO
			}
			return pidfileError(c.Dialect, errno)
		}
		v.pidCreated = true
		_, werr := f.WriteString(strconv.Itoa(os.Getpid()))
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return pidfileError(c.Dialect, syscall.EIO)
		}
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM)
	// The harness's host sleep (test/sleep-vm.sh): not an xhyve signal.
	sleeps := make(chan os.Signal, 4)
	signal.Notify(sleeps, syscall.SIGUSR1, syscall.SIGUSR2)
	go v.sleepWake(sleeps)
	if _, err := v.q.Execute("cont", nil); err != nil {
		return v.errorf("%s: %v", c.Prog, err)
	}
	return v.loop(sigs)
}

// watchLog reads QEMU's cpu_reset debug log, looking for a triple fault
// (which QEMU, unlike xhyve, turns into an ordinary reset request).
func (v *vm) watchLog(r *os.File) {
	defer close(v.logDone)
	defer r.Close()
	br := bufio.NewReaderSize(r, 64*1024)
	for {
		line, err := br.ReadSlice('\n')
		if bytes.Contains(line, []byte("Triple fault")) {
			v.triple.Store(true)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return
		}
	}
}

func (v *vm) loop(sigs chan os.Signal) int {
	c := v.cfg
	var reason string
	var panicked, halted bool
	events := v.q.Events
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	handle := func(ev qmpEvent) {
		switch ev.Event {
		case "SHUTDOWN":
			var d struct {
				Reason string `json:"reason"`
			}
			json.Unmarshal(ev.Data, &d)
			reason = d.Reason
		case "GUEST_PANICKED":
			panicked = true
		}
	}
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			handle(ev)
		case <-sigs:
			v.powerButton()
		case <-tick.C:
			if reason == "" && !halted && v.guestHalted() {
				halted = true
				v.q.ExecuteTimeout("quit", nil, 5*time.Second)
			}
		case <-v.qemuDone:
			// collect the last events and the rest of the debug log
			timeout := time.After(3 * time.Second)
			for events != nil {
				select {
				case ev, ok := <-events:
					if !ok {
						events = nil
						break
					}
					handle(ev)
				case <-timeout:
					events = nil
				}
			}
			select {
			case <-v.logDone:
			case <-time.After(3 * time.Second):
			}
			signal.Stop(sigs)
			switch {
			case halted:
				return statusFor(c.Dialect, "halt")
			case panicked || reason == "guest-panic":
				return statusFor(c.Dialect, "crash")
			case reason == "guest-reset":
				if v.triple.Load() {
					return statusFor(c.Dialect, "crash")
				}
				return statusFor(c.Dialect, "reset")
			case reason == "guest-shutdown":
				return statusFor(c.Dialect, "poweroff")
			}
			if reason != "" {
				return v.errorf("%s: VM stopped (%s)", c.Prog, reason)
			}
			return v.errorf("%s: %s exited unexpectedly (%v)", c.Prog, filepath.Base(qemuBinary()), v.qemuErr)
		}
	}
}

// sleepWake freezes the VM on SIGUSR1 and resumes it on SIGUSR2, the way a
// Mac's sleep stops xhyve's guest: QEMU's virtual clock stands still while
// the VM is stopped, so the guest wakes up behind by as long as it slept
// (docs/facts.md §3). Real xhyve has no such signals; only the harness
// sends them.
func (v *vm) sleepWake(sigs <-chan os.Signal) {
	for sig := range sigs {
		cmd := "cont"
		if sig == syscall.SIGUSR1 {
			cmd = "stop"
		}
		if _, err := v.q.ExecuteTimeout(cmd, nil, 5*time.Second); err != nil {
			fmt.Fprintf(os.Stderr, "xhyve stand-in: qmp %s: %v\n", cmd, err)
		}
	}
}

// powerButton handles SIGTERM like xhyve/hyperkit: once the guest has put
// the (emulated) chipset into ACPI mode, SIGTERM presses the power button;
// before that, the signal's default action applies and the process dies at
// once (leaving its pidfile, as the real binaries do).
func (v *vm) powerButton() {
	if v.acpiEnabled() {
		v.q.ExecuteTimeout("system_powerdown", nil, 5*time.Second)
		return
	}
	v.cmd.Process.Kill()
	restoreStdio()
	signal.Reset(syscall.SIGTERM)
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	time.Sleep(10 * time.Second)
	os.Exit(128 + int(syscall.SIGTERM))
}

var portValue = regexp.MustCompile(`=\s*0x([0-9a-fA-F]+)`)

// acpiEnabled tells whether the guest has enabled ACPI, by reading the
// SCI_EN bit (bit 0) of the PM1a control register of QEMU's PIIX4 power
// management function: the guest sets it by writing ACPI_ENABLE to the
// SMI command port during ACPI initialisation (OSPM "ACPI mode"), exactly
// the event after which xhyve starts turning SIGTERM into a power-button
// press. The register lives at pm_io_base+4 (pm_io_base is programmed by the
// firmware; 0 until then).
func (v *vm) acpiEnabled() bool {
	if !v.cfg.ACPI || v.q == nil {
		return false
	}
	if v.pmPath == "" {
		ret, err := v.q.ExecuteTimeout("qom-list", map[string]any{"path": "/machine/unattached"}, 5*time.Second)
		if err != nil {
			return false
		}
		var props []struct{ Name, Type string }
		json.Unmarshal(ret, &props)
		for _, p := range props {
			if p.Type == "child<PIIX4_PM>" {
				v.pmPath = "/machine/unattached/" + p.Name
			}
		}
		if v.pmPath == "" {
			return false
		}
	}
	ret, err := v.q.ExecuteTimeout("qom-get", map[string]any{"path": v.pmPath, "property": "pm_io_base"}, 5*time.Second)
	if err != nil {
		return false
	}
	var base uint64
	if json.Unmarshal(ret, &base) != nil || base == 0 {
		return false
	}
	out, err := v.q.HMP(fmt.Sprintf("i/h 0x%x", base+4))
	if err != nil {
		return false
	}
	m := portValue.FindStringSubmatch(out)
	if m == nil {
		return false
	}
	val, err := strconv.ParseUint(m[1], 16, 64)
	if err != nil {
		return false
	}
	val &= 0xffff
	if val == 0xffff { // nothing decodes the port
		return false
	}
	return val&1 == 1
}

var (
	regHLT = regexp.MustCompile(`HLT=(\d)`)
	regEFL = regexp.MustCompile(`(?:EFL|RFL)=([0-9a-fA-F]+)`)
)

// guestHalted reports whether every vCPU sits in HLT with interrupts
// disabled: what bhyve/xhyve turn into VM_SUSPEND_HALT (a guest "halt").
func (v *vm) guestHalted() bool {
	out, err := v.q.HMP("info registers -a")
	if err != nil {
		return false
	}
	hlt := regHLT.FindAllStringSubmatch(out, -1)
	efl := regEFL.FindAllStringSubmatch(out, -1)
	if len(hlt) == 0 || len(hlt) != len(efl) {
		return false
	}
	for i := range hlt {
		if hlt[i][1] != "1" {
			return false
		}
		f, err := strconv.ParseUint(efl[i][1], 16, 64)
		if err != nil || f&(1<<9) != 0 {
			return false
		}
	}
	return true
}
