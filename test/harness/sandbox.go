package harness

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The sandbox's files that stand for the Mac's (test/README.md).
const (
	// LeasesFile is vmnet's bootpd lease file, written by the sandbox's
	// dnsmasq.
	LeasesFile = "/var/db/dhcpd_leases"
	// ExportsFile is what macOS's nfsd serves (the nfsd stand-in's).
	ExportsFile = "/etc/exports"
)

// Main runs a suite's tests (a TestMain's m) in the sandbox only
// (test/sandbox/sandbox.sh): elsewhere it names the missing variable and
// how to run the suite, and exits 2.
func Main(m *testing.M, suite, how string) {
	if err := checkSandbox(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v: run %s\n", suite, err, how)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// checkSandbox says which of the variables the sandbox sets is missing.
func checkSandbox() error {
	for _, v := range []string{"MACHINE_STORAGE_PATH", "XHYVE_E2E_GUEST"} {
		if os.Getenv(v) == "" {
			return fmt.Errorf("%s is not set", v)
		}
	}
	return nil
}

// GuestFile is the path of name in the guest build ($XHYVE_E2E_GUEST,
// test/guest's OUTDIR).
func GuestFile(name string) string {
	return filepath.Join(os.Getenv("XHYVE_E2E_GUEST"), name)
}

// ReloadDHCP makes the sandbox's dnsmasq read dhcp-hosts again (SIGHUP).
func ReloadDHCP(t testing.TB) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(os.Getenv("XHYVE_SANDBOX_STATE"), "dnsmasq.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("dnsmasq's pid file: %v", err)
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		t.Fatalf("reload dnsmasq: %v", err)
	}
}

// ProcessesMentioning lists the processes whose command line contains s,
// as "PID: ARGV".
func ProcessesMentioning(s string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(s)) {
			pids = append(pids, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return pids
}
