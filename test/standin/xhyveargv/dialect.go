// Package xhyveargv reads xhyve's and hyperkit's command line as the real
// binaries do (docs/facts.md §3): their getopt(3) string, the C library's
// strtoul, atoi and sscanf quirks, the checks main() makes before creating
// the VM, their messages word for word and their exit statuses. It is the
// one parser both fakes share: the stand-in of the Linux harness
// (test/standin) and the unit tests' fake (internal/fakehv), so the driver
// meets the same rules in its unit tests as in the e2e suite.
//
// It follows the documentation, never the driver: it imports none of the
// driver's packages, and the driver must not import it (the tests check
// both), or a mistake in one would be copied into its own check.
package xhyveargv

// Dialect selects which real binary's command line is read.
type Dialect int

// The dialects: xhyve and hyperkit share a command line but differ in
// options, backends and exit statuses. Xhyve is xhyve's master branch (what
// users build, with -F and -M); Xhyve020 is its only tagged release, v0.2.0,
// which lacks -F, -M and the autopty backend (docs/facts.md §3).
const (
	Xhyve Dialect = iota
	Hyperkit
	Xhyve020
)

// String names the dialect as the tests and messages do.
func (d Dialect) String() string {
	switch d {
	case Xhyve:
		return "xhyve"
	case Hyperkit:
		return "hyperkit"
	case Xhyve020:
		return "xhyve-v0.2.0"
	}
	return "unknown dialect"
}

// IsXhyve tells the xhyve dialects (master and v0.2.0) from hyperkit.
func (d Dialect) IsXhyve() bool { return d != Hyperkit }

// optstring is the getopt(3) option string of both xhyve and hyperkit. It
// declares "Y:" (the real binaries make -Y consume an argument though their
// usage text lists it as a flag), and -p, although in xhyve's usage text,
// is not in it (so it is an illegal option).
const optstring = "behvuwxMACHPWY:f:F:g:c:s:m:l:U:"

// optstring020 is xhyve v0.2.0's: no -F (pidfile) and no -M (print MAC),
// which came in December 2015, after the release.
const optstring020 = "behvuwxACHPWY:f:g:c:s:m:l:U:"

func (d Dialect) optstring() string {
	if d == Xhyve020 {
		return optstring020
	}
	return optstring
}

// MaxVCPUs is the dialect's -c limit (docs/facts.md §3).
func MaxVCPUs(d Dialect) int {
	if d == Hyperkit {
		return 64
	}
	return 16
}

// Emulates reports whether the dialect knows the -s emulation emul.
func Emulates(d Dialect, emul string) bool {
	switch emul {
	case "hostbridge", "lpc", "virtio-net", "virtio-blk", "ahci-hd", "ahci-cd", "virtio-rnd":
		return true
	case "virtio-9p", "virtio-sock", "virtio-vpnkit":
		return d == Hyperkit
	}
	return false
}
