package xhyve

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker/machine/libmachine/drivers"
	"github.com/docker/machine/libmachine/mcnflag"
	"github.com/google/uuid"
)

// Flag names, as users type them.
const (
	flagBoot2DockerURL = "xhyve-boot2docker-url"
	flagCPUCount       = "xhyve-cpu-count"
	flagMemorySize     = "xhyve-memory-size"
	flagDiskSize       = "xhyve-disk-size"
	flagBootCmd        = "xhyve-boot-cmd"
	flagNFSShareHome   = "xhyve-experimental-nfs-share"
	flagUUID           = "xhyve-uuid"
	flagBootKernel     = "xhyve-boot-kernel"
	flagBootInitrd     = "xhyve-boot-initrd"
	flagHypervisor     = "xhyve-hypervisor"
	flagNFSShare       = "xhyve-nfs-share"
	flagNFSShareRoot   = "xhyve-nfs-share-root"
	flagNFSServer      = "xhyve-nfs-server"
	flagTimeSync       = "xhyve-time-sync"
)

// NFS servers --xhyve-nfs-server chooses between.
const (
	// nfsBuiltin: the machine's supervisor serves its shares, as the user;
	// no root, no sudo, no /etc/exports.
	nfsBuiltin = "builtin"
	// nfsMacOS: macOS's nfsd, through /etc/exports (needs root or sudo).
	nfsMacOS = "macos"
)

// Defaults and limits.
const (
	defaultCPU           = 1
	defaultMemory        = 1024
	defaultDiskSize      = 20000
	defaultNFSSharesRoot = "/nfsshares"
	defaultSSHUser       = "docker"
	minMemory            = 512
	minDiskSize          = 2000
	// maxDiskSize is 2 TiB, the most boot2docker's MBR partition table can
	// address; it also keeps size*MiB far from overflowing.
	maxDiskSize = 2 << 20
	// defaultTimeSync is the interval between guest clock checks, in
	// seconds; a wake of the host is noticed within seconds anyway.
	defaultTimeSync = 60
	maxTimeSync     = 86400
)

