package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/user"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The exports(5) dialect of macOS, as its mountd reads it:
//
//	directory... [option...] [host... | -network NET [-mask MASK]]
//
//   - One entry per line; a line ending in `\` continues on the next one
//     (joined without a separator, trailing blanks dropped); blank lines are
//     skipped; an entry whose first field starts with `#` is a comment.
//   - Fields are separated by blanks; a field may be quoted with " or ' and
//     `\` escapes the next character.
//   - Directories come first (absolute, possibly quoted); a later directory
//     of the same entry inside an earlier one is only a mount point of that
//     export, not an export of its own.
//   - Options: -alldirs, -ro (-o), -mapall=CRED, -maproot=CRED (-root, -r),
//     -network=NET (-n), -mask=MASK (-m), -sec=FLAVOR[:FLAVOR...],
//     -32bitclients, -offline, -fspath=PATH, -fsuuid=UUID; a value follows `=`
//     or is the next field; several options may share one field separated
//     by commas (-ro,alldirs). CRED is USER (its uid and primary gid) or
//     UID:GID[:GID...] where each part is a number or a name.
//   - Hosts are addresses or names; none means every host (a default export).
//
// An entry is rejected, with a message naming its line, when macOS's mountd
// would reject it, and in a few cases where macOS only warns (see the README
// of this directory): unknown options, unknown groups, and a host (or the
// default export) given twice for one directory are errors here.

// Squash modes of a rule, in ganesha's terms.
const (
	squashRoot = "root" // root is mapped to Anon (the default, -maproot=N)
	squashAll  = "all"  // everybody is mapped to Anon (-mapall)
	squashNone = "none" // -maproot=0
)

// Cred is a mapped credential.
type Cred struct {
	UID  uint32
	GIDs []uint32
}

// String writes the credential as exports(5) does: UID:GID[:GID...].
func (c Cred) String() string {
	s := strconv.FormatUint(uint64(c.UID), 10)
	for _, g := range c.GIDs {
		s += ":" + strconv.FormatUint(uint64(g), 10)
	}
	return s
}

// nobody is macOS's default map credential (-2:-2).
var nobody = Cred{UID: 0xfffffffe, GIDs: []uint32{0xfffffffe}}

// Rule is what one client (an address, a network or everybody) may do with
// an exported directory.
type Rule struct {
	// Match is an IPv4 address, a network in CIDR form or "*" (default).
	Match    string
	Name     string // as written in the file
	Line     int
	ReadOnly bool
	AllDirs  bool
	Squash   string
	Anon     Cred
	Sec      []string
}

func (r Rule) sameOptions(o Rule) bool {
	return r.ReadOnly == o.ReadOnly && r.AllDirs == o.AllDirs && r.Squash == o.Squash &&
		r.Anon.String() == o.Anon.String() && strings.Join(r.Sec, ":") == strings.Join(o.Sec, ":")
}

// Export is one exported directory and who may mount it.
type Export struct {
	Path string
	Dev  uint64
	// MountDirs are subdirectories listed after Path in its entries.
	MountDirs []string
	Rules     []Rule
}

// LineError is an error about one entry of the file.
type LineError struct {
	Line int
	Msg  string
}

// Error is mountd's wording: exports:LINE: message.
func (e LineError) Error() string { return fmt.Sprintf("exports:%d: %s", e.Line, e.Msg) }

// Checker resolves what the file names; tests replace the lookups.
type Checker struct {
	// LookupHost returns the IPv4 addresses of a host name.
	LookupHost func(name string) ([]netip.Addr, error)
	// LookupUser returns the uid and primary gid of a user name or uid.
	LookupUser func(name string) (uid, gid uint32, err error)
	// LookupGroup returns the gid of a group name.
	LookupGroup func(name string) (uint32, error)
	// Exportable reports why dir cannot be exported (nil when it can).
	Exportable func(dir string) error
}

// DefaultChecker uses the system's databases, with a short timeout for
// host names (the sandbox has no DNS).
func DefaultChecker() Checker {
	return Checker{
		LookupHost: func(name string) ([]netip.Addr, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip4", name)
			if err != nil {
				return nil, err
			}
			for i := range ips {
				ips[i] = ips[i].Unmap()
			}
			return ips, nil
		},
		LookupUser: func(name string) (uint32, uint32, error) {
			var u *user.User
			var err error
			if _, nerr := strconv.Atoi(name); nerr == nil {
				u, err = user.LookupId(name)
			} else {
				u, err = user.Lookup(name)
			}
			if err != nil {
				return 0, 0, err
			}
			uid, _ := strconv.ParseUint(u.Uid, 10, 32)
			gid, _ := strconv.ParseUint(u.Gid, 10, 32)
			return uint32(uid), uint32(gid), nil
		},
		LookupGroup: func(name string) (uint32, error) {
			g, err := user.LookupGroup(name)
			if err != nil {
				return 0, err
			}
			gid, _ := strconv.ParseUint(g.Gid, 10, 32)
			return uint32(gid), nil
		},
		Exportable: exportable,
	}
}

