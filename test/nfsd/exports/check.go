package exports

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os/user"
	"sort"
	"strconv"
	"time"
)

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

// plan is what one valid entry exports.
type plan struct {
	line      int
	dev       uint64
	exported  []string
	mountDirs map[string][]string
	rules     []Rule
}

// Check parses and validates an exports file. It returns the exports and
// every error found (all entries are checked; a read error is the only
// error then).
func (c Checker) Check(r io.Reader) ([]Export, []error) {
	entries, err := Parse(r)
	if err != nil {
		return nil, []error{err}
	}
	s := &state{byPath: map[string]*Export{}, perDev: map[uint64][]string{}}
	for _, e := range entries {
		if p, ok := c.entry(e, &s.errs); ok {
			s.place(p)
		}
	}
	out := make([]Export, 0, len(s.order))
	for _, p := range s.order {
		out = append(out, *s.byPath[p])
	}
	return out, s.errs
}

// entry checks one entry in mountd's order, appending its errors.
func (c Checker) entry(e Entry, errs *[]error) (plan, bool) {
	fail := func(format string, a ...any) {
		*errs = append(*errs, LineError{e.Line, fmt.Sprintf(format, a...)})
	}
	var (
		dirs     []string
		opts     lineOpts
		hosts    []Rule
		badHosts int
	)
	for _, f := range e.Fields {
		switch f.Kind {
		case OptionField:
			for _, o := range f.Options {
				if err := c.apply(o, &opts); err != nil {
					fail("error processing options: %s: %v", f.Text, err)
					return plan{}, false
				}
			}
		case DirField:
			if contains(dirs, f.Path) {
				fail("duplicate directory: %s", f.Path)
				continue
			}
			dirs = append(dirs, f.Path)
		case HostField:
			addrs, err := c.hostAddrs(f.Text)
			if err != nil {
				fail("couldn't get address for host: %s", f.Text)
				badHosts++
				continue
			}
			for _, a := range addrs {
				hosts = append(hosts, Rule{Match: a.String(), Name: f.Text})
			}
		}
	}
	if e.Err != nil {
		*errs = append(*errs, e.Err)
		return plan{}, false
	}
	rules, ok := clients(opts, hosts, badHosts, fail)
	if !ok {
		return plan{}, false
	}
	if len(dirs) == 0 {
		fail("no directories for export entry?")
		return plan{}, false
	}
	usable, dev, ok := c.usable(dirs, fail)
	if !ok {
		return plan{}, false
	}
	squash, anon := SquashRoot, Nobody
	switch {
	case opts.mapall != nil:
		squash, anon = SquashAll, *opts.mapall
	case opts.maproot != nil && opts.maproot.UID == 0:
		squash, anon = SquashNone, *opts.maproot
	case opts.maproot != nil:
		anon = *opts.maproot
	}
	sec := opts.sec
	if len(sec) == 0 {
		sec = []string{"sys"}
	}
	for i := range rules {
		rules[i].Line = e.Line
		rules[i].ReadOnly = opts.ro
		rules[i].AllDirs = opts.alldirs
		rules[i].Squash = squash
		rules[i].Anon = anon
		rules[i].Sec = sec
	}
	// Later directories inside earlier ones are mount points of those.
	sort.Strings(usable)
	p := plan{line: e.Line, dev: dev, mountDirs: map[string][]string{}, rules: rules}
	for _, d := range usable {
		parent := ""
		for _, x := range p.exported {
			if subdir(x, d) {
				parent = x
			}
		}
		if parent != "" {
			p.mountDirs[parent] = append(p.mountDirs[parent], d)
		} else {
			p.exported = append(p.exported, d)
		}
	}
	return p, true
}

// clients turns the options and hosts of an entry into its rules (without
// their options yet).
func clients(opts lineOpts, hosts []Rule, badHosts int, fail func(string, ...any)) ([]Rule, bool) {
	if opts.mapall != nil && opts.maproot != nil {
		fail("-mapall and -maproot mutually exclusive")
		fail("bad export options")
		return nil, false
	}
	if opts.mask != "" && opts.network == "" {
		fail("-mask requires -net")
		fail("bad export options")
		return nil, false
	}
	switch {
	case opts.network != "" && (len(hosts) > 0 || badHosts > 0):
		fail("can't specify both network and hosts on same line")
		return nil, false
	case opts.network != "":
		return []Rule{{Match: opts.netPrefix.Masked().String(), Name: opts.network}}, true
	case len(hosts) == 0 && badHosts > 0:
		fail("no valid hosts found for export")
		return nil, false
	case len(hosts) == 0:
		return []Rule{{Match: "*", Name: "(everyone)"}}, true
	}
	var rules []Rule
	seen := map[string]bool{}
	for _, h := range hosts {
		if !seen[h.Match] { // a host twice on one line counts once, like mountd
			seen[h.Match] = true
			rules = append(rules, h)
		}
	}
	return rules, true
}

// usable keeps the directories that exist without symbolic links, and
// checks that they share one exportable file system.
func (c Checker) usable(dirs []string, fail func(string, ...any)) ([]string, uint64, bool) {
	var usable []string
	for _, d := range dirs {
		if !checkDirPath(d) {
			fail("path contains non-directory or non-existent components: %s", d)
			continue
		}
		usable = append(usable, d)
	}
	if len(usable) == 0 {
		fail("no usable directories in export entry and no fallback")
		return nil, 0, false
	}
	dev, err := devOf(usable[0])
	if err != nil {
		fail("statfs failed (%v) for path: %s", err, usable[0])
		return nil, 0, false
	}
	ok := true
	for _, d := range usable[1:] {
		if dv, err := devOf(d); err != nil || dv != dev {
			fail("Volume mismatch for: %s directories must be on same volume", d)
			ok = false
		}
	}
	if !ok {
		return nil, 0, false
	}
	if c.Exportable != nil {
		if err := c.Exportable(usable[0]); err != nil {
			fail("kernel export registration failed: %v", err)
			return nil, 0, false
		}
	}
	return usable, dev, true
}

// state is what the entries read so far export.
type state struct {
	errs   []error
	byPath map[string]*Export
	order  []string
	perDev map[uint64][]string // exported directories per file system
}

// place adds an entry's exports, refusing nested exports and a client
// given twice for one directory.
func (s *state) place(p plan) {
	fail := func(format string, a ...any) {
		s.errs = append(s.errs, LineError{p.line, fmt.Sprintf(format, a...)})
	}
	for _, d := range p.exported {
		conflict := ""
		for _, x := range s.perDev[p.dev] {
			if subdir(x, d) || subdir(d, x) {
				conflict = x
				break
			}
		}
		if conflict != "" {
			fail("%s conflicts with existing export %s", d, conflict)
			continue
		}
		x := s.byPath[d]
		if x == nil {
			x = &Export{Path: d, Dev: p.dev}
			s.byPath[d] = x
			s.order = append(s.order, d)
			s.perDev[p.dev] = append(s.perDev[p.dev], d)
		}
		ok := true
		for _, r := range p.rules {
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
		x.Rules = append(x.Rules, p.rules...)
		for _, m := range p.mountDirs[d] {
			if !contains(x.MountDirs, m) {
				x.MountDirs = append(x.MountDirs, m)
			}
		}
	}
}

// subdir reports whether inner is strictly inside outer.
func subdir(outer, inner string) bool {
	if outer == "/" {
		return inner != "/"
	}
	return len(inner) > len(outer) && inner[:len(outer)] == outer && inner[len(outer)] == '/'
}
