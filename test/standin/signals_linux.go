//go:build linux

package main

import (
	"os"
	"os/signal"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The real binaries install no handler for SIGINT, SIGHUP or SIGQUIT (and
// for SIGTERM only once the guest enabled ACPI): those signals end them by
// their default action, without exit(3), so no atexit handler runs (the
// pidfile stays, the terminal stays raw) and nothing buffered in stdout is
// written. The Go runtime already dies that way on SIGINT, SIGHUP and
// SIGTERM; on SIGQUIT it would print its goroutines and exit 2 instead, so
// the stand-in catches SIGQUIT and dies by it with the default action.
// QEMU goes with the stand-in in every case (Pdeathsig, see qemuProcAttr).

// defaultSignals arranges the default action for SIGQUIT.
func defaultSignals() {
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, syscall.SIGQUIT)
	go func() {
		<-quit
		dieBySignal(syscall.SIGQUIT)
	}()
}

// dieBySignal ends the process by sig's default action (SIG_DFL, then the
// signal sent to itself), as an uncaught signal ends a C program.
func dieBySignal(sig syscall.Signal) {
	var dfl [4]uint64 // struct kernel_sigaction, all zero: SIG_DFL
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&dfl)), 0, 8, 0, 0)
	var set unix.Sigset_t
	set.Val[(int(sig)-1)/64] |= 1 << ((uint(sig) - 1) % 64)
	unix.PthreadSigmask(unix.SIG_UNBLOCK, &set, nil)
	unix.Kill(os.Getpid(), sig)
	time.Sleep(10 * time.Second)
	os.Exit(128 + int(sig))
}