// envVar is the environment variable docker-machine reads for a flag.
func envVar(flag string) string {
	return strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// GetCreateFlags lists the flags of `docker-machine create -d xhyve`.
func (d *Driver) GetCreateFlags() []mcnflag.Flag {
	return []mcnflag.Flag{
		mcnflag.StringFlag{Name: flagBoot2DockerURL, EnvVar: envVar(flagBoot2DockerURL), Value: "",
			Usage: "boot2docker ISO: an http(s) or file URL, or a path (default: the ISO of this plugin release, downloaded once into the store's cache and checked by its sha256)"},
		mcnflag.IntFlag{Name: flagCPUCount, EnvVar: envVar(flagCPUCount), Value: defaultCPU,
			Usage: "number of virtual CPUs, 1 to 16 (values below 1: all host CPUs)"},
		mcnflag.IntFlag{Name: flagMemorySize, EnvVar: envVar(flagMemorySize), Value: defaultMemory,
			Usage: "memory size in MB, 512 up to the host's RAM"},
		mcnflag.IntFlag{Name: flagDiskSize, EnvVar: envVar(flagDiskSize), Value: defaultDiskSize,
			Usage: "disk size in MB, 2000 to 2097152 (2 TiB) (a sparse file: space is used as the guest writes)"},
		mcnflag.StringFlag{Name: flagBootCmd, EnvVar: envVar(flagBootCmd), Value: "",
			Usage: "kernel command line (default: the ISO's isolinux append line)"},
		mcnflag.BoolFlag{Name: flagNFSShareHome, EnvVar: envVar(flagNFSShareHome),
			Usage: "share the home root (/Users) over NFS at the same path in the VM"},
		mcnflag.StringFlag{Name: flagUUID, EnvVar: envVar(flagUUID), Value: "",
			Usage: "VM UUID; fixes the MAC address and so the IP (default: a new random UUID)"},
		mcnflag.StringFlag{Name: flagBootKernel, EnvVar: envVar(flagBootKernel), Value: "",
			Usage: "kernel path inside the ISO (default: detected)"},
		mcnflag.StringFlag{Name: flagBootInitrd, EnvVar: envVar(flagBootInitrd), Value: "",
			Usage: "initrd path inside the ISO (default: detected)"},
		mcnflag.StringFlag{Name: flagHypervisor, EnvVar: envVar(flagHypervisor), Value: "",
			Usage: "xhyve-compatible hypervisor binary (default: xhyve, then hyperkit, on PATH or in /usr/local/bin)"},
		mcnflag.StringSliceFlag{Name: flagNFSShare, EnvVar: envVar(flagNFSShare), Value: []string{},
			Usage: "host directory to share over NFS (repeatable)"},
		mcnflag.StringFlag{Name: flagNFSShareRoot, EnvVar: envVar(flagNFSShareRoot), Value: defaultNFSSharesRoot,
			Usage: "where --xhyve-nfs-share directories appear in the VM (\"/\": at their host paths)"},
		mcnflag.IntFlag{Name: flagTimeSync, EnvVar: envVar(flagTimeSync), Value: defaultTimeSync,
			Usage: "seconds between checks that keep the guest clock within 1 s of the host's (also right after the host wakes); 0: off"},
		mcnflag.StringFlag{Name: flagNFSServer, EnvVar: envVar(flagNFSServer), Value: nfsBuiltin,
			Usage: "who serves the NFS shares: builtin (the machine's own server, no root needed) or macos (nfsd through /etc/exports, needs sudo)"},
	}
}

// SetConfigFromFlags takes the flag values and checks every one, so a bad
// value fails before anything is created.
func (d *Driver) SetConfigFromFlags(opts drivers.DriverOptions) error {
	d.Boot2DockerURL = opts.String(flagBoot2DockerURL)
	d.ReleaseISO = d.Boot2DockerURL == ""
	d.CPU = opts.Int(flagCPUCount)
	d.Memory = opts.Int(flagMemorySize)
	d.DiskSize = opts.Int(flagDiskSize)
	d.BootCmd = opts.String(flagBootCmd)
	d.NFSShareHome = opts.Bool(flagNFSShareHome)
	d.UUID = strings.ToLower(opts.String(flagUUID))
	d.BootKernel = opts.String(flagBootKernel)
	d.BootInitrd = opts.String(flagBootInitrd)
	d.Hypervisor = opts.String(flagHypervisor)
	d.NFSShares = opts.StringSlice(flagNFSShare)
	d.NFSHomeRoot = ""
	if d.NFSShareHome {
		d.NFSHomeRoot = d.env.homeRoot()
	}
	d.NFSSharesRoot = opts.String(flagNFSShareRoot)
	d.NFSServer = opts.String(flagNFSServer)
	d.TimeSync = opts.Int(flagTimeSync)
	d.SSHUser = defaultSSHUser
	d.SetSwarmConfigFromFlags(opts)

	if err := d.validateFlags(); err != nil {
		return err
	}
	// An empty UUID is chosen at Create: a removed machine's UUID whose
	// address vmnet still holds is reused first (internal/uuidpool).
	if d.Hypervisor != "" && !filepath.IsAbs(d.Hypervisor) {
		d.Hypervisor, _ = d.env.lookPath(d.Hypervisor) // validated above
	}
	if d.Boot2DockerURL != "" && !strings.Contains(d.Boot2DockerURL, "://") {
		abs, err := filepath.Abs(d.Boot2DockerURL)
		if err != nil {
			return fmt.Errorf("resolve --%s: %w", flagBoot2DockerURL, err)
		}
		// Absolute (later commands run from other directories), and a
		// URL: libmachine parses what it is given as one, so %, # and ?
		// in a file name must be escaped.
		d.Boot2DockerURL = (&url.URL{Scheme: "file", Path: abs}).String()
	}
	for i, s := range d.NFSShares {
		d.NFSShares[i] = filepath.Clean(s)
	}
	d.NFSShareTargets, _ = resolveShares(d.NFSShares) // validated above
	d.NFSUID, d.NFSGID = os.Getuid(), os.Getgid()
	return nil
}

// validateFlags reports every bad value at once, each naming its flag, the
// value and what is accepted.
func (d *Driver) validateFlags() error {
	var errs []error
	bad := func(flag string, value any, format string, args ...any) {
		errs = append(errs, fmt.Errorf("--%s %v: %s", flag, value, fmt.Sprintf(format, args...)))
	}
	hostCPUs := d.env.hostCPUs()
	// The hypervisor's own limit is checked once it is identified.
	if d.CPU >= 1 && d.CPU > hostCPUs {
		bad(flagCPUCount, d.CPU, "must be between 1 and %d (this host has %d CPUs; below 1 means all of them)", hostCPUs, hostCPUs)
	}
	if hostMem, err := d.env.hostMemMB(); err != nil {
		errs = append(errs, fmt.Errorf("read host memory to check --%s: %w", flagMemorySize, err))
	} else if d.Memory < minMemory || d.Memory > hostMem {
		bad(flagMemorySize, d.Memory, "must be between %d and %d MB (the host's RAM)", minMemory, hostMem)
	}
	if d.DiskSize < minDiskSize || d.DiskSize > maxDiskSize {
		bad(flagDiskSize, d.DiskSize, "must be between %d and %d MB (2 TiB, the most boot2docker's partition table can address)", minDiskSize, maxDiskSize)
	}
	if d.UUID != "" {
		if u, err := uuid.Parse(d.UUID); err != nil || u.String() != d.UUID {
			bad(flagUUID, d.UUID, "must be a UUID of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (uuidgen makes one)")
		}
	}
	if err := checkISOURL(d.Boot2DockerURL); err != nil {
		bad(flagBoot2DockerURL, d.Boot2DockerURL, "%v", err)
	}
	if strings.ContainsAny(d.BootCmd, "\n\r\x00") {
		bad(flagBootCmd, fmt.Sprintf("%q", d.BootCmd), "must be a single line")
	}
	for _, f := range []struct{ name, value string }{{flagBootKernel, d.BootKernel}, {flagBootInitrd, d.BootInitrd}} {
		if f.value != "" && !strings.HasPrefix(f.value, "/") {
			bad(f.name, f.value, "must be an absolute path inside the ISO, such as /boot/vmlinuz")
		}
	}
	if d.Hypervisor != "" && !filepath.IsAbs(d.Hypervisor) {
		if _, err := d.env.lookPath(d.Hypervisor); err != nil {
			bad(flagHypervisor, d.Hypervisor, "must be a path to an xhyve or hyperkit binary, or a name on PATH")
		}
	}
	if d.TimeSync < 0 || d.TimeSync > maxTimeSync {
		bad(flagTimeSync, d.TimeSync, "must be between 0 (off) and %d seconds", maxTimeSync)
	}
	if d.NFSServer != nfsBuiltin && d.NFSServer != nfsMacOS {
		bad(flagNFSServer, d.NFSServer, "must be %s (the machine's own NFS server) or %s (macOS's nfsd)", nfsBuiltin, nfsMacOS)
	}
	if !filepath.IsAbs(d.NFSSharesRoot) {
		bad(flagNFSShareRoot, d.NFSSharesRoot, "must be an absolute path in the VM")
	}
	errs = append(errs, d.checkShares()...)
	return errors.Join(errs...)
}

// checkISOURL accepts http(s) and file URLs and paths of existing files.
func checkISOURL(raw string) error {
	if raw == "" {
		return nil
	}
	if !strings.Contains(raw, "://") {
		if info, err := os.Stat(raw); err != nil || !info.Mode().IsRegular() {
			return errors.New("is neither an http(s) or file URL nor an existing file")
		}
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("is not a URL: %w", err)
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return errors.New("has no host")
		}
	case "file":
		if u.RawQuery != "" || u.Fragment != "" || u.Host != "" && u.Host != "localhost" {
			return errors.New("is a file URL with a host, ?query or #fragment; escape ? as %3F and # as %23, or give a plain path")
		}
		if info, err := os.Stat(u.Path); err != nil || !info.Mode().IsRegular() {
			return fmt.Errorf("names %s, which is not an existing file", u.Path)
		}
	default:
		return fmt.Errorf("has scheme %q; use http, https or file", u.Scheme)
	}
	return nil
}