// entry is one logical line of the file.
type entry struct {
	line int
	text string
}

// entries splits data into logical lines the way mountd reads them.
func entries(data []byte) []entry {
	var out []entry
	lines := strings.Split(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	var cur strings.Builder
	start := 0
	for i, l := range lines {
		if cur.Len() == 0 {
			start = i + 1
		}
		cont := false
		for len(l) > 0 {
			c := l[len(l)-1]
			if c == ' ' || c == '\t' || c == '\r' || c == '\\' {
				if c == '\\' {
					cont = true
				}
				l = l[:len(l)-1]
				continue
			}
			break
		}
		cur.WriteString(l)
		if cont {
			continue
		}
		if cur.Len() > 0 {
			out = append(out, entry{start, cur.String()})
			cur.Reset()
		}
	}
	if cur.Len() > 0 {
		out = append(out, entry{start, cur.String()})
	}
	return out
}

// fields splits an entry: blanks separate, quotes group, `\` escapes. The
// fields keep their quotes and escapes (paths are cleaned later).
func fields(s string) []string {
	var out []string
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			return out
		}
		j := i
		if q := s[i]; q == '"' || q == '\'' {
			j++
			for esc := false; j < len(s); j++ {
				if esc {
					esc = false
				} else if s[j] == '\\' {
					esc = true
				} else if s[j] == q {
					break
				}
			}
			if j < len(s) {
				j++
			}
		} else {
			for ; j < len(s); j++ {
				if s[j] == '\\' {
					j++
					continue
				}
				if s[j] == ' ' || s[j] == '\t' {
					break
				}
			}
			if j > len(s) {
				j = len(s)
			}
		}
		out = append(out, s[i:j])
		i = j
	}
}

// cleanPath removes quotes and escapes, repeated and trailing slashes.
func cleanPath(f string) string {
	var b strings.Builder
	var q byte
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case q == 0 && (c == '"' || c == '\''):
			q = c
		case q != 0 && c == q:
			q = 0
		case c == '\\' && i+1 < len(f):
			i++
			b.WriteByte(f[i])
		default:
			b.WriteByte(c)
		}
	}
	p := b.String()
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	if len(p) > 1 {
		p = strings.TrimRight(p, "/")
	}
	if p == "" {
		p = "/"
	}
	return p
}

func isPathField(f string) bool {
	return strings.HasPrefix(f, "/") || ((f[0] == '"' || f[0] == '\'') && len(f) > 1 && f[1] == '/')
}

// subdir reports whether inner is strictly inside outer.
func subdir(outer, inner string) bool {
	if outer == "/" {
		return inner != "/"
	}
	return strings.HasPrefix(inner, outer+"/")
}

// lineOpts are the options of one entry.
type lineOpts struct {
	ro, alldirs     bool
	mapall, maproot *Cred
	network, mask   string
	netPrefix       netip.Prefix
	sec             []string
}

var optAliases = map[string]string{
	"ro": "ro", "o": "ro",
	"maproot": "maproot", "root": "maproot", "r": "maproot",
	"mapall": "mapall",
	"mask":   "mask", "m": "mask",
	"network": "network", "n": "network",
	"sec": "sec", "alldirs": "alldirs", "32bitclients": "32bitclients",
	"offline": "offline", "fspath": "fspath", "fsuuid": "fsuuid",
}

var takesValue = map[string]bool{"maproot": true, "mapall": true, "mask": true, "network": true, "sec": true, "fspath": true, "fsuuid": true}

