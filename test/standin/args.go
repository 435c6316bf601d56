package main

import (
	"fmt"
	"sort"
	"strings"
)

// Dialect selects which real binary the stand-in imitates.
type Dialect int

// The dialects: xhyve and hyperkit share a command line but differ in
// options, backends and exit statuses. DialectXhyve is xhyve's master
// branch (what users build, with -F and -M); DialectXhyve020 is its only
// tagged release, v0.2.0 (XHYVE_STANDIN_RELEASE=v0.2.0), which lacks -F,
// -M and the autopty backend (docs/facts.md §3).
const (
	DialectXhyve Dialect = iota
	DialectHyperkit
	DialectXhyve020
)

// isXhyve tells the xhyve dialects (master and v0.2.0) from hyperkit.
func (d Dialect) isXhyve() bool { return d != DialectHyperkit }

// Exit statuses of the real binaries.
const (
	exitOK    = 0
	exitError = 1
	exUsage   = 64 // sysexits.h EX_USAGE, used by errx() for -m and -l
)

// optstring is the getopt(3) option string of both xhyve and hyperkit. Note
// that it declares "Y:" (the real binaries make -Y consume an argument even
// though their usage text lists it as a flag) and that -p, although listed in
// the usage text, is not in it (so it is an illegal option).
const optstring = "behvuwxMACHPWY:f:F:g:c:s:m:l:U:"

// optstring020 is xhyve v0.2.0's: no -F (pidfile) and no -M (print MAC),
// which came in December 2015, after the release.
const optstring020 = "behvuwxACHPWY:f:g:c:s:m:l:U:"

func optstringFor(d Dialect) string {
	if d == DialectXhyve020 {
		return optstring020
	}
	return optstring
}

const mib = 1024 * 1024

// Slot is one -s [bus:]slot[:func],emul[,config] argument.
type Slot struct {
	Bus, Slot, Func int
	Emul            string
	Config          string
	HasConfig       bool
}

// String writes the slot back in -s syntax.
func (s Slot) String() string {
	return fmt.Sprintf("%d:%d:%d,%s", s.Bus, s.Slot, s.Func, s.Emul)
}

// Firmware is the parsed -f argument.
type Firmware struct {
	Kind    string // "kexec", "fbsd", "bootrom", "multiboot"
	Kernel  string
	Initrd  string
	Cmdline string
}

// Config is everything the command line asks for.
type Config struct {
	Dialect  Dialect
	Prog     string
	Version  bool // -v seen: print the version and exit 0
	Help     bool // -h seen: print usage and exit 0
	ACPI     bool
	UTC      bool
	PrintMAC bool
	VCPUs    int
	MemBytes uint64
	UUID     string // as given (validated at startup)
	Pidfile  string
	Slots    []Slot             // in command-line order
	LPC      map[string]*string // "COM1"/"COM2" -> backend (nil = no backend), "BOOTROM" -> file
	Firmware Firmware
	HaveFW   bool
}

// ExitError is a failure that ends the process with Code after printing Msg
// (if any) on stderr and, when Usage is set, the usage text.
type ExitError struct {
	Code  int
	Msg   string
	Usage bool
}

// Error is the message the real binary prints.
func (e *ExitError) Error() string { return e.Msg }

func usageError(msg string) *ExitError {
	return &ExitError{Code: exitError, Msg: msg, Usage: true}
}

func maxVCPUs(d Dialect) int {
	if d == DialectHyperkit {
		return 64
	}
	return 16
}

// emulations known to each dialect.
var emulations = map[Dialect]map[string]bool{
	DialectXhyve: {
		"hostbridge": true, "lpc": true, "virtio-net": true, "virtio-blk": true,
		"ahci-hd": true, "ahci-cd": true, "virtio-rnd": true,
	},
	DialectHyperkit: {
		"hostbridge": true, "lpc": true, "virtio-net": true, "virtio-blk": true,
		"ahci-hd": true, "ahci-cd": true, "virtio-rnd": true,
		"virtio-9p": true, "virtio-sock": true, "virtio-vpnkit": true,
	},
}

func init() { emulations[DialectXhyve020] = emulations[DialectXhyve] }

