//go:build linux

package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/xhyveargv"
)

// bootVM sets the devices up in slot order and runs the VM until it stops;
// it returns the exit status.
func bootVM(cfg *xhyveargv.Config) int {
	v := &vm{cfg: cfg}
	code := v.run()
	v.cleanup()
	return code
}

type vm struct {
	cfg      *xhyveargv.Config
	plan     plan
	coms     [2]*comPort
	tap      *os.File
	vpnkit   *vpnkitDev
	tmpdir   string
	cmd      *exec.Cmd
	qemuDone chan struct{}
	qemuErr  error
	q        *qmp
	pmPath   string
	triple   atomic.Bool
	logDone  chan struct{}
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
	if v.vpnkit != nil && v.vpnkit.theirs != nil {
		v.vpnkit.theirs.Close()
	}
	// the vpnkit server connection stays open until the process ends, as
	// hyperkit's does: closing it here would look like a server gone
	if v.tmpdir != "" {
		os.RemoveAll(v.tmpdir)
	}
	// the pidfile and the terminal are atexit handlers (exitProcess)
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

	// The VM exists (Validate did the checks xh_vm_create and the memory
	// setup make): the pidfile comes now, before any device.
	if !setupPidfile(c.Pidfile) {
		return exitError
	}

	// Device setup in slot order, like init_pci().
	haveNet := false
	for _, s := range slots {
		switch s.Emul {
		case "hostbridge":
		case "virtio-9p", "virtio-sock":
			// hyperkit-only devices backed by host services that do not
			// exist here: accepted, not emulated.
		case "virtio-vpnkit":
			if code, ok := v.setupVpnkit(s); !ok {
				return code
			}
		case "virtio-net":
			if haveNet {
				return v.errorf("virtio-net: the stand-in supports one vmnet interface")
			}
			haveNet = true
			if code, ok := v.setupNet(s, uuid); !ok {
				return code
			}
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
			dk, err := xhyveargv.ParseDisk(s)
			if err != nil {
				return v.errorf("%v", err)
			}
			flag := os.O_RDWR
			if dk.ReadOnly || s.Emul == "ahci-cd" {
				flag = os.O_RDONLY
			}
			f, err := os.OpenFile(dk.Path, flag, 0)
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
	if v.vpnkit != nil {
		v.plan.vpnkit.fd = 3 + len(extra)
		extra = append(extra, v.vpnkit.theirs)
	}
	v.plan.pvpanic = c.ACPI && qemuHasDevice(qemu, "pvpanic")

	args := buildQEMUArgs(c, &v.plan)
	v.cmd = exec.Command(qemu, args...)
	v.cmd.Stdout = os.Stderr // QEMU's chatter never reaches our stdout
	v.cmd.Stderr = os.Stderr
	v.cmd.ExtraFiles = extra
	v.cmd.SysProcAttr = qemuProcAttr()
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
	if v.vpnkit != nil {
		v.vpnkit.theirs.Close() // QEMU's now: its end closes when QEMU ends
		v.vpnkit.theirs = nil
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

	// Everything is set up: start the vCPUs.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM)
	// The harness's host sleep (test/sleep-vm.sh): not an xhyve signal.
	sleeps := make(chan os.Signal, 4)
	signal.Notify(sleeps, syscall.SIGUSR1, syscall.SIGUSR2)
	go v.sleepWake(sleeps)
	v.startVpnkit()
	if _, err := v.q.Execute("cont", nil); err != nil {
		return v.errorf("%s: %v", c.Prog, err)
	}
	return v.loop(sigs)
}