// Check parses and validates an exports file. It returns the exports and
// every error found (all lines are checked).
func (c Checker) Check(data []byte) ([]Export, []error) {
	var errs []error
	byPath := map[string]*Export{}
	var order []string
	// exported directories per file system, for the nesting check
	type xdir struct {
		path string
		line int
	}
	perDev := map[uint64][]xdir{}

	for _, e := range entries(data) {
		fs := fields(e.text)
		if len(fs) == 0 || strings.HasPrefix(fs[0], "#") {
			continue
		}
		fail := func(format string, a ...any) {
			errs = append(errs, LineError{e.line, fmt.Sprintf(format, a...)})
		}
		var (
			dirs      []string
			gotNonDir bool
			opts      lineOpts
			hosts     []Rule
			badHosts  int
			bad       bool
		)
		for i := 0; i < len(fs) && !bad; i++ {
			f := fs[i]
			switch {
			case strings.HasPrefix(f, "-"):
				if len(dirs) == 0 {
					fail("got options with no exported directory: %s", f)
					bad = true
					break
				}
				gotNonDir = true
				used, err := c.option(f, fs[i+1:], &opts)
				if err != nil {
					fail("error processing options: %s: %v", f, err)
					bad = true
					break
				}
				i += used
			case isPathField(f):
				p := cleanPath(f)
				if gotNonDir {
					fail("Directories must be first: %s", p)
					bad = true
					break
				}
				if len(p) > 1024 {
					fail("pathname too long (%d > 1024): %s", len(p), p)
					bad = true
					break
				}
				dup := false
				for _, d := range dirs {
					dup = dup || d == p
				}
				if dup {
					fail("duplicate directory: %s", p)
					continue
				}
				dirs = append(dirs, p)
			default:
				name := unescape(strings.Trim(f, `"'`))
				gotNonDir = true
				if len(dirs) == 0 {
					fail("got host/group with no directory?: %s", name)
					bad = true
					break
				}
				addrs, err := c.hostAddrs(name)
				if err != nil {
					fail("couldn't get address for host: %s", name)
					badHosts++
					continue
				}
				for _, a := range addrs {
					hosts = append(hosts, Rule{Match: a.String(), Name: name})
				}
			}
		}
		if bad {
			continue
		}
		if opts.mapall != nil && opts.maproot != nil {
			fail("-mapall and -maproot mutually exclusive")
			fail("bad export options")
			continue
		}
		if opts.mask != "" && opts.network == "" {
			fail("-mask requires -net")
			fail("bad export options")
			continue
		}
		var rules []Rule
		switch {
		case opts.network != "" && (len(hosts) > 0 || badHosts > 0):
			fail("can't specify both network and hosts on same line")
			continue
		case opts.network != "":
			rules = []Rule{{Match: opts.netPrefix.Masked().String(), Name: opts.network}}
		case len(hosts) == 0 && badHosts > 0:
			fail("no valid hosts found for export")
			continue
		case len(hosts) == 0:
			rules = []Rule{{Match: "*", Name: "(everyone)"}}
		default:
			seen := map[string]bool{}
			for _, h := range hosts {
				if !seen[h.Match] { // a host twice on one line counts once, like mountd
					seen[h.Match] = true
					rules = append(rules, h)
				}
			}
		}
		if len(dirs) == 0 {
			fail("no directories for export entry?")
			continue
		}
		// Directories: no symbolic links, all components directories, one
		// file system per entry, exportable.
		usable := dirs[:0:0]
		for _, d := range dirs {
			if !checkDirPath(d) {
				fail("path contains non-directory or non-existent components: %s", d)
				continue
			}
			usable = append(usable, d)
		}
		if len(usable) == 0 {
			fail("no usable directories in export entry and no fallback")
			continue
		}
		dev, err := devOf(usable[0])
		if err != nil {
			fail("statfs failed (%v) for path: %s", err, usable[0])
			continue
		}
		for _, d := range usable[1:] {
			if dv, err := devOf(d); err != nil || dv != dev {
				fail("Volume mismatch for: %s directories must be on same volume", d)
				bad = true
			}
		}
		if bad {
			continue
		}
		if c.Exportable != nil {
			if err := c.Exportable(usable[0]); err != nil {
				fail("kernel export registration failed: %v", err)
				continue
			}
		}
		// Options of this entry's rules.
		squash, anon := squashRoot, nobody
		switch {
		case opts.mapall != nil:
			squash, anon = squashAll, *opts.mapall
		case opts.maproot != nil && opts.maproot.UID == 0:
			squash, anon = squashNone, *opts.maproot
		case opts.maproot != nil:
			anon = *opts.maproot
		}
		sec := opts.sec
		if len(sec) == 0 {
			sec = []string{"sys"}
		}
		for i := range rules {
			rules[i].Line = e.line
			rules[i].ReadOnly = opts.ro
			rules[i].AllDirs = opts.alldirs
			rules[i].Squash = squash
			rules[i].Anon = anon
			rules[i].Sec = sec
		}
		// Split the directories into exports and their mount points.
		sort.Strings(usable)
		var exported []string
		mountDirs := map[string][]string{}
		for _, d := range usable {
			parent := ""
			for _, x := range exported {
				if subdir(x, d) {
					parent = x
				}
			}
			if parent != "" {
				mountDirs[parent] = append(mountDirs[parent], d)
			} else {
				exported = append(exported, d)
			}
		}
		for _, d := range exported {
			conflict := ""
			for _, x := range perDev[dev] {
				if subdir(x.path, d) || subdir(d, x.path) {
					conflict = x.path
					break
				}
			}
			if conflict != "" {
				fail("%s conflicts with existing export %s", d, conflict)
				continue
			}
			x := byPath[d]
			if x == nil {
				x = &Export{Path: d, Dev: dev}
				byPath[d] = x
				order = append(order, d)
				perDev[dev] = append(perDev[dev], xdir{d, e.line})
			}
			ok := true
			for _, r := range rules {
				for _, old := range x.Rules {
					if old.Match != r.Match {
						continue
					}
					ok = false
					switch {
					case r.Match == "*" && old.sameOptions(r):
						fail("duplicate default export for %s (line %d)", d, old.Line)
					case r.Match == "*":
						fail("multiple/conflicting default exports for %s (line %d)", d, old.Line)
					case old.sameOptions(r):
						fail("duplicate export for %s, %s (line %d): a host may be given only once per directory", d, r.Name, old.Line)
					default:
						fail("conflicting exports for %s, %s (line %d)", d, r.Name, old.Line)
					}
				}
			}
			if !ok {
				fail("export option conflict for %s", d)
				continue
			}
			x.Rules = append(x.Rules, rules...)
			for _, m := range mountDirs[d] {
				if !contains(x.MountDirs, m) {
					x.MountDirs = append(x.MountDirs, m)
				}
			}
		}
	}
	out := make([]Export, 0, len(order))
	for _, p := range order {
		out = append(out, *byPath[p])
	}
	return out, errs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func unescape(f string) string {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] == '\\' && i+1 < len(f) {
			i++
		}
		b.WriteByte(f[i])
	}
	return b.String()
}

