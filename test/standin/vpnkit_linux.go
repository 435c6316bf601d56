//go:build linux

package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/vpnkit"
	"github.com/zchee/docker-machine-driver-xhyve/test/standin/xhyveargv"
)

// vpnkitDev is a connected virtio-vpnkit device: the server connection,
// the socket pair to QEMU and what the handshake gave.
type vpnkitDev struct {
	server *net.UnixConn
	ours   net.Conn // our end of the socket pair
	theirs *os.File // QEMU's end, until QEMU holds it
	vif    vpnkit.VIF
}

// setupVpnkit is hyperkit's virtio-vpnkit init (vpnkit_create, then
// pci_vtnet_init; docs/facts.md §9): it reads the options, connects to the
// server with hyperkit's endless retry and handshake (so a start without a
// server blocks here, after the pidfile, for ever), writes the macfile and
// gives QEMU a virtio-net-pci with the server's MAC on a -netdev stream
// socket pair. It needs no privilege: a hyperkit without a vmnet device
// runs as its user. ok is false when the start-up ends here.
func (v *vm) setupVpnkit(s xhyveargv.Slot) (code int, ok bool) {
	if v.vpnkit != nil {
		return v.errorf("virtio-vpnkit: the stand-in supports one vpnkit interface"), false
	}
	opts := ""
	if s.HasConfig {
		opts = s.Config
	}
	stdout.Printf("virtio-net-vpnkit: initialising, opts=\"%s\"\n", opts)
	vk, err := xhyveargv.ParseVpnkit(s)
	if err != nil {
		// hyperkit prints the refusal, returns 1 where its caller checks
		// for -1 and dereferences the device state it never set: SIGSEGV.
		xhyveargv.Report(os.Stderr, v.cfg.Prog, err)
		crash(syscall.SIGSEGV)
	}
	uuid := vk.UUID
	if uuid == "" {
		// uuid_generate_random at every start; macOS's uuid_unparse
		// writes upper case
		uuid = strings.ToUpper(randomUUID())
	}
	stdout.Printf("virtio-net-vpnkit: interface will have uuid %s\n", uuid)
	if vk.IPv4 != "" {
		stdout.Printf("virtio-net-vpnkit: requesting ip %s\n", vk.IPv4)
	}
	server, vif, err := vpnkit.Connect(context.Background(), vk.Path, uuid, vk.PreferredIPv4, os.Stderr)
	if err != nil { // only a cancelled context ends Connect: never here
		return v.errorf("virtio-vpnkit: %v", err), false
	}
	stdout.Printf("virtio-net-vpnkit: Connection established with MAC=%s and MTU %d\n", vif.MACString(), vif.MTU)
	if vk.MACFile != "" {
		// a failure is only debug output in hyperkit, and the device
		// comes up all the same
		_ = vpnkit.WriteMACFile(vk.MACFile, vif)
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		server.Close()
		return v.errorf("virtio-vpnkit: socketpair: %v", err), false
	}
	ourFile := os.NewFile(uintptr(fds[0]), "vpnkit-bridge")
	ours, err := net.FileConn(ourFile)
	ourFile.Close()
	if err != nil {
		syscall.Close(fds[1])
		server.Close()
		return v.errorf("virtio-vpnkit: %v", err), false
	}
	v.vpnkit = &vpnkitDev{server: server, ours: ours, theirs: os.NewFile(uintptr(fds[1]), "vpnkit-qemu"), vif: vif}
	v.plan.vpnkit = &vpnkitPlan{slot: s, mac: vif.MACString()}
	return 0, true
}

// startVpnkit starts carrying frames, once QMP answers (the power button
// needs it) and before the vCPUs run; until then QEMU and the server wait
// in their socket buffers (hyperkit drops what arrives before the guest's
// driver is ready; so does QEMU's virtio-net).
func (v *vm) startVpnkit() {
	d := v.vpnkit
	if d == nil {
		return
	}
	b := &vpnkit.Bridge{
		Server: d.server,
		QEMU:   d.ours,
		VIF:    d.vif,
		PowerButton: func() {
			// the ACPI power button, whether or not the guest has
			// enabled ACPI yet (its status bit waits for it)
			v.q.ExecuteTimeout("system_powerdown", nil, 5*time.Second)
		},
		Abort: func() {
			fmt.Fprintln(os.Stderr, vpnkit.AssertMessage)
			crash(syscall.SIGABRT)
		},
		Log: os.Stderr,
	}
	go b.ToServer()
	go b.ToQEMU()
}

// crash ends the process by sig as a C program's crash does: no atexit
// work (the pidfile stays), buffered stdout lost, no core file (macOS
// writes none by default either).
func crash(sig syscall.Signal) {
	syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{})
	dieBySignal(sig)
}
