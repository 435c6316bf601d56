package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/xhyveargv"
)

// plan is what the device setup decided; buildQEMUArgs turns it into a QEMU
// command line.
type plan struct {
	uuid      string
	mac       string
	tapFD     int // fd number of the tap in QEMU, 0 = no network
	netSlot   xhyveargv.Slot
	vpnkit    *vpnkitPlan // nil = no virtio-vpnkit device
	disks     []xhyveargv.Disk
	rngSlots  []xhyveargv.Slot
	lpc       bool
	comSocks  [2]string // socket paths for COM1/COM2 ("" = UART without backend)
	qmpSock   string
	logFD     int // fd number of the debug-log pipe in QEMU
	pvpanic   bool
	multiFunc map[[2]int]bool // bus/slot pairs that use functions other than 0
}

// vpnkitPlan is a virtio-vpnkit device as QEMU sees it: a virtio-net-pci
// with the server's MAC on a -netdev stream socket (QEMU 7.2 frames it
// with a 4-byte big-endian length; the stand-in translates).
type vpnkitPlan struct {
	slot xhyveargv.Slot
	mac  string
	fd   int // fd number of QEMU's end of the socket pair
}

// pciAddr returns the QEMU "addr=" for a slot, or "" to let QEMU choose.
// Slots 0 and 1 belong to the i440FX host bridge and the PIIX3 on QEMU's pc
// machine; multi-function slots and other buses are placed automatically.
func (p *plan) pciAddr(s xhyveargv.Slot) string {
	if s.Bus != 0 || s.Func != 0 || s.Slot < 2 || p.multiFunc[[2]int{s.Bus, s.Slot}] {
		return ""
	}
	return fmt.Sprintf("0x%x.0", s.Slot)
}

func buildQEMUArgs(c *xhyveargv.Config, p *plan) []string {
	machine := "pc"
	if !c.ACPI {
		machine += ",acpi=off" // no -A: no ACPI tables, as in xhyve
	}
	rtc := "base=localtime"
	if c.UTC {
		rtc = "base=utc"
	}
	a := []string{
		"-machine", machine,
		"-accel", "tcg,thread=multi",
		"-cpu", "max",
		"-smp", fmt.Sprint(c.VCPUs),
		"-m", fmt.Sprintf("%dM", (c.MemBytes+xhyveargv.MiB-1)/xhyveargv.MiB),
		"-uuid", p.uuid,
		"-nodefaults", "-no-user-config",
		"-display", "none",
		"-no-reboot",
		"-S",
		"-rtc", rtc,
		"-chardev", "socket,id=qmp,path=" + p.qmpSock,
		"-mon", "chardev=qmp,mode=control",
		"-d", "cpu_reset", "-D", fmt.Sprintf("/proc/self/fd/%d", p.logFD),
	}
	if p.lpc {
		for i, sock := range p.comSocks {
			if sock == "" {
				a = append(a, "-serial", "null")
				continue
			}
			id := fmt.Sprintf("com%d", i+1)
			a = append(a, "-chardev", "socket,id="+id+",path="+sock, "-serial", "chardev:"+id)
		}
	}
	a = append(a, "-kernel", c.Firmware.Kernel)
	if c.Firmware.Initrd != "" {
		a = append(a, "-initrd", c.Firmware.Initrd)
	}
	if c.Firmware.Cmdline != "" {
		a = append(a, "-append", c.Firmware.Cmdline)
	}
	if p.pvpanic {
		a = append(a, "-device", "pvpanic")
	}

	// Devices with a fixed PCI address first, so that automatically placed
	// ones cannot take their slot.
	type dev struct {
		addr string
		args func(addr string) []string
	}
	var devs []dev
	withAddr := func(opts, addr string) string {
		if addr != "" {
			return opts + ",addr=" + addr
		}
		return opts
	}
	if p.tapFD != 0 {
		devs = append(devs, dev{p.pciAddr(p.netSlot), func(addr string) []string {
			return []string{
				"-netdev", fmt.Sprintf("tap,id=net0,fd=%d", p.tapFD),
				"-device", withAddr("virtio-net-pci,netdev=net0,mac="+p.mac, addr),
			}
		}})
	}
	if k := p.vpnkit; k != nil {
		devs = append(devs, dev{p.pciAddr(k.slot), func(addr string) []string {
			return []string{
				"-netdev", fmt.Sprintf("stream,id=vpnkit0,server=off,addr.type=fd,addr.str=%d", k.fd),
				"-device", withAddr("virtio-net-pci,netdev=vpnkit0,mac="+k.mac, addr),
			}
		}})
	}
	for i, d := range p.disks {
		i, d := i, d
		devs = append(devs, dev{p.pciAddr(d.Slot), func(addr string) []string {
			drive := fmt.Sprintf("if=none,id=disk%d,file=%s,format=raw", i, qemuEscape(d.Path))
			if d.ReadOnly || d.Slot.Emul == "ahci-cd" {
				drive += ",readonly=on"
			}
			switch d.Slot.Emul {
			case "virtio-blk":
				return []string{"-drive", drive, "-device", withAddr(fmt.Sprintf("virtio-blk-pci,drive=disk%d", i), addr)}
			case "ahci-cd":
				return []string{
					"-device", withAddr(fmt.Sprintf("ahci,id=ahci%d", i), addr),
					"-drive", drive + ",media=cdrom",
					"-device", fmt.Sprintf("ide-cd,drive=disk%d,bus=ahci%d.0", i, i),
				}
			default: // ahci-hd
				return []string{
					"-device", withAddr(fmt.Sprintf("ahci,id=ahci%d", i), addr),
					"-drive", drive,
					"-device", fmt.Sprintf("ide-hd,drive=disk%d,bus=ahci%d.0", i, i),
				}
			}
		}})
	}
	for i, s := range p.rngSlots {
		i := i
		devs = append(devs, dev{p.pciAddr(s), func(addr string) []string {
			return []string{
				"-object", fmt.Sprintf("rng-random,id=rng%d,filename=/dev/urandom", i),
				"-device", withAddr(fmt.Sprintf("virtio-rng-pci,rng=rng%d", i), addr),
			}
		}})
	}
	for _, fixed := range []bool{true, false} {
		for _, d := range devs {
			if (d.addr != "") == fixed {
				a = append(a, d.args(d.addr)...)
			}
		}
	}
	return a
}

// qemuEscape doubles commas, QEMU's escape inside option values.
func qemuEscape(s string) string { return strings.ReplaceAll(s, ",", ",,") }

func qemuBinary() string {
	if q := os.Getenv("XHYVE_STANDIN_QEMU"); q != "" {
		return q
	}
	return "qemu-system-x86_64"
}

// qemuHasDevice asks QEMU whether it knows a device model.
func qemuHasDevice(qemu, name string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, qemu, "-nodefaults", "-machine", "none", "-device", "help").CombinedOutput()
	if err != nil {
		return false
	}
	return strings.Contains(string(out), `name "`+name+`"`)
}