// option handles one option field (possibly several comma-separated
// options); rest are the fields after it, from which a value may be taken.
// It returns how many of rest it used.
func (c Checker) option(field string, rest []string, o *lineOpts) (int, error) {
	parts := strings.Split(strings.TrimPrefix(field, "-"), ",")
	used := 0
	for i, part := range parts {
		name, value, hasValue := strings.Cut(part, "=")
		canon, known := optAliases[name]
		if !known {
			return 0, fmt.Errorf("unrecognized export option: %s", name)
		}
		if takesValue[canon] && !hasValue {
			if i == len(parts)-1 && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
				value, hasValue = rest[0], true
				used = 1
			} else {
				return 0, fmt.Errorf("export option '%s' missing a value", name)
			}
		}
		if !takesValue[canon] && hasValue {
			return 0, fmt.Errorf("export option '%s' takes no value", name)
		}
		switch canon {
		case "ro":
			o.ro = true
		case "alldirs":
			o.alldirs = true
		case "32bitclients", "offline":
			// no meaning for this server
		case "mapall", "maproot":
			cr, err := c.parseCred(unescape(value))
			if err != nil {
				return 0, fmt.Errorf("map credential error: %w", err)
			}
			if canon == "mapall" {
				o.mapall = &cr
			} else {
				o.maproot = &cr
			}
		case "network":
			if o.network != "" {
				return 0, fmt.Errorf("Network option conflict")
			}
			p, err := parseNet(value)
			if err != nil {
				return 0, fmt.Errorf("Bad net: %s", value)
			}
			o.network = value
			if o.mask != "" {
				p = netip.PrefixFrom(p.Addr(), o.netPrefix.Bits())
			}
			o.netPrefix = p
		case "mask":
			if o.mask != "" {
				return 0, fmt.Errorf("Network option conflict")
			}
			bits, err := parseMask(value)
			if err != nil {
				return 0, fmt.Errorf("Bad mask: %s", value)
			}
			o.mask = value
			if o.network != "" {
				o.netPrefix = netip.PrefixFrom(o.netPrefix.Addr(), bits)
			} else {
				o.netPrefix = netip.PrefixFrom(netip.IPv4Unspecified(), bits)
			}
		case "sec":
			var flavors []string
			for _, fl := range strings.Split(value, ":") {
				switch fl {
				case "":
				case "sys", "krb5", "krb5i", "krb5p":
					if !contains(flavors, fl) {
						flavors = append(flavors, fl)
					}
				default:
					return 0, fmt.Errorf("Unknown security mechanism '%s'", fl)
				}
			}
			if len(flavors) == 0 {
				return 0, fmt.Errorf("Bad security option: %s", value)
			}
			o.sec = flavors
		case "fspath":
			if !strings.HasPrefix(value, "/") {
				return 0, fmt.Errorf("invalid fspath: %s", value)
			}
		case "fsuuid":
			hex := strings.ReplaceAll(value, "-", "")
			if len(hex) != 32 || strings.Trim(strings.ToLower(hex), "0123456789abcdef") != "" {
				return 0, fmt.Errorf("invalid fsuuid: %s", value)
			}
		}
	}
	return used, nil
}

