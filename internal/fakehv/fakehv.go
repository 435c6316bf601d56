// Package fakehv builds, for tests, a fake xhyve/hyperkit that follows the
// documented behaviour of the real ones (docs/facts.md §3): the -v banner, -M, an
// O_EXCL -F pidfile written once the "VM" exists and removed at normal exit,
// device setup after the pidfile (which may fail and exit 1), the dialect's
// exit statuses, the stdio console (COM1 on fd 0, which it reads and writes,
// as their uart_emul.c does), and SIGTERM as an ACPI power button only once
// the guest "enabled ACPI". A behaviour file next to the binary scripts the
// guest: reboots, poweroff, crashes, a DHCP lease, an SSH banner.
//
// hyperkit's virtio-vpnkit device (docs/facts.md §9) is the stand-in's own
// client of the protocol (test/standin/vpnkit): at device setup the fake
// connects to the socket with hyperkit's endless retry and handshake, drops
// the guest's frames, and presses the power button when the network closes.
//
// It reads its command line with test/standin/xhyveargv, the parser the
// Linux harness's stand-in uses, so the unit tests meet the same rules as
// the e2e suite: what the real binaries refuse, it refuses with their words
// and statuses. What they run and it cannot (no -F, -U or kexec; a console
// other than stdio) it refuses as its own limit, before the VM exists.
package fakehv

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Behavior scripts one fake binary. It is read from <binary>.json at every
// start, so a test can change it between boots.
type Behavior struct {
	// Dialect is "xhyve" or "hyperkit"; it sets the banner and exit statuses.
	Dialect string `json:"dialect"`
	// FailStart makes the binary exit 1 before creating the VM, printing
	// this message on stdout (as vmnet does for -M when it lacks rights).
	FailStart string `json:"fail_start,omitempty"`
	// FailSetup makes device setup fail AFTER the pidfile was written: the
	// message goes to stdout (as xhyve prints a refused vmnet) and the
	// binary exits 1 without the guest ever running. A disk image that is
	// missing fails there too, on stderr.
	FailSetup string `json:"fail_setup,omitempty"`
	// ACPIAfterMS is when the guest enables ACPI; SIGTERM before it kills the
	// process, after it powers off after PowerOffMS.
	ACPIAfterMS int `json:"acpi_after_ms"`
	PowerOffMS  int `json:"poweroff_ms"`
	// IgnoreTERM makes SIGTERM do nothing (a guest without acpid).
	IgnoreTERM bool `json:"ignore_term,omitempty"`
	// Resets is how many boots end in a guest reboot after RunMS; then the
	// guest runs until stopped, unless Then says "poweroff" or "crash".
	Resets int    `json:"resets,omitempty"`
	RunMS  int    `json:"run_ms,omitempty"`
	Then   string `json:"then,omitempty"`
	// Leases, when set, gets a bootpd entry for the VM's MAC with LeaseIP
	// after LeaseAfterMS, like vmnet's DHCP server.
	Leases       string `json:"leases,omitempty"`
	LeaseIP      string `json:"lease_ip,omitempty"`
	LeaseAfterMS int    `json:"lease_after_ms,omitempty"`
	// SSHAddr, when set, gets a listener that sends an SSH banner.
	SSHAddr string `json:"ssh_addr,omitempty"`
	// Console is written to the console after boot. Before it, a guest
	// whose kernel command line has console=ttyS0 writes a boot banner
	// there, as a kernel does from early boot, unless QuietGuest.
	Console    string `json:"console,omitempty"`
	QuietGuest bool   `json:"quiet_guest,omitempty"`
	// LastWords is written to the console just before a scripted exit (a
	// panic before a crash).
	LastWords string `json:"last_words,omitempty"`
	// SetupMS is how long creating the VM takes: the pidfile comes after it.
	SetupMS int `json:"setup_ms,omitempty"`
	// FloodBytes is written to the console and to stderr after boot, to
	// exercise log caps.
	FloodBytes int `json:"flood_bytes,omitempty"`
	// Orphan makes the binary start a child that outlives it holding its
	// stdin, stdout and stderr (a helper the hypervisor spawned); the
	// child's pid goes to <binary>.orphan.
	Orphan bool `json:"orphan,omitempty"`
}

// OpenFDs returns the descriptors above 2 that the fake at binary found
// open when it last started, as "3 4" ("" for none).
func OpenFDs(binary string) string {
	data, _ := os.ReadFile(binary + ".fds")
	return string(data)
}

// Orphan returns the pid of the child the fake at binary left running (0
// for none).
func Orphan(binary string) int {
	data, _ := os.ReadFile(binary + ".orphan")
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

// Install builds the fake (once per test binary) and copies it to dir/name
// with its behaviour file. It returns the binary's path.
func Install(t testing.TB, dir, name string, b Behavior) string {
	t.Helper()
	buildOnce.Do(func() {
		out, err := os.MkdirTemp("", "fakehv")
		if err != nil {
			buildErr = err
			return
		}
		built = filepath.Join(out, "fakehv")
		cmd := exec.Command("go", "build", "-o", built, "github.com/zchee/docker-machine-driver-xhyve/internal/fakehv/cmd/fakehv")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = &buildError{err, string(out)}
		}
	})
	if buildErr != nil {
		t.Fatalf("build fake hypervisor: %v", buildErr)
	}
	data, err := os.ReadFile(built)
	if err != nil {
		t.Fatal(err)
	}
	// A new file renamed into place, never a rewrite: macOS caches an
	// executable's code signature by vnode and kills a binary changed in place.
	path := filepath.Join(dir, name)
	tmp := path + ".installing"
	if err := os.WriteFile(tmp, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	SetBehavior(t, path, b)
	return path
}

// SetBehavior replaces the behaviour of an installed fake.
func SetBehavior(t testing.TB, binary string, b Behavior) {
	t.Helper()
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(binary+".json", data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Boots returns how many times the fake at binary created a VM.
func Boots(binary string) int {
	data, _ := os.ReadFile(binary + ".boots")
	return len(data)
}

type buildError struct {
	err error
	out string
}

// Error includes the compiler output.
func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }
