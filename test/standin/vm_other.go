//go:build !linux

package main

import (
	"fmt"
	"os"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/xhyveargv"
)

// bootVM: the stand-in boots VMs with QEMU, tap devices and ptys of Linux
// only; parsing, -v and -h work everywhere.
func bootVM(cfg *xhyveargv.Config) int {
	fmt.Fprintf(os.Stderr, "%s: the xhyve stand-in can boot VMs on Linux only\n", cfg.Prog)
	return exitError
}

// defaultSignals: nothing to arrange where no VM can run.
func defaultSignals() {}