// parseCred reads USER or UID:GID[:GID...] (each a number or a name).
func (c Checker) parseCred(s string) (Cred, error) {
	if s == "" {
		return Cred{}, fmt.Errorf("empty credential")
	}
	parts := strings.Split(s, ":")
	name := parts[0]
	if len(parts) == 1 {
		uid, gid, err := c.LookupUser(name)
		if err != nil {
			return Cred{}, fmt.Errorf("Unknown user: %s", name)
		}
		return Cred{UID: uid, GIDs: []uint32{gid}}, nil
	}
	var cr Cred
	if n, ok := parseID(name); ok {
		cr.UID = n
	} else if uid, _, err := c.LookupUser(name); err == nil {
		cr.UID = uid
	} else {
		return Cred{}, fmt.Errorf("Unknown user: %s", name)
	}
	for _, g := range parts[1:] {
		if g == "" {
			continue
		}
		if n, ok := parseID(g); ok {
			cr.GIDs = append(cr.GIDs, n)
		} else if gid, err := c.LookupGroup(g); err == nil {
			cr.GIDs = append(cr.GIDs, gid)
		} else {
			return Cred{}, fmt.Errorf("Unknown group: %s", g)
		}
	}
	if len(cr.GIDs) == 0 {
		return Cred{}, fmt.Errorf("no groups found: %s", s)
	}
	return cr, nil
}

// parseID reads a numeric id; negative ones wrap like on macOS (-2 = nobody).
func parseID(s string) (uint32, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < -2147483648 || n > 4294967295 {
		return 0, false
	}
	return uint32(n), true
}

func (c Checker) hostAddrs(name string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(name); err == nil {
		if !a.Is4() {
			return nil, fmt.Errorf("not an IPv4 address")
		}
		return []netip.Addr{a}, nil
	}
	if c.LookupHost == nil {
		return nil, fmt.Errorf("no resolver")
	}
	addrs, err := c.LookupHost(name)
	if err == nil && len(addrs) == 0 {
		err = fmt.Errorf("no address")
	}
	return addrs, err
}

// parseNet reads a network: dotted with 1-4 parts (classful default mask,
// as in inet_network) or CIDR.
func parseNet(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil && p.Addr().Is4() {
		return p, nil
	}
	parts := strings.Split(s, ".")
	if len(parts) < 1 || len(parts) > 4 {
		return netip.Prefix{}, fmt.Errorf("bad network")
	}
	var b [4]byte
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 8)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("bad network")
		}
		b[i] = byte(n)
	}
	bits := 24
	switch {
	case b[0] < 128:
		bits = 8
	case b[0] < 192:
		bits = 16
	}
	return netip.PrefixFrom(netip.AddrFrom4(b), bits), nil
}

// parseMask reads a dotted contiguous netmask.
func parseMask(s string) (int, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return 0, fmt.Errorf("bad mask")
	}
	b := a.As4()
	m := net.IPv4Mask(b[0], b[1], b[2], b[3])
	ones, size := m.Size()
	if size == 0 {
		return 0, fmt.Errorf("non-contiguous mask")
	}
	return ones, nil
}

// checkDirPath: every component exists and is a directory, none is a
// symbolic link (mountd's check_dirpath).
func checkDirPath(dir string) bool {
	if !path.IsAbs(dir) {
		return false
	}
	p := ""
	for _, c := range strings.Split(strings.TrimPrefix(dir, "/"), "/") {
		p += "/" + c
		fi, err := os.Lstat(p)
		if err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// Report formats errors for stderr, one per line.
func Report(errs []error) string {
	var b bytes.Buffer
	for _, e := range errs {
		fmt.Fprintln(&b, e)
	}
	return b.String()
}
