package xhyveargv

import (
	"fmt"
	"sort"
	"strings"
)

// MiB is the unit of a bare -m number below 1048576.
const MiB = 1024 * 1024

// Slot is one -s [bus:]slot[:func],emul[,config] argument.
type Slot struct {
	Bus, Slot, Func int
	Emul            string
	Config          string
	HasConfig       bool
}

// String writes the slot back in -s syntax, without its config.
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
	UUID     string // as given (checked by Validate)
	Pidfile  string
	Slots    []Slot             // in command-line order
	LPC      map[string]*string // "COM1"/"COM2" -> backend (nil = none), "BOOTROM" -> file
	Firmware Firmware
	HaveFW   bool
}

// Parse reads the command line (args without argv[0]; prog is the name the
// binary runs as) the way the real binaries do: options are handled in
// order, so -v and -h end parsing where they appear and an error in an
// option ends it at once. It opens no file. Its errors are *Error.
func Parse(d Dialect, prog string, args []string) (*Config, error) {
	c := &Config{
		Dialect:  d,
		Prog:     prog,
		VCPUs:    1,
		MemBytes: 256 * MiB,
		LPC:      map[string]*string{},
	}
	g := getopt{args: args, dialect: d, prog: prog}
	for {
		opt, arg, err := g.next()
		if err != nil {
			return nil, err
		}
		if opt == 0 {
			break
		}
		if err := c.set(opt, arg); err != nil {
			return nil, err
		}
		if c.Version || c.Help {
			return c, nil
		}
	}
	if !c.HaveFW {
		return nil, usageError(d, prog, "")
	}
	return c, nil
}

// set applies one option.
func (c *Config) set(opt byte, arg string) error {
	switch opt {
	case 'A':
		c.ACPI = true
	case 'b', 'C', 'e', 'H', 'P', 'w', 'W', 'x', 'Y', 'g':
		// accepted, no effect here (-Y and -g take an argument)
	case 'u':
		c.UTC = true
	case 'c':
		c.VCPUs = atoi(arg)
	case 'f':
		fw, err := parseFirmware(c.Dialect, arg)
		if err != nil {
			return err
		}
		c.Firmware, c.HaveFW = fw, true
	case 'F':
		c.Pidfile = arg
	case 'l':
		return c.parseLPC(arg)
	case 's':
		return c.parseSlot(arg)
	case 'm':
		n, err := parseMemsize(arg)
		if err != nil {
			return &Error{Code: StatusUsage, Msg: fmt.Sprintf("%s: invalid memsize '%s'", c.Prog, arg)}
		}
		c.MemBytes = n
	case 'M':
		c.PrintMAC = true
	case 'U':
		c.UUID = arg
	case 'v':
		c.Version = true
	case 'h':
		c.Help = true
	}
	return nil
}

// Validate runs the checks the real binaries make right after parsing,
// before any device is set up (vCPUs, memory, UUID). Its errors are *Error.
func (c *Config) Validate() error {
	if c.VCPUs < 1 {
		return failure("Invalid guest vCPUs (%d)", c.VCPUs)
	}
	if max := MaxVCPUs(c.Dialect); c.VCPUs > max {
		return failure("%d vCPUs requested but only %d available", c.VCPUs, max)
	}
	if c.MemBytes < MiB || c.MemBytes > 1<<40 {
		return failure("Unable to setup memory (22)")
	}
	if c.UUID != "" {
		if _, err := ParseUUID(c.UUID); err != nil {
			return failure("Invalid UUID %q", c.UUID)
		}
	}
	return nil
}

// SortedSlots returns the slots in the order the devices are initialised
// (bus, slot, function), which decides which device error comes first and
// that -M exits before the LPC (usually at slot 31) is set up.
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

// HasSlot reports whether a slot of emulation emul is configured.
func (c *Config) HasSlot(emul string) bool {
	for _, s := range c.Slots {
		if s.Emul == emul {
			return true
		}
	}
	return false
}

func (c *Config) parseSlot(opt string) error {
	bad := failure("Invalid PCI slot info field \"%s\"", opt)
	addr, emul, ok := strings.Cut(opt, ",")
	if !ok {
		return bad
	}
	s := Slot{}
	s.Emul, s.Config, s.HasConfig = strings.Cut(emul, ",")
	// sscanf with "%d:%d:%d", then "%d:%d", then "%d", as pci_parse_slot.
	if vals, n := scanInts(addr, 3); n == 3 {
		s.Bus, s.Slot, s.Func = vals[0], vals[1], vals[2]
	} else if vals, n := scanInts(addr, 2); n == 2 {
		s.Slot, s.Func = vals[0], vals[1]
	} else if vals, n := scanInts(addr, 1); n == 1 {
		s.Slot = vals[0]
	} else {
		return bad
	}
	if s.Bus < 0 || s.Bus > 255 || s.Slot < 0 || s.Slot > 31 || s.Func < 0 || s.Func > 7 {
		return bad
	}
	for _, o := range c.Slots {
		if o.Bus == s.Bus && o.Slot == s.Slot && o.Func == s.Func {
			return failure("pci slot %d:%d already occupied!", s.Slot, s.Func)
		}
	}
	if !Emulates(c.Dialect, s.Emul) {
		return failure("pci slot %d:%d: unknown device \"%s\"", s.Slot, s.Func, s.Emul)
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
		backend = &rest
	}
	switch dev := strings.ToUpper(name); dev {
	case "COM1", "COM2", "BOOTROM":
		c.LPC[dev] = backend
		return nil
	}
	return &Error{Code: StatusUsage, Msg: fmt.Sprintf("%s: invalid lpc device configuration '%s'", c.Prog, opt)}
}

func firmwareUsage(d Dialect) string {
	if d == Hyperkit {
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
	fail := &Error{Code: StatusError, Msg: firmwareUsage(d)}
	var fw Firmware
	kinds := []string{"kexec", "fbsd"}
	if d == Hyperkit {
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
	if d.IsXhyve() && len(parts) < 4 {
		return Firmware{}, fail
	}
	for len(parts) < 4 {
		parts = append(parts, "")
	}
	fw.Kernel, fw.Initrd, fw.Cmdline = parts[1], parts[2], parts[3]
	if d == Hyperkit && fw.Kernel == "" {
		return Firmware{}, fail
	}
	return fw, nil
}

// parseMemsize is the real parse_memsize: a plain number (C strtoul, base
// 0, so 0x.. is hex and 0.. octal) below 1 MiB is a count of MiB, any other
// plain number is bytes; otherwise the number must be followed by a unit
// letter b/k/m/g/t/p/e (any case; only the first character after the
// number counts, as in expand_number(3)).
func parseMemsize(s string) (uint64, error) {
	n, rest, ok := strtoul(s)
	if s != "" && ok && rest == "" {
		if n < MiB {
			n *= MiB
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
