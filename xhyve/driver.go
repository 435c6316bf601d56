// Package xhyve is the docker-machine driver: it creates boot2docker VMs on
// macOS's xhyve (or hyperkit) hypervisor and runs them through their life.
//
// The story reads in file order: flags.go (what users can ask for, checked
// before anything happens), precreate*.go (is this Mac able to run it),
// create.go (ISO, keys, disk, MAC), start.go (boot, wait for an address and
// SSH), state.go (what is running, at which address), stop.go (ACPI
// shutdown, kill, restart) and remove.go (leave nothing behind).
package xhyve

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/machine/libmachine/drivers"
	"github.com/docker/machine/libmachine/drivers/plugin/localbinary"

	"github.com/zchee/docker-machine-driver-xhyve/internal/hostinfo"
	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
	"github.com/zchee/docker-machine-driver-xhyve/internal/release"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisor"
	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisorctl"
	"github.com/zchee/docker-machine-driver-xhyve/internal/usernetctl"
	"github.com/zchee/docker-machine-driver-xhyve/internal/usernetd"
)

// DriverName is the name users pass to `docker-machine create -d`.
const DriverName = "xhyve"

// Files in the machine directory, each named once here.
const (
	isoFile         = "boot2docker.iso" // libmachine's b2d utilities choose this name
	diskFile        = "disk.img"
	kernelFile      = "vmlinuz"
	initrdFile      = "initrd.img"
	bootRecordFile  = "boot.json"
	machineLockFile = "machine.lock"
	// bootCacheDir, under the store's cache/, holds each ISO's boot files
	// once, hard-linked into the machines that boot them.
	bootCacheDir = "xhyve-boot-files"
)

// macOS paths the driver reads, edits and runs; tests point the seams
// elsewhere.
const (
	leasesPath  = "/var/db/dhcpd_leases"
	vmnetPlist  = "/Library/Preferences/SystemConfiguration/com.apple.vmnet.plist"
	exportsPath = "/etc/exports"
	nfsdPath    = "/sbin/nfsd"
	sudoPath    = "/usr/bin/sudo"
	teePath     = "/usr/bin/tee"
	mvPath      = "/bin/mv"
)

// Driver is the xhyve driver. Its exported fields are the machine's saved
// configuration (the "Driver" object of config.json).
type Driver struct {
	*drivers.BaseDriver

	// ConfigVersion is the version of these fields; a configuration of an
	// earlier one is migrated when loaded (config.go).
	ConfigVersion int
	// Boot2DockerURL is the ISO's URL: the user's --xhyve-boot2docker-url,
	// or for a machine that follows the release (ReleaseISO) the installed
	// plugin's release ISO, which libmachine's upgrade downloads (iso.go).
	Boot2DockerURL string
	// ReleaseISO is true for a machine created without
	// --xhyve-boot2docker-url: it boots the plugin's release ISO.
	ReleaseISO bool
	CPU        int // < 1: all host CPUs
	Memory     int // MB
	DiskSize   int // MB
	BootCmd    string
	BootKernel string
	BootInitrd string
	UUID       string
	MACAddress string

	Hypervisor        string
	HypervisorDialect hypervisor.Dialect
	HypervisorVersion string

	NFSShareHome bool
	// NFSHomeRoot is the home root that NFSShareHome exports, fixed at
	// create.
	NFSHomeRoot string
	NFSShares   []string
	// NFSShareTargets are NFSShares with symlinks resolved at create: what
	// is exported (NFSShares are where the VM mounts them).
	NFSShareTargets []string `json:",omitempty"`
	NFSSharesRoot   string
	// NFSServer is nfsBuiltin or nfsMacOS.
	NFSServer string
	// TimeSync is the interval in seconds between checks of the guest's
	// clock, 0 for none.
	TimeSync int
	// NFSUID and NFSGID own what the guest writes through the shares: the
	// user who created the machine.
	NFSUID int
	NFSGID int

	env env
	// verifiedISO is the cached release ISO this process last found to be
	// the release's bytes: PreCreateCheck and Create run in one plugin
	// process, and the ~100 MB need hashing once (iso.go).
	verifiedISO os.FileInfo
}

// env holds the seams: what the driver takes from its surroundings. NewDriver
// fills it with the real world; tests replace parts.
type env struct {
	leasesPath  string
	vmnetPlist  string
	exportsPath string
	nfsdPath    string
	sudoPath    string
	teePath     string
	mvPath      string
	procs       processes
	// The Mac's own checks (checks_darwin.go) and home root; tests on a
	// Mac replace them, as they do the hypervisor.
	hostChecks      func() []check
	hostChecksAfter func() []check
	vmnetRights     func(hypervisor string) (string, error)
	homeRoot        func() string
	lookPath        func(string) (string, error)
	hypervisorDirs  []string // searched after PATH for xhyve and hyperkit
	executable      func() (string, error)
	hostCPUs        func() int
	hostMemMB       func() (int, error)
	// The release ISO's facts and how it is downloaded (iso.go).
	releaseISO    func() (release.Asset, error)
	httpClient    *http.Client // nil: download.NewClient()
	downloadStall time.Duration
	// Waits: every one has a deadline, polled at interval.
	interval    time.Duration
	lockTimeout time.Duration
	ipTimeout   time.Duration
	sshTimeout  time.Duration
	stopTimeout time.Duration
	killTimeout time.Duration
	// sshCommandTimeout bounds each SSH session the driver runs itself
	// (mounting the shares gets the mount script's own bound on top).
	sshCommandTimeout time.Duration
}

