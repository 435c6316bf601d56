package xhyve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso"
	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
)

// stage is when a machine's settings are checked. Every stage runs the same
// rules (each option's check, then the hypervisor's own once it is known),
// so a value is refused wherever it was set, before anything is created or
// launched.
type stage int

const (
	// atCreate: the flags of `docker-machine create`, and doctor's.
	atCreate stage = iota
	// atLoad: a configuration loaded from config.json, which a user may
	// have edited, before a command acts on it.
	atLoad
)

// validate checks every setting of d and reports each bad one, naming the
// flag at create and the config.json field after it.
func (d *Driver) validate(at stage) error {
	var errs []error
	for _, o := range options() {
		if o.check == nil || o.createOnly && at == atLoad {
			continue
		}
		if err := o.check(d); err != nil {
			errs = append(errs, at.frame(o, o.fieldOf(d).Interface(), err))
		}
	}
	if at == atCreate {
		errs = append(errs, d.checkShares()...)
	}
	return errors.Join(errs...)
}

// frame names the setting a problem is about: its flag at create, its
// config.json field (and flag) once saved.
func (at stage) frame(o option, value any, err error) error {
	if s, ok := value.(string); ok && (s == "" || strconv.Quote(s) != `"`+s+`"`) {
		value = strconv.Quote(s) // empty, or a newline or control character: shown quoted
	}
	if at == atLoad {
		return fmt.Errorf("%s %v (--%s): %w", o.field, value, o.flag, err)
	}
	return fmt.Errorf("--%s %v: %w", o.flag, value, err)
}

