package xhyve

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/docker/machine/libmachine/drivers"
	"github.com/docker/machine/libmachine/mcnflag"

	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
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

// option is one setting of a machine: a flag of `docker-machine create`,
// the Driver field it sets (saved in config.json under that name), its
// default and the rule for its value. The flags, NewDriver's defaults,
// SetConfigFromFlags and every stage's validation (validate.go) are derived
// from options(), so a new setting is one entry and its Driver field.
type option struct {
	flag  string // as users type it, without "--"; envVar derives the variable
	field string // the Driver field
	usage string
	value any // the default, which also fixes the kind: string, int, bool or []string
	// check says what is wrong with the field's value, or nil; the caller
	// names the flag or the field.
	check func(d *Driver) error
	// createOnly marks a check of what holds only at create (a file to
	// copy, a name to look up on PATH): a saved machine is past it.
	createOnly bool
}

// options lists the machine's settings in the order `docker-machine create
// --help` shows them.
func options() []option {
	return []option{
		{flag: flagBoot2DockerURL, field: "Boot2DockerURL", value: "", check: checkISOURL, createOnly: true,
			usage: "boot2docker ISO: an http(s) or file URL, or a path (default: the ISO of this plugin release, downloaded once into the store's cache and checked by its sha256)"},
		{flag: flagCPUCount, field: "CPU", value: defaultCPU, check: checkHostCPUs,
			usage: fmt.Sprintf("number of virtual CPUs, 1 up to the host's CPUs and the hypervisor's limit (xhyve %d, hyperkit %d); below 1: all host CPUs",
				hypervisor.MaxCPUs(hypervisor.XHyve), hypervisor.MaxCPUs(hypervisor.HyperKit))},
		{flag: flagMemorySize, field: "Memory", value: defaultMemory, check: checkMemory,
			usage: fmt.Sprintf("memory size in MB, %d up to the host's RAM", minMemory)},
		{flag: flagDiskSize, field: "DiskSize", value: defaultDiskSize, check: checkDiskSize,
			usage: fmt.Sprintf("disk size in MB, %d to %d (2 TiB) (a sparse file: space is used as the guest writes)", minDiskSize, maxDiskSize)},
		{flag: flagBootCmd, field: "BootCmd", value: "", check: checkBootCmd,
			usage: "kernel command line (default: the ISO's isolinux append line)"},
		{flag: flagNFSShareHome, field: "NFSShareHome", value: false,
			usage: "share the home root (/Users) over NFS at the same path in the VM"},
		{flag: flagUUID, field: "UUID", value: "", check: checkUUID,
			usage: "VM UUID; fixes the MAC address and so the IP (default: a new random UUID)"},
		{flag: flagBootKernel, field: "BootKernel", value: "", check: checkISOPath(func(d *Driver) string { return d.BootKernel }),
			usage: "kernel path inside the ISO (default: detected)"},
		{flag: flagBootInitrd, field: "BootInitrd", value: "", check: checkISOPath(func(d *Driver) string { return d.BootInitrd }),
			usage: "initrd path inside the ISO (default: detected)"},
		{flag: flagHypervisor, field: "Hypervisor", value: "", check: checkHypervisorName, createOnly: true,
			usage: "xhyve-compatible hypervisor binary (default: xhyve, then hyperkit, on PATH or in " + hypervisor.DefaultDir + ")"},
		{flag: flagNFSShare, field: "NFSShares", value: []string{},
			usage: "host directory to share over NFS (repeatable)"},
		{flag: flagNFSShareRoot, field: "NFSSharesRoot", value: defaultNFSSharesRoot, check: checkSharesRoot,
			usage: "where --xhyve-nfs-share directories appear in the VM (\"/\": at their host paths)"},
		{flag: flagTimeSync, field: "TimeSync", value: defaultTimeSync, check: checkTimeSync,
			usage: "seconds between checks that keep the guest clock within 1 s of the host's (also right after the host wakes); 0: off"},
		{flag: flagNFSServer, field: "NFSServer", value: nfsBuiltin, check: checkNFSServer,
			usage: "who serves the NFS shares: builtin (the machine's own server, no root needed) or macos (nfsd through /etc/exports, needs sudo)"},
	}
}

// envVar is the environment variable docker-machine reads for a flag.
func envVar(flag string) string {
	return strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// GetCreateFlags lists the flags of `docker-machine create -d xhyve`.
func (d *Driver) GetCreateFlags() []mcnflag.Flag {
	var flags []mcnflag.Flag
	for _, o := range options() {
		env := envVar(o.flag)
		switch v := o.value.(type) {
		case string:
			flags = append(flags, mcnflag.StringFlag{Name: o.flag, EnvVar: env, Value: v, Usage: o.usage})
		case int:
			flags = append(flags, mcnflag.IntFlag{Name: o.flag, EnvVar: env, Value: v, Usage: o.usage})
		case bool:
			flags = append(flags, mcnflag.BoolFlag{Name: o.flag, EnvVar: env, Usage: o.usage})
		case []string:
			flags = append(flags, mcnflag.StringSliceFlag{Name: o.flag, EnvVar: env, Value: slices.Clone(v), Usage: o.usage})
		}
	}
	return flags
}

// fieldOf is the Driver field that o sets, addressable.
func (o option) fieldOf(d *Driver) reflect.Value {
	return reflect.ValueOf(d).Elem().FieldByName(o.field)
}

// setDefaults gives every setting of d its default.
func (d *Driver) setDefaults() {
	for _, o := range options() {
		v := reflect.ValueOf(o.value)
		if s, ok := o.value.([]string); ok {
			v = reflect.ValueOf(slices.Clone(s))
		}
		o.fieldOf(d).Set(v)
	}
}

// SetConfigFromFlags takes the flag values and checks every one, so a bad
// value fails before anything is created.
func (d *Driver) SetConfigFromFlags(opts drivers.DriverOptions) error {
	for _, o := range options() {
		f := o.fieldOf(d)
		switch o.value.(type) {
		case string:
			f.SetString(opts.String(o.flag))
		case int:
			f.SetInt(int64(opts.Int(o.flag)))
		case bool:
			f.SetBool(opts.Bool(o.flag))
		case []string:
			f.Set(reflect.ValueOf(slices.Clone(opts.StringSlice(o.flag))))
		}
	}
	d.ReleaseISO = d.Boot2DockerURL == ""
	d.UUID = strings.ToLower(d.UUID)
	d.NFSHomeRoot = ""
	if d.NFSShareHome {
		d.NFSHomeRoot = d.env.homeRoot()
	}
	d.SSHUser = defaultSSHUser
	d.SetSwarmConfigFromFlags(opts)

	if err := d.validate(atCreate); err != nil {
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