// Parse parses the command line (args excludes argv[0]) the way the real
// binaries do: options are handled in order, so -v/-h end parsing where they
// appear and an error in an option ends it at once.
func Parse(d Dialect, prog string, args []string) (*Config, error) {
	c := &Config{
		Dialect:  d,
		Prog:     prog,
		VCPUs:    1,
		MemBytes: 256 * mib,
		LPC:      map[string]*string{},
	}
	g := getopt{args: args, optstring: optstringFor(d), prog: prog}
	for {
		opt, arg, err := g.next()
		if err != nil {
			return nil, err
		}
		if opt == 0 {
			break
		}
		switch opt {
		case 'A':
			c.ACPI = true
		case 'b', 'C', 'e', 'H', 'P', 'w', 'W', 'x':
			// accepted, no effect on the emulation
		case 'Y':
			// takes an argument in the real getopt string; ignored
		case 'u':
			c.UTC = true
		case 'c':
			c.VCPUs = atoi(arg)
		case 'f':
			fw, err := parseFirmware(d, arg)
			if err != nil {
				return nil, err
			}
			c.Firmware = fw
			c.HaveFW = true
		case 'F':
			c.Pidfile = arg
		case 'g':
			_ = atoi(arg)
		case 'l':
			if err := c.parseLPC(arg); err != nil {
				return nil, err
			}
		case 's':
			if err := c.parseSlot(arg); err != nil {
				return nil, err
			}
		case 'm':
			n, err := parseMemsize(arg)
			if err != nil {
				return nil, &ExitError{Code: exUsage, Msg: fmt.Sprintf("%s: invalid memsize '%s'", prog, arg)}
			}
			c.MemBytes = n
		case 'M':
			c.PrintMAC = true
		case 'U':
			c.UUID = arg
		case 'v':
			c.Version = true
			return c, nil
		case 'h':
			c.Help = true
			return c, nil
		}
	}
	if !c.HaveFW {
		return nil, usageError("")
	}
	return c, nil
}

// Validate runs the checks the real binaries make right after parsing,
// before any device is set up.
func (c *Config) Validate() error {
	if c.VCPUs < 1 {
		return &ExitError{Code: exitError, Msg: fmt.Sprintf("Invalid guest vCPUs (%d)", c.VCPUs)}
	}
	if max := maxVCPUs(c.Dialect); c.VCPUs > max {
		return &ExitError{Code: exitError, Msg: fmt.Sprintf("%d vCPUs requested but only %d available", c.VCPUs, max)}
	}
	if c.MemBytes < mib || c.MemBytes > 1<<40 {
		return &ExitError{Code: exitError, Msg: "Unable to setup memory (22)"}
	}
	if c.UUID != "" {
		if _, err := parseUUID(c.UUID); err != nil {
			return &ExitError{Code: exitError, Msg: fmt.Sprintf("Invalid UUID %q", c.UUID)}
		}
	}
	return nil
}

// SortedSlots returns the slots in the order the devices are initialised
// (bus, slot, function), which decides which device error comes first and
// that -M exits before the LPC (and its "COM1 connected" line) is set up.
func (c *Config) SortedSlots() []Slot {
	s := append([]Slot(nil), c.Slots...)
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i], s[j]
		if a.Bus != b.Bus {
			return a.Bus < b.Bus
		}
		if a.Slot != b.Slot {
			return a.Slot < b.Slot
		}
		return a.Func < b.Func
	})
	return s
}

func (c *Config) parseSlot(opt string) error {
	bad := &ExitError{Code: exitError, Msg: fmt.Sprintf("Invalid PCI slot info field \"%s\"", opt)}
	comma := strings.IndexByte(opt, ',')
	if comma < 0 {
		return bad
	}
	addr, emul := opt[:comma], opt[comma+1:]
	s := Slot{}
	if i := strings.IndexByte(emul, ','); i >= 0 {
		s.Config, s.HasConfig = emul[i+1:], true
		emul = emul[:i]
	}
	s.Emul = emul
	vals, n := scanInts(addr, 3)
	switch {
	case n == 3:
		s.Bus, s.Slot, s.Func = vals[0], vals[1], vals[2]
	default:
		vals, n = scanInts(addr, 2)
		if n == 2 {
			s.Slot, s.Func = vals[0], vals[1]
		} else {
			vals, n = scanInts(addr, 1)
			if n == 1 {
				s.Slot = vals[0]
			} else {
				s.Slot = -1
			}
		}
	}
	if s.Bus < 0 || s.Bus > 255 || s.Slot < 0 || s.Slot > 31 || s.Func < 0 || s.Func > 7 {
		return bad
	}
	for _, o := range c.Slots {
		if o.Bus == s.Bus && o.Slot == s.Slot && o.Func == s.Func {
			return &ExitError{Code: exitError, Msg: fmt.Sprintf("pci slot %d:%d already occupied!", s.Slot, s.Func)}
		}
	}
	if !emulations[c.Dialect][s.Emul] {
		return &ExitError{Code: exitError, Msg: fmt.Sprintf("pci slot %d:%d: unknown device \"%s\"", s.Slot, s.Func, s.Emul)}
	}
	c.Slots = append(c.Slots, s)
	return nil
}

