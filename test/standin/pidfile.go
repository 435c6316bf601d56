package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// setupPidfile is the real setup_pidfile() (xhyve src/xhyve.c, hyperkit
// src/hyperkit.c), called once the VM and its memory exist and BEFORE the
// devices are set up (init_pci): PATH is created with O_CREAT|O_EXCL (an
// existing file fails the start and is left alone), an atexit handler that
// removes it is registered, then the pid is written (no newline). From then
// on every exit(3) removes the pidfile, a device that fails to set up
// included; a process killed by a signal leaves it behind.
//
// On failure both print "Failed to set up pidfile" and main adds "pidfile
// error -1" (since xhyve commit 6d474f1, 2015-12; hyperkit inherited it).
func setupPidfile(path string) bool {
	if path == "" {
		return true
	}
	fail := func() bool {
		fmt.Fprintln(os.Stderr, "Failed to set up pidfile")
		fmt.Fprintln(os.Stderr, "pidfile error -1")
		return false
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0644)
	if err != nil {
		return fail()
	}
	atexit(func() {
		if err := syscall.Unlink(path); err != nil {
			fmt.Fprintln(os.Stderr, "Failed to remove pidfile")
		}
	})
	if _, err := f.WriteString(strconv.Itoa(os.Getpid())); err != nil {
		f.Close()
		return fail()
	}
	if err := f.Close(); err != nil {
		return fail()
	}
	return true
}