// identifyHypervisor finds the hypervisor binary the machine names (or the
// first on the search path), runs it to learn its dialect and version, and
// records all three in d: what the command line, the exit statuses and the
// limits depend on.
func (d *Driver) identifyHypervisor() (hypervisor.Info, error) {
	path, err := hypervisor.Find(d.Hypervisor, d.env.lookPath, d.env.hypervisorDirs)
	if err != nil {
		return hypervisor.Info{}, hypervisorFindError(d.Hypervisor, err)
	}
	if path, err = filepath.Abs(path); err != nil {
		return hypervisor.Info{}, fmt.Errorf("resolve hypervisor path: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), hostCommandTimeout)
	defer cancel()
	info, err := hypervisor.Identify(ctx, path)
	if err != nil {
		return hypervisor.Info{}, fmt.Errorf("%w; name an xhyve or hyperkit binary with --%s", err, flagHypervisor)
	}
	d.Hypervisor, d.HypervisorDialect, d.HypervisorVersion = info.Path, info.Dialect, info.Version
	return info, nil
}

// checkHypervisorLimits applies the identified hypervisor's own rules to
// the settings: its vCPU limit, and paths its command line can carry.
func (d *Driver) checkHypervisorLimits(at stage) error {
	var errs []error
	cpus := option{flag: flagCPUCount, field: "CPU"}
	if err := hypervisor.CheckCPUs(d.HypervisorDialect, d.cpus()); err != nil {
		errs = append(errs, at.frame(cpus, d.CPU, err))
	}
	return errors.Join(append(errs, d.hypervisorConfig(b2diso.Record{}).CheckPaths())...)
}

// checkSaved validates the configuration loaded from config.json, which a
// user may have edited, before acting on it: every setting's rule, what
// create recorded, and the hypervisor's command line it makes.
func (d *Driver) checkSaved() error {
	errs := []error{d.validate(atLoad)}
	if _, err := net.ParseMAC(d.MACAddress); err != nil {
		errs = append(errs, fmt.Errorf("MACAddress %q is not a MAC address", d.MACAddress))
	}
	if d.Hypervisor == "" {
		//lint:ignore ST1005 the message starts with the config.json field it names
		errs = append(errs, errors.New("Hypervisor is empty"))
	}
	if d.HypervisorDialect != hypervisor.XHyve && d.HypervisorDialect != hypervisor.HyperKit {
		errs = append(errs, fmt.Errorf("HypervisorDialect %q is neither xhyve nor hyperkit", d.HypervisorDialect))
	} else {
		errs = append(errs, d.checkHypervisorLimits(atLoad))
	}
	if d.UUID == "" || checkUUID(d) != nil { // create chose one: it may not be empty now
		errs = append(errs, fmt.Errorf("UUID %q is not a lowercase UUID", d.UUID))
	}
	if len(d.NFSShareTargets) != len(d.NFSShares) {
		errs = append(errs, fmt.Errorf("NFSShareTargets has %d paths for %d NFSShares", len(d.NFSShareTargets), len(d.NFSShares)))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("the saved configuration of machine %q (%s) is invalid: %w; correct it there or recreate the machine",
			d.MachineName, d.path("config.json"), err)
	}
	return nil
}

// The rules of single settings, each saying what is accepted.

func checkHostCPUs(d *Driver) error {
	// Below 1 means all host CPUs; the hypervisor's own limit is checked
	// once it is identified (checkHypervisorLimits).
	if n := d.env.hostCPUs(); d.CPU > n {
		return fmt.Errorf("must be between 1 and %d (this host has %d CPUs; below 1 means all of them)", n, n)
	}
	return nil
}

func checkMemory(d *Driver) error {
	hostMem, err := d.env.hostMemMB()
	if err != nil {
		return fmt.Errorf("read the host's memory to check it: %w", err)
	}
	if d.Memory < minMemory || d.Memory > hostMem {
		return fmt.Errorf("must be between %d and %d MB (the host's RAM)", minMemory, hostMem)
	}
	return nil
}

func checkDiskSize(d *Driver) error {
	if d.DiskSize < minDiskSize || d.DiskSize > maxDiskSize {
		return fmt.Errorf("must be between %d and %d MB (2 TiB, the most boot2docker's partition table can address)", minDiskSize, maxDiskSize)
	}
	return nil
}

func checkBootCmd(d *Driver) error {
	if strings.ContainsAny(d.BootCmd, "\n\r\x00") {
		return errors.New("must be a single line")
	}
	return nil
}

// checkUUID accepts an empty UUID at create (one is chosen then); a saved
// machine's is checked with what create recorded (checkSaved).
func checkUUID(d *Driver) error {
	if d.UUID == "" {
		return nil
	}
	if u, err := uuid.Parse(d.UUID); err != nil || u.String() != d.UUID {
		return errors.New("must be a UUID of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (uuidgen makes one)")
	}
	return nil
}

// checkISOPath makes the rule for a path inside the ISO.
func checkISOPath(value func(d *Driver) string) func(d *Driver) error {
	return func(d *Driver) error {
		if v := value(d); v != "" && !strings.HasPrefix(v, "/") {
			return errors.New("must be an absolute path inside the ISO, such as /boot/vmlinuz")
		}
		return nil
	}
}

func checkHypervisorName(d *Driver) error {
	if d.Hypervisor != "" && !filepath.IsAbs(d.Hypervisor) {
		if _, err := d.env.lookPath(d.Hypervisor); err != nil {
			return errors.New("must be a path to an xhyve or hyperkit binary, or a name on PATH")
		}
	}
	return nil
}

func checkTimeSync(d *Driver) error {
	if d.TimeSync < 0 || d.TimeSync > maxTimeSync {
		return fmt.Errorf("must be between 0 (off) and %d seconds", maxTimeSync)
	}
	return nil
}

func checkNFSServer(d *Driver) error {
	if d.NFSServer != nfsBuiltin && d.NFSServer != nfsMacOS {
		return fmt.Errorf("must be %s (the machine's own NFS server) or %s (macOS's nfsd)", nfsBuiltin, nfsMacOS)
	}
	return nil
}

func checkSharesRoot(d *Driver) error {
	if !filepath.IsAbs(d.NFSSharesRoot) {
		return errors.New("must be an absolute path in the VM")
	}
	return nil
}

// checkISOURL accepts http(s) and file URLs and paths of existing files.
func checkISOURL(d *Driver) error {
	raw := d.Boot2DockerURL
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
