// Command nfsd stands in for macOS's /sbin/nfsd in the Linux sandbox
// (test/sandbox/sandbox.sh installs it as /sbin/nfsd in the sandbox's mount
// namespace only).
//
//	nfsd [-v] [-F exportsfile] COMMAND
//
// COMMAND, as on macOS (nfsd(8)):
//
//	checkexports  check the exports file (exports(5), macOS dialect); print
//	              each error as "exports:LINE: message" on stderr; exit 1 if any
//	start         start the server (when not running) with the exports
//	restart       make the server serve exactly what the exports file says
//	              (starting it if needed), and return only once it does
//	update        the same, but fail when the server is not running
//	stop          stop the server
//	status        print whether the service is enabled and the server runs
//	enable        enable the service and start it
//	disable       disable the service and stop it
//
// and, for tests only (no macOS counterpart):
//
//	exports       print what the running server exports, "PATH CLIENT,...",
//	              as its mountd lists it (like showmount -e)
//
// The server is nfs-ganesha (VFS) with rpcbind and rpc.statd, in the
// sandbox's network namespace, listening on vmnet's host address (NFSv3
// with MOUNT and NLM, NFSv4). An exports entry becomes a ganesha EXPORT:
// its hosts or network the only clients, -mapall=U:G all users squashed to
// U:G, -maproot=U:G root squashed to U:G (0 = no squash; default: nobody),
// -ro read-only. Entries with errors are not served; restart reports them on
// stderr and still serves the rest, like macOS's mountd.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/zchee/docker-machine-driver-xhyve/test/nfsd/exports"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: nfsd [-v] [-F exportsfile] [checkexports | start | restart | update | stop | status | enable | disable | exports]")
}

func run(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("nfsd", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	exportsFile := fset.String("F", "/etc/exports", "exports file")
	verbose := fset.Bool("v", false, "verbose")
	if err := fset.Parse(args); err != nil {
		fmt.Fprintf(stderr, "nfsd: %v\n", err)
		usage(stderr)
		return 1
	}
	if fset.NArg() != 1 {
		usage(stderr)
		return 1
	}
	cmd := fset.Arg(0)
	if cmd == "checkexports" {
		f, err := os.Open(*exportsFile)
		if err != nil {
			fmt.Fprintf(stderr, "nfsd: Can't open %s\n", *exportsFile)
			return 1
		}
		list, errs := exports.DefaultChecker().Check(f)
		f.Close()
		if len(errs) > 0 {
			fmt.Fprint(stderr, exports.Report(errs))
			return 1
		}
		if *verbose {
			for _, x := range list {
				fmt.Fprintf(stdout, "%s\n", x.Path)
			}
		}
		return 0
	}
	switch cmd {
	case "start", "restart", "update", "stop", "status", "enable", "disable", "exports":
	default:
		fmt.Fprintf(stderr, "nfsd: unknown command: %s\n", cmd)
		usage(stderr)
		return 1
	}
	if os.Geteuid() != 0 && cmd != "status" && cmd != "exports" {
		fmt.Fprintln(stderr, "nfsd: must be run as root")
		return 1
	}
	s, err := loadServer(*exportsFile)
	if err != nil {
		fmt.Fprintf(stderr, "nfsd: %v\n", err)
		return 1
	}
	if cmd == "exports" {
		list, err := servedExports(s.Bind)
		if err != nil {
			fmt.Fprintf(stderr, "nfsd: %v\n", err)
			return 1
		}
		for _, x := range list {
			fmt.Fprintf(stdout, "%s %s\n", x.Path, strings.Join(x.Clients, ","))
		}
		return 0
	}
	if cmd == "status" {
		if _, err := os.Stat(s.path("enabled")); err == nil {
			fmt.Fprintln(stdout, "nfsd service is enabled")
		} else {
			fmt.Fprintln(stdout, "nfsd service is disabled")
		}
		if pid := s.ganeshaPid(); pid != 0 {
			fmt.Fprintf(stdout, "nfsd is running (pid %d, nfs-ganesha)\n", pid)
		} else {
			fmt.Fprintln(stdout, "nfsd is not running")
		}
		return 0
	}
	unlock, err := s.lock()
	if err != nil {
		fmt.Fprintf(stderr, "nfsd: %v\n", err)
		return 1
	}
	defer unlock()
	s.logf("nfsd %s", strings.Join(args, " "))
	switch cmd {
	case "stop":
		s.Stop()
		return 0
	case "disable":
		os.Remove(s.path("enabled"))
		s.Stop()
		return 0
	case "enable":
		if err := os.WriteFile(s.path("enabled"), nil, 0o644); err != nil {
			fmt.Fprintf(stderr, "nfsd: %v\n", err)
			return 1
		}
	case "update":
		if s.ganeshaPid() == 0 {
			fmt.Fprintln(stderr, "The nfsd service does not appear to be running.")
			return 1
		}
	}
	if (cmd == "start" || cmd == "enable") && s.ganeshaPid() != 0 {
		return 0
	}
	bad, err := s.Apply(false)
	if len(bad) > 0 {
		fmt.Fprintf(stderr, "nfsd: %s has errors; these entries are not served:\n%s", *exportsFile, exports.Report(bad))
	}
	if err != nil {
		var le exports.LineError
		if errors.As(err, &le) {
			fmt.Fprintln(stderr, le)
		} else {
			fmt.Fprintf(stderr, "nfsd: %s: %v\n", cmd, err)
		}
		s.logf("nfsd %s failed: %v", cmd, err)
		return 1
	}
	if *verbose {
		list, _ := servedExports(s.Bind)
		for _, x := range list {
			fmt.Fprintf(stdout, "%s %s\n", x.Path, strings.Join(x.Clients, ","))
		}
	}
	return 0
}
