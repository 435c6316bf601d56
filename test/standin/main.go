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
func dialectFor(prog, release string) (Dialect, error) {
	if prog == "hyperkit" {
		if release != "" {
			return 0, fmt.Errorf("XHYVE_STANDIN_RELEASE=%s: only the xhyve dialect has releases to choose", release)
		}
		return DialectHyperkit, nil
	}
	switch release {
	case "":
		return DialectXhyve, nil
	case "v0.2.0":
		return DialectXhyve020, nil
	}
	return 0, fmt.Errorf("XHYVE_STANDIN_RELEASE=%s: unknown release (known: v0.2.0)", release)
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
		printUsage(d, prog)
	}
	return ee.Code
}

// run does what the real main() does and returns the status it exits
// with; the caller ends the process through exitProcess (C exit(3)).
func run(d Dialect, prog string, args []string) int {
	cfg, err := Parse(d, prog, args)
	if err != nil {
		return report(d, prog, err)
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
	if d == DialectHyperkit {
		signal.Ignore(syscall.SIGPIPE) // hyperkit ignores SIGPIPE
	}
	if err := cfg.Validate(); err != nil {
		return report(d, prog, err)
	}
	return bootVM(cfg)
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
