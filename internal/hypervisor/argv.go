package hypervisor

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// The PCI devices, as -s takes them: [bus:]slot[:func],emulation
// (docs/facts.md §3). Each slot is spelled here only: Args boots with all of
// them, and QueryMAC's -M sets up the same virtio-net device to learn its MAC.
const (
	pciHostBridge = "0:0,hostbridge"
	pciLPC        = "31,lpc"
	pciNet        = "2:0,virtio-net"
	pciVPNKit     = "2:0,virtio-vpnkit" // hyperkit only; followed by ",path=SOCK,uuid=UUID"
	pciCD         = "3:0,ahci-cd"       // followed by ",PATH"
	pciDisk       = "4:0,virtio-blk"    // followed by ",PATH"
	pciRNG        = "5:0,virtio-rnd"
)

// kexec is -f's value: the hypervisor splits it at its first three commas
// only, so the command line may hold more (docs/facts.md §3).
func kexec(kernel, initrd, cmdline string) string {
	return "kexec," + kernel + "," + initrd + "," + cmdline
}

// Config is everything the hypervisor command line is made of.
type Config struct {
	Dialect  Dialect
	UUID     string // also vmnet's interface id, so it fixes the MAC
	CPUs     int
	MemoryMB int
	Kernel   string
	Initrd   string
	Cmdline  string
	ISO      string // attached as a CD so the guest can read it too
	Disk     string // raw image
	PIDFile  string
	// VPNKitSocket, when set, puts the VM on a user-mode network instead of
	// vmnet: hyperkit's virtio-vpnkit device connects to this unix socket
	// (docs/facts.md §9), and with no vmnet device hyperkit needs no root.
	VPNKitSocket string
}

// MaxSocketPath is the longest socket path hyperkit connects to: macOS's
// sun_path holds 104 bytes with the NUL, and hyperkit silently cuts a
// longer path and then retries the wrong one forever (docs/facts.md §9).
const MaxSocketPath = 103

// Validate checks what the hypervisor itself would reject or misparse, so a
// bad value fails before anything is launched.
func (c Config) Validate() error {
	var errs []error
	if err := CheckCPUs(c.Dialect, c.CPUs); err != nil {
		errs = append(errs, err)
	}
	if u, err := uuid.Parse(c.UUID); err != nil || u.String() != strings.ToLower(c.UUID) {
		errs = append(errs, fmt.Errorf("UUID %q is not of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", c.UUID))
	}
	if c.MemoryMB < 1 {
		errs = append(errs, fmt.Errorf("memory %d MB is not positive", c.MemoryMB))
	}
	if err := c.CheckPaths(); err != nil {
		errs = append(errs, err)
	}
	if !filepath.IsAbs(c.PIDFile) {
		errs = append(errs, fmt.Errorf("pidfile path %q is not absolute", c.PIDFile))
	}
	if c.VPNKitSocket != "" {
		if err := CheckVPNKit(c.Dialect, c.VPNKitSocket); err != nil {
			errs = append(errs, err)
		}
	}
	if strings.ContainsAny(c.Cmdline, "\n\r\x00") {
		errs = append(errs, fmt.Errorf("kernel command line %q contains a newline or NUL", c.Cmdline))
	}
	return errors.Join(errs...)
}

// CheckCPUs is the dialect's rule for -c: 1 up to its limit.
func CheckCPUs(d Dialect, cpus int) error {
	limit := MaxCPUs(d)
	switch {
	case limit == 0:
		return fmt.Errorf("unknown hypervisor dialect %q", d)
	case cpus < 1 || cpus > limit:
		return fmt.Errorf("%s takes 1 to %d vCPUs, not %d", d, limit, cpus)
	}
	return nil
}

// CheckPaths applies CheckPath to every file the command line names.
func (c Config) CheckPaths() error {
	var errs []error
	for _, p := range []struct{ name, path string }{{"kernel", c.Kernel}, {"initrd", c.Initrd}, {"ISO", c.ISO}, {"disk", c.Disk}} {
		if err := CheckPath(p.name, p.path); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// CheckPath is the rule for a file the hypervisor opens by a path in its
// command line (kernel, initrd, ISO, disk): absolute, and without a comma,
// since xhyve splits -s and -l options on commas and -f on its first three.
// The driver applies it to the store before a create writes anything.
func CheckPath(name, path string) error {
	switch {
	case !filepath.IsAbs(path):
		return fmt.Errorf("%s path %q is not absolute", name, path)
	case strings.Contains(path, ","):
		return fmt.Errorf("%s path %q contains a comma, which xhyve cannot parse: use a MACHINE_STORAGE_PATH without commas", name, path)
	}
	return nil
}

// CheckVPNKit is the rule for a user-mode network's socket: hyperkit alone
// has the virtio-vpnkit device, and its path follows CheckPath (its
// options are split on commas too) and is at most MaxSocketPath bytes.
func CheckVPNKit(d Dialect, socket string) error {
	if d != HyperKit {
		return fmt.Errorf("%s has no virtio-vpnkit device, which user-mode networking needs: use hyperkit", d)
	}
	if err := CheckPath("vpnkit socket", socket); err != nil {
		return err
	}
	if len(socket) > MaxSocketPath {
		return fmt.Errorf("vpnkit socket path %q is %d bytes, over the %d a macOS socket address holds: use a shorter MACHINE_STORAGE_PATH", socket, len(socket), MaxSocketPath)
	}
	return nil
}

// netSlot is the network device: vmnet's virtio-net, or the virtio-vpnkit
// device on the socket, which learns its MAC from the network by the UUID.
func netSlot(c Config) string {
	if c.VPNKitSocket != "" {
		return pciVPNKit + ",path=" + c.VPNKitSocket + ",uuid=" + c.UUID
	}
	return pciNet
}

// Args returns the hypervisor's argument vector (without argv[0]).
func Args(c Config) ([]string, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("invalid hypervisor config: %w", err)
	}
	return []string{
		"-A", // ACPI tables: SIGTERM becomes a power-button press
		"-u", // the guest expects its RTC in UTC
		"-U", c.UUID,
		"-c", strconv.Itoa(c.CPUs),
		"-m", strconv.Itoa(c.MemoryMB) + "M",
		"-s", pciHostBridge,
		"-s", pciLPC,
		// The console is the hypervisor's stdin: the supervisor owns the
		// pty and hands its slave over (a pty the setuid-root hypervisor
		// made would be root's, docs/facts.md §3). Both dialects take it.
		"-l", "com1,stdio",
		"-s", netSlot(c),
		"-s", pciCD + "," + c.ISO,
		"-s", pciDisk + "," + c.Disk,
		"-s", pciRNG,
		"-F", c.PIDFile,
		"-f", kexec(c.Kernel, c.Initrd, c.Cmdline),
	}, nil
}
