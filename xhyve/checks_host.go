package xhyve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/zchee/docker-machine-driver-xhyve/internal/hostinfo"
	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
)

// The host checks' decisions, apart from how the Mac is asked (checks_darwin.go),
// so that they are tested on any OS with the documented outputs.

// errHostUnsupported marks a failure that makes every later check moot:
// doctor reports it once and skips the rest.
//
//lint:ignore ST1005 doctor prints it as the start of a line, and README.md quotes it
var errHostUnsupported = errors.New("Intel Macs only")

// minMacOS is the oldest macOS the driver supports: Go 1.25 and later
// (go.mod asks for 1.26) build binaries that run on macOS 12 Monterey or
// later only, so the plugin cannot start on an older one.
var minMacOS = hostinfo.Version{Major: 12}

// entitlementSince is the first macOS that requires the hypervisor
// entitlement of Hypervisor.framework users.
var entitlementSince = hostinfo.Version{Major: 11}

// intelOnly is the one failure of a Mac or a plugin build that cannot run
// xhyve: why, what the Mac is, and what to use instead.
func intelOnly(what string) error {
	return fmt.Errorf("%w: %s; xhyve and hyperkit need an Intel CPU (VT-x) and cannot run on Apple silicon, natively or under Rosetta; there use a driver for Apple's Virtualization.framework",
		errHostUnsupported, what)
}

// checkCPU decides the CPU check from the Mac's sysctl values and the
// architecture the plugin was built for (runtime.GOARCH).
func checkCPU(cpu hostinfo.CPU, goarch string) (string, error) {
	brand := cpu.Brand
	if brand == "" {
		brand = "unknown CPU"
	}
	switch {
	case goarch != "amd64":
		return "", intelOnly(fmt.Sprintf("this plugin is a darwin/%s build, running on %s", goarch, brand))
	case cpu.Translated:
		return "", intelOnly(fmt.Sprintf("this is an Apple silicon Mac (%s) running the plugin under Rosetta (sysctl.proc_translated = 1)", brand))
	case cpu.AppleSilicon:
		return "", intelOnly(fmt.Sprintf("this is an Apple silicon Mac (%s, hw.optional.arm64 = 1)", brand))
	case cpu.Vendor == "":
		return "", intelOnly(fmt.Sprintf("the CPU's vendor is unknown (machdep.cpu.vendor cannot be read; %s)", brand))
	case cpu.Vendor != "GenuineIntel":
		return "", intelOnly(fmt.Sprintf("the CPU's vendor is %q (%s)", cpu.Vendor, brand))
	}
	return fmt.Sprintf("Intel (%s), not under Rosetta", brand), nil
}

// checkMacOS decides the macOS version check.
func checkMacOS(v hostinfo.Version) (string, error) {
	if v == (hostinfo.Version{Major: 10, Minor: 16}) {
		return "", errors.New("sw_vers printed 10.16, what macOS 11 and later print with SYSTEM_VERSION_COMPAT=1: unset SYSTEM_VERSION_COMPAT and run doctor again")
	}
	if !v.AtLeast(minMacOS) {
		return "", fmt.Errorf("macOS %s is older than macOS %s, the oldest this driver supports (its Go toolchain builds for macOS %[2]s and later); update macOS (see the README's Requirements)", v, minMacOS)
	}
	return "macOS " + v.String(), nil
}

// checkEntitlement decides the hypervisor entitlement check from codesign's
// stdout and stderr and how it ended (runErr), on macOS version v.
func checkEntitlement(path string, v hostinfo.Version, stdout, stderr []byte, runErr error) (string, error) {
	if !v.AtLeast(entitlementSince) {
		return fmt.Sprintf("not needed before macOS %s", entitlementSince), nil
	}
	fix := fmt.Sprintf("macOS %s and later let only binaries signed with the %s entitlement use Hypervisor.framework (hv_vm_create fails otherwise). "+
		"Build it as the README's Requirements say (hyperkit's make and xhyve's xcodebuild sign it so), or sign it ad hoc yourself:\n"+
		"  /usr/libexec/PlistBuddy -c 'Add :%[2]s bool true' /tmp/hypervisor.entitlements\n"+
		"  sudo codesign -s - --entitlements /tmp/hypervisor.entitlements --force %[3]s\n"+
		"then run the chown/chmod of the README's Privileges again (codesign rewrites the file)",
		entitlementSince, hostinfo.HypervisorEntitlement, path)
	if runErr != nil {
		if bytes.Contains(stderr, []byte("not signed at all")) {
			return "", fmt.Errorf("%s is not signed: %s", path, fix)
		}
		return "", fmt.Errorf("read the entitlements of %s with codesign: %w (%s)", path, runErr, firstLineOf(stderr))
	}
	e, err := hostinfo.ParseEntitlements(bytes.NewReader(stdout))
	if err != nil {
		return "", fmt.Errorf("read the entitlements of %s: %w", path, err)
	}
	if !e.Has(hostinfo.HypervisorEntitlement) {
		return "", fmt.Errorf("%s lacks the %s entitlement: %s", path, hostinfo.HypervisorEntitlement, fix)
	}
	return fmt.Sprintf("%s carries %s", path, hostinfo.HypervisorEntitlement), nil
}

// probePidfile is the -F argument of the option probe: -v exits before any
// pidfile is written, and none could be created in a directory that does
// not exist even by a setuid-root hypervisor.
const probePidfile = "/nonexistent/docker-machine-driver-xhyve-probe.pid"

// neededOptions are the options the driver needs beyond xhyve v0.2.0's:
// the argv that tries each (followed by -v) and what it is for.
var neededOptions = []struct {
	argv []string
	what string
}{
	{[]string{"-F", probePidfile}, "-F (pidfile)"},
	{[]string{"-M"}, "-M (MAC query)"},
}

// checkOptions runs the hypervisor with each option the driver needs
// followed by -v: getopt handles options in order, so a hypervisor that
// knows the option prints its version and exits 0 before doing anything,
// and one that does not (xhyve v0.2.0, the only tagged release) prints
// "illegal option" and its usage and exits 1. No root and no VM needed.
func checkOptions(ctx context.Context, info hypervisor.Info) (string, error) {
	var missing, said []string
	for _, o := range neededOptions {
		ctx, cancel := context.WithTimeout(ctx, hostCommandTimeout)
		out, err := exec.CommandContext(ctx, info.Path, append(o.argv, "-v")...).CombinedOutput()
		timedOut := ctx.Err() != nil
		cancel()
		switch accepted, detail := optionAccepted(out, err); {
		case timedOut:
			return "", fmt.Errorf("run %s %s -v: no answer within %v", info.Path, strings.Join(o.argv, " "), hostCommandTimeout)
		case !accepted:
			missing, said = append(missing, o.what), append(said, detail)
		}
	}
	if len(missing) > 0 {
		return "", optionsMissing(info, missing, said)
	}
	return "takes -F (pidfile) and -M (MAC query)", nil
}

// optionAccepted decides one probe: accepted when the hypervisor exited 0
// with its version banner; otherwise the first line it printed.
func optionAccepted(out []byte, runErr error) (bool, string) {
	if runErr == nil {
		if _, err := hypervisor.ParseVersion(out); err == nil {
			return true, ""
		}
	}
	if line := firstLineOf(out); line != "" {
		return false, line
	}
	if runErr != nil {
		return false, runErr.Error()
	}
	return false, "no version banner"
}

// optionsMissing names the hypervisor, its version and what it lacks, and
// how to get one that works.
func optionsMissing(info hypervisor.Info, missing, said []string) error {
	why := "the driver needs them"
	if info.Dialect == hypervisor.XHyve {
		why = "they came after xhyve's only tagged release, v0.2.0 of 2015, which Homebrew shipped as its stable xhyve"
	}
	return fmt.Errorf("%s %s (%s) lacks %s, which the driver needs to track the VM and learn its MAC address (%s; it printed %q). "+
		"Build xhyve from its current source or install hyperkit (see the README's Requirements), then name it with --%s",
		info.Dialect, info.Version, info.Path, strings.Join(missing, " and "), why, said[0], flagHypervisor)
}

func firstLineOf(b []byte) string {
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}