// Deadlines of the commands the driver runs once per check or operation,
// beside env's waits: every deadline of the package is in this file.
const (
	// hostCommandTimeout bounds a command asked about the host or the
	// hypervisor (sw_vers, codesign, the hypervisor's -v).
	hostCommandTimeout = 10 * time.Second
	// macQueryTimeout bounds the hypervisor's -M, which sets up vmnet.
	macQueryTimeout = 30 * time.Second
	// sshDialTimeout and sshBannerTimeout bound one probe of the guest's
	// SSH server while it boots.
	sshDialTimeout   = 2 * time.Second
	sshBannerTimeout = 5 * time.Second
)

func defaultEnv() env {
	return env{
		leasesPath:      leasesPath,
		vmnetPlist:      vmnetPlist,
		exportsPath:     exportsPath,
		nfsdPath:        nfsdPath,
		sudoPath:        sudoPath,
		teePath:         teePath,
		mvPath:          mvPath,
		procs:           osProcesses{},
		hostChecks:      hostChecks,
		hostChecksAfter: hostChecksAfter,
		vmnetRights:     vmnetRights,
		homeRoot:        homeRoot,
		lookPath:        exec.LookPath,
		hypervisorDirs:  []string{hypervisor.DefaultDir},
		executable:      executable,
		hostCPUs:        hostinfo.CPUs,
		hostMemMB:       hostinfo.MemoryMB,
		releaseISO:      release.ISO,
		downloadStall:   time.Minute,
		interval:        250 * time.Millisecond,
		// Longer than the longest operation: a start may wait ipTimeout
		// plus sshTimeout.
		lockTimeout:       6 * time.Minute,
		ipTimeout:         3 * time.Minute,
		sshTimeout:        2 * time.Minute,
		stopTimeout:       60 * time.Second,
		killTimeout:       15 * time.Second,
		sshCommandTimeout: 30 * time.Second,
	}
}

// Compile-time check that Driver is a libmachine driver.
var _ drivers.Driver = (*Driver)(nil)

// NewDriver returns a driver for machineName in storePath with the flag
// defaults, as docker-machine's plugin server expects; a saved
// configuration loaded into it replaces them all (UnmarshalJSON).
func NewDriver(machineName, storePath string) *Driver {
	d := &Driver{
		BaseDriver: &drivers.BaseDriver{
			MachineName: machineName,
			StorePath:   storePath,
			SSHUser:     defaultSSHUser,
		},
		ConfigVersion: configVersion,
		ReleaseISO:    true, // follows Boot2DockerURL's default, no --xhyve-boot2docker-url
		env:           defaultEnv(),
	}
	d.setDefaults()
	return d
}

// DriverName returns "xhyve".
func (d *Driver) DriverName() string { return DriverName }

// GetSSHHostname returns the VM's address.
func (d *Driver) GetSSHHostname() (string, error) { return d.GetIP() }

// GetSSHUsername returns boot2docker's user.
func (d *Driver) GetSSHUsername() string {
	if d.SSHUser == "" {
		d.SSHUser = defaultSSHUser
	}
	return d.SSHUser
}

// path returns the path of a file in the machine directory.
func (d *Driver) path(name string) string {
	return d.ResolveStorePath(name)
}

// layout is where the machine's processes keep their files (the spec,
// status, pidfile and logs), in the machine directory.
func (d *Driver) layout() supervisorctl.Layout {
	return supervisorctl.Layout{Dir: d.path("")}
}

// Subcommands are the plugin binary's own subcommands, by name: the
// supervisor's hidden ones (supervise, serve-nfs), the user-mode network's
// (usernet), remove-dhcp-lease and doctor. Each returns the exit status.
// main dispatches them from here, and so do the tests whose binary stands
// in for the plugin.
func Subcommands() map[string]func(args []string) int {
	table := supervisor.Subcommands()
	table[RemoveLeaseCommand] = RemoveLeaseMain
	table[DoctorCommand] = func(args []string) int { return DoctorMain(args, os.Stdout) }
	table[usernetctl.Command] = usernetd.Main
	return table
}

// subcommandEnv is the environment for the plugin binary's own subcommands
// (supervise, remove-dhcp-lease): without docker-machine's plugin token,
// which would make the binary serve RPC instead.
func subcommandEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, localbinary.PluginEnvKey+"=") {
			env = append(env, kv)
		}
	}
	return env
}

// executable returns the plugin binary, which also runs the supervisor.
func executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(exe)
}
