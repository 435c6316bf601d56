package exports

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Squash modes of a rule, in ganesha's terms.
const (
	SquashRoot = "root" // root is mapped to Anon (the default, -maproot=N)
	SquashAll  = "all"  // everybody is mapped to Anon (-mapall)
	SquashNone = "none" // -maproot=0
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

// Nobody is macOS's default map credential (-2:-2).
var Nobody = Cred{UID: 0xfffffffe, GIDs: []uint32{0xfffffffe}}

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

// Report formats errors for stderr, one per line.
func Report(errs []error) string {
	var b bytes.Buffer
	for _, e := range errs {
		fmt.Fprintln(&b, e)
	}
	return b.String()
}