// parseLPC handles -l: only the device name is checked here (as the real
// lpc_device_parse does); the backend is checked when the LPC is set up.
func (c *Config) parseLPC(opt string) error {
	name, rest, hasRest := strings.Cut(opt, ",")
	var backend *string
	if hasRest {
		r := rest
		backend = &r
	}
	switch strings.ToUpper(name) {
	case "COM1", "COM2", "BOOTROM":
		c.LPC[strings.ToUpper(name)] = backend
		return nil
	}
	return &ExitError{Code: exUsage, Msg: fmt.Sprintf("%s: invalid lpc device configuration '%s'", c.Prog, opt)}
}

func firmwareUsage(d Dialect) string {
	if d == DialectHyperkit {
		return "Invalid firmware argument\n" +
			"    -f kexec,'kernel'[,'initrd'][,'\"cmdline\"']\n" +
			"    -f fbsd,'userboot','boot volume'[,'\"kernel env\"']\n" +
			"    -f bootrom,'ROM'\n" +
			"    -f multiboot,'kernel'[,module[;cmdline][:module[;cmdline]]...][,cmdline]"
	}
	return "Invalid firmware argument\n" +
		"    -f kexec,'kernel','initrd','\"cmdline\"'\n" +
		"    -f fbsd,'userboot','boot volume','\"kernel env\"'"
}

// parseFirmware handles -f. The firmware name is matched as a prefix (as the
// real strncmp does); the remainder is split at the first three commas only,
// so the command line (fourth field) may contain commas. xhyve requires all
// three commas; hyperkit makes initrd and cmdline optional.
func parseFirmware(d Dialect, opt string) (Firmware, error) {
	fail := &ExitError{Code: exitError, Msg: firmwareUsage(d)}
	var fw Firmware
	kinds := []string{"kexec", "fbsd"}
	if d == DialectHyperkit {
		kinds = append(kinds, "bootrom", "multiboot")
	}
	for _, k := range kinds {
		if strings.HasPrefix(opt, k) {
			fw.Kind = k
			break
		}
	}
	if fw.Kind == "" {
		return fw, fail
	}
	parts := strings.SplitN(opt, ",", 4)
	if d.isXhyve() && len(parts) < 4 {
		return fw, fail
	}
	for len(parts) < 4 {
		parts = append(parts, "")
	}
	fw.Kernel, fw.Initrd, fw.Cmdline = parts[1], parts[2], parts[3]
	if d == DialectHyperkit && fw.Kernel == "" {
		return fw, fail
	}
	return fw, nil
}

// parseMemsize implements the real parse_memsize: a plain number (C strtoul,
// base 0, so 0x.. is hex and 0.. octal) below 1 MiB is a count of MiB, any
// other plain number is bytes; otherwise the number must be followed by a
// unit letter b/k/m/g/t/p/e (case-insensitive; only the first character
// after the number is looked at, like expand_number(3)).
func parseMemsize(s string) (uint64, error) {
	n, rest, ok := strtoul(s)
	if s != "" && ok && rest == "" {
		if n < mib {
			n *= mib
		}
		return n, nil
	}
	if !ok {
		return 0, fmt.Errorf("invalid number")
	}
	var shift uint
	unit := byte(0)
	if rest != "" {
		unit = rest[0] | 0x20
	}
	switch unit {
	case 'e':
		shift = 60
	case 'p':
		shift = 50
	case 't':
		shift = 40
	case 'g':
		shift = 30
	case 'm':
		shift = 20
	case 'k':
		shift = 10
	case 'b', 0:
		return n, nil
	default:
		return 0, fmt.Errorf("unknown unit %q", rest)
	}
	if (n<<shift)>>shift != n {
		return 0, fmt.Errorf("overflow")
	}
	return n << shift, nil
}
