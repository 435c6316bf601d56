package xhyve

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/docker/machine/libmachine/mcnutils"
)

// DoctorCommand is the plugin binary's subcommand that checks, before
// anything is created, whether `docker-machine create -d xhyve` can work
// here: `docker-machine-driver-xhyve doctor [--xhyve-hypervisor PATH]
// [--xhyve-nfs-server builtin|macos] [--storage-path DIR]`.
const DoctorCommand = "doctor"

// DoctorMain runs DoctorCommand: one line per check, with the fix of each
// that fails; on a host that cannot run xhyve at all (Apple silicon, an
// arm64 build) that one failure, and the rest skipped. It returns 0 only when a create would pass them all (the very
// checks PreCreateCheck runs), 1 when one fails, 2 for bad arguments.
func DoctorMain(args []string, out io.Writer) int {
	fs := flag.NewFlagSet(DoctorCommand, flag.ContinueOnError)
	fs.SetOutput(out)
	hv := fs.String(flagHypervisor, os.Getenv(envVar(flagHypervisor)), "the xhyve-compatible hypervisor create would use (default: xhyve, then hyperkit)")
	nfsServer := fs.String(flagNFSServer, envOr(envVar(flagNFSServer), nfsBuiltin), "the NFS server whose needs to check: builtin or macos")
	store := fs.String("storage-path", envOr("MACHINE_STORAGE_PATH", filepath.Join(mcnutils.GetHomeDir(), ".docker", "machine")), "docker-machine's store (MACHINE_STORAGE_PATH)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(out, "usage: docker-machine-driver-xhyve %s [flags]\n", DoctorCommand)
		return 2
	}
	d := NewDriver("doctor", *store)
	d.Hypervisor, d.NFSServer = *hv, *nfsServer
	if err := d.validate(atCreate); err != nil {
		fmt.Fprintf(out, "FAIL  flags: %v\n", err)
		return 2
	}
	return runDoctor(d, out)
}

// runDoctor runs every check of d and reports each.
func runDoctor(d *Driver, out io.Writer) int {
	failed := 0
	var unsupported error // the host cannot run xhyve: nothing else matters
	for _, c := range d.checks(true) {
		if unsupported != nil {
			fmt.Fprintf(out, "skip  %-22s not checked: %v (see above)\n", c.name+":", errHostUnsupported)
			continue
		}
		found, err := c.run()
		if errors.Is(err, errSkipped) {
			fmt.Fprintf(out, "skip  %-22s %v\n", c.name+":", err)
			continue
		}
		if err != nil {
			failed++
			fmt.Fprintf(out, "FAIL  %-22s %v\n", c.name+":", err)
			if errors.Is(err, errHostUnsupported) {
				unsupported = err
			}
			continue
		}
		fmt.Fprintf(out, "ok    %-22s %s\n", c.name+":", found)
	}
	if failed > 0 {
		fmt.Fprintf(out, "%d check(s) failed: docker-machine create -d %s would fail; fix them as each says\n", failed, DriverName)
		return 1
	}
	fmt.Fprintf(out, "all checks passed: docker-machine create -d %s can run here\n", DriverName)
	return 0
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
