package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
)

func main() {
	// QEMU is started with Pdeathsig, which fires when the *thread* that
	// started it ends: keep the main goroutine on its thread for good.
	runtime.LockOSThread()
	prog := filepath.Base(os.Args[0])
	d := DialectXhyve
	if prog == "hyperkit" {
		d = DialectHyperkit
	}
	os.Exit(run(d, prog, os.Args[1:]))
}

// report prints an ExitError the way the real binaries do and returns the
// exit status.
func report(d Dialect, prog string, err error) int {
	var ee *ExitError
	if !errors.As(err, &ee) {
		fmt.Fprintf(os.Stderr, "%s: %v\n", prog, err)
		return exitError
	}
	if ee.Msg != "" {
		fmt.Fprintln(os.Stderr, ee.Msg)
	}
	if ee.Usage {
		printUsage(d, prog, ee.Code)
	}
	return ee.Code
}

func run(d Dialect, prog string, args []string) int {
	cfg, err := Parse(d, prog, args)
	if err != nil {
		return report(d, prog, err)
	}
	if cfg.Version {
		if d == DialectHyperkit {
			os.Stdout.WriteString(versionText(d, prog))
		} else {
			os.Stderr.WriteString(versionText(d, prog))
		}
		return exitOK
	}
	if cfg.Help {
		printUsage(d, prog, 0)
		return exitOK
	}
	if d == DialectHyperkit {
		signal.Ignore(syscall.SIGPIPE) // hyperkit ignores SIGPIPE
	}
	if err := cfg.Validate(); err != nil {
		return report(d, prog, err)
	}
	// The real binaries create the pidfile (O_EXCL) right after the VM
	// exists and before the devices are set up, so a stale pidfile is the
	// first thing that fails. Check for it now; the file itself is created
	// (O_EXCL, race-free) once QEMU is up, before the guest runs.
	if cfg.Pidfile != "" {
		if _, err := os.Lstat(cfg.Pidfile); err == nil {
			return pidfileError(d, syscall.EEXIST)
		}
	}
	return bootVM(cfg)
}

func pidfileError(d Dialect, errno syscall.Errno) int {
	if d == DialectHyperkit {
		fmt.Fprintln(os.Stderr, "Failed to set up pidfile")
		fmt.Fprintln(os.Stderr, "pidfile error -1")
	} else {
		fmt.Fprintf(os.Stderr, "pidfile error %d\n", int(errno))
	}
	return exitError
}

// Exit statuses for the ways a guest can stop (docs/facts.md §3).
func statusFor(d Dialect, how string) int {
	switch how {
	case "reset":
		if d == DialectHyperkit {
			return 2
		}
		return 0
	case "poweroff":
		if d == DialectHyperkit {
			return 0
		}
		return 1
	case "halt":
		if d == DialectHyperkit {
			return 0
		}
		return 2
	case "crash":
		return 3
	}
	return exitError
}
