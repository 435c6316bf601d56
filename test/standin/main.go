package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/xhyveargv"
)

// The exit statuses of the stand-in's own failures are the real binaries'.
const (
	exitOK    = xhyveargv.StatusOK
	exitError = xhyveargv.StatusError
)

func main() {
	// QEMU is started with Pdeathsig, which fires when the *thread* that
	// started it ends: keep the main goroutine on its thread for good.
	runtime.LockOSThread()
	defaultSignals()
	prog := filepath.Base(os.Args[0])
	d, err := dialectFor(prog, os.Getenv("XHYVE_STANDIN_RELEASE"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s (stand-in): %v\n", prog, err)
		os.Exit(exitError)
	}
	exitProcess(run(d, prog, os.Args[1:]))
}

// dialectFor picks the dialect from the name the stand-in runs as
// ("hyperkit" is hyperkit, anything else xhyve) and, for xhyve, the
// release XHYVE_STANDIN_RELEASE names ("" = master, "v0.2.0").
func dialectFor(prog, release string) (xhyveargv.Dialect, error) {
	if prog == "hyperkit" {
		if release != "" {
			return 0, fmt.Errorf("XHYVE_STANDIN_RELEASE=%s: only the xhyve dialect has releases to choose", release)
		}
		return xhyveargv.Hyperkit, nil
	}
	switch release {
	case "":
		return xhyveargv.Xhyve, nil
	case "v0.2.0":
		return xhyveargv.Xhyve020, nil
	}
	return 0, fmt.Errorf("XHYVE_STANDIN_RELEASE=%s: unknown release (known: v0.2.0)", release)
}

// run does what the real main() does and returns the status it exits
// with; the caller ends the process through exitProcess (C exit(3)).
func run(d xhyveargv.Dialect, prog string, args []string) int {
	cfg, err := xhyveargv.Parse(d, prog, args)
	if err != nil {
		return xhyveargv.Report(os.Stderr, prog, err)
	}
	if cfg.Version {
		// Both print the banner on stderr (docs/facts.md §3).
		os.Stderr.WriteString(versionText(d, prog))
		return exitOK
	}
	if cfg.Help {
		printUsage(d, prog)
		return exitOK
	}
	if d == xhyveargv.Hyperkit {
		signal.Ignore(syscall.SIGPIPE) // hyperkit ignores SIGPIPE
	}
	if err := cfg.Validate(); err != nil {
		return xhyveargv.Report(os.Stderr, prog, err)
	}
	return bootVM(cfg)
}

// Exit statuses for the ways a guest can stop (docs/facts.md §3).
func statusFor(d xhyveargv.Dialect, how string) int {
	switch how {
	case "reset":
		if d == xhyveargv.Hyperkit {
			return 2
		}
		return 0
	case "poweroff":
		if d == xhyveargv.Hyperkit {
			return 0
		}
		return 1
	case "halt":
		if d == xhyveargv.Hyperkit {
			return 0
		}
		return 2
	case "crash":
		return 3
	}
	return exitError
}
