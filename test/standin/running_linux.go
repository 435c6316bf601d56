//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/xhyveargv"
)

// The running VM: how its end is told apart (exit statuses), the power
// button, the harness's sleep signals, and the chipset state they read.

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
// (docs/facts.md §3). Only the harness sends them (test/sleep-vm.sh).
// Real xhyve has no handler for them (they would kill it); real hyperkit
// pauses and unpauses its vCPUs on them, printing a line on stdout.
func (v *vm) sleepWake(sigs <-chan os.Signal) {
	for sig := range sigs {
		cmd := "cont"
		if sig == syscall.SIGUSR1 {
			cmd = "stop"
		}
		if v.cfg.Dialect == xhyveargv.Hyperkit {
			// hyperkit's own SIGUSR1/SIGUSR2 handlers pause and unpause
			// the vCPUs and say so with printf (src/hyperkit.c)
			if cmd == "stop" {
				stdout.WriteString("received sigusr1, pausing\n")
			} else {
				stdout.WriteString("received sigusr2, unpausing\n")
			}
		}
		if _, err := v.q.ExecuteTimeout(cmd, nil, 5*time.Second); err != nil {
			fmt.Fprintf(os.Stderr, "%s (stand-in): qmp %s: %v\n", v.cfg.Prog, cmd, err)
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
	signal.Reset(syscall.SIGTERM)
	dieBySignal(syscall.SIGTERM)
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
