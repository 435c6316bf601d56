// Package nfs shares host directories with a VM over NFS: it edits
// /etc/exports in marked blocks (one per machine and share, in the format
// github.com/johanneswuerbach/nfsexports writes, which older drivers and
// other tools read), validates the result with `nfsd checkexports`, installs
// it with the least privilege that works, and writes the guest's mount
// script.
package nfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrSharePath reports a directory that cannot be written into /etc/exports
// so that mountd reads back exactly that directory.
var ErrSharePath = errors.New("unusable NFS share path")

// maxExportPath is the longest path mountd accepts (RPCMNT_NAMELEN).
const maxExportPath = 1024

// DefaultCheckTimeout bounds `nfsd checkexports`, which may wait on a name
// server for the hosts the file names while Reconcile holds the lock.
const DefaultCheckTimeout = 30 * time.Second

// Block is one marked export: `# BEGIN: ID`, Line, `# END: ID`.
type Block struct {
	ID   string
	Line string
}

// BlockID names the export of share for the machine in machineDir: the
// driver, the machine and the path, so blocks of other machines and other
// programs are never touched.
func BlockID(machineDir, share string) string {
	return MachinePrefix(machineDir) + share
}

// MachinePrefix starts the IDs of every block of one machine.
func MachinePrefix(machineDir string) string {
	return "docker-machine-driver-xhyve " + machineDir + " "
}

// CheckSharePath tells whether path can be exported: mountd must read the
// line ExportLine writes back as exactly this directory, and the block's
// marker lines must stay comments. It accepts absolute, clean UTF-8 paths
// with spaces and quotes ('), and refuses control characters (a newline
// would end the entry), double quotes and backslashes (escapes whose
// reading differs between the marker comments and the export line: a
// trailing `\` continues a comment onto the next line).
func CheckSharePath(p string) error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w %q: %s", ErrSharePath, p, fmt.Sprintf(format, a...))
	}
	if !strings.HasPrefix(p, "/") {
		return fail("not an absolute path")
	}
	if !utf8.ValidString(p) {
		return fail("its name is not valid UTF-8; rename the directory or share another one")
	}
	for _, r := range p {
		var what string
		switch {
		case r == '"':
			what = `a double quote (")`
		case r == '\\':
			what = `a backslash (\)`
		case r == '\n':
			what = "a newline"
		case r == '\t':
			what = "a tab"
		case unicode.IsControl(r):
			what = fmt.Sprintf("a control character (%U)", r)
		}
		if what != "" {
			return fail("it contains %s, which /etc/exports cannot hold safely; rename the directory or share another one", what)
		}
	}
	if clean := path.Clean(p); clean != p {
		return fail("not in its simplest form (no ., .., repeated or trailing slashes); use %s", clean)
	}
	if len(p) > maxExportPath {
		return fail("longer than the %d bytes mountd accepts; share a directory with a shorter path", maxExportPath)
	}
	return nil
}

// ExportLine exports path to one VM address, mapping every guest user to
// uid:gid (the user who created the machine) and allowing mounts of any
// subdirectory. It refuses what CheckSharePath refuses rather than write a
// line mountd could read differently.
func ExportLine(p string, uid, gid int, ip net.IP) (string, error) {
	if err := CheckSharePath(p); err != nil {
		return "", err
	}
	v4 := ip.To4()
	if v4 == nil {
		return "", fmt.Errorf("export %s: VM address %v is not IPv4", p, ip)
	}
	return fmt.Sprintf("%s -alldirs -mapall=%d:%d %s", quotePath(p), uid, gid, v4), nil
}

// quotePath writes a checked path as one exports(5) field: double-quoted
// when it has a blank or a quote, with each ' escaped as exports(5) asks
// (mountd drops the backslash, inside quotes or not).
func quotePath(p string) string {
	if !strings.ContainsAny(p, " '") {
		return p
	}
	return `"` + strings.ReplaceAll(p, "'", `\'`) + `"`
}

// RemoveBlocks drops every block whose ID starts with prefix, and every
// marker line of such an ID that has no partner (a BEGIN without its END,
// an END without its BEGIN: left by an interrupted edit, they would make
// appendBlock, and nfsexports in older drivers, believe an export exists).
// All other bytes are kept exactly. It returns the new contents and how
// many blocks and stray markers it dropped. (nfsexports.Remove trims the
// whole file, which would change bytes that belong to others.)
func RemoveBlocks(data []byte, prefix string) ([]byte, int) {
	var (
		out     bytes.Buffer
		removed int
		inside  string // ID of the block being dropped
	)
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line = data[:i+1]
		}
		data = data[len(line):]
		text := strings.TrimSuffix(string(line), "\n")
		switch {
		case inside != "":
			if text == "# END: "+inside {
				inside = ""
				removed++
			}
			continue
		case strings.HasPrefix(text, "# BEGIN: "+prefix):
			if id := strings.TrimPrefix(text, "# BEGIN: "); closed(data, id) {
				inside = id
			} else {
				removed++ // a BEGIN without END
			}
			continue
		case strings.HasPrefix(text, "# END: "+prefix):
			removed++ // an END without BEGIN
			continue
		}
		out.Write(line)
	}
	return out.Bytes(), removed
}

// closed reports whether the next marker line of id in rest is its END, so
// a BEGIN without its END never swallows the rest of the file, nor the
// lines up to a later block of the same ID.
func closed(rest []byte, id string) bool {
	for _, l := range strings.Split(string(rest), "\n") {
		switch l {
		case "# END: " + id:
			return true
		case "# BEGIN: " + id:
			return false
		}
	}
	return false
}

// Plan returns current with the blocks whose ID starts with prefix replaced
// by blocks, appended in order as nfsexports.Add appends them. The result is
// checked to hold every block once, then validated by
// `NFSD -F SCRATCH checkexports` on a scratch copy that is removed
// afterwards.
func (h Host) Plan(current []byte, prefix string, blocks []Block) ([]byte, error) {
	for _, b := range blocks {
		if err := checkBlock(b, prefix); err != nil {
			return nil, err
		}
	}
	next, _ := RemoveBlocks(current, prefix)
	if len(blocks) == 0 {
		return next, nil
	}
	for _, b := range blocks {
		next = appendBlock(next, b)
	}
	if err := verifyPlanned(next, blocks); err != nil {
		return nil, err
	}
	if err := h.checkExports(next); err != nil {
		return nil, err
	}
	return next, nil
}

// appendBlock appends b as nfsexports.Add does: after a newline when data
// lacks its last, and not at all when "# BEGIN: ID\n" appears anywhere (the
// same block twice is written once; a comment holding our marker leaves the
// block out, which verifyPlanned reports).
func appendBlock(data []byte, b Block) []byte {
	if bytes.Contains(data, []byte("# BEGIN: "+b.ID+"\n")) {
		return data
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	return append(data, blockText(b)...)
}

// blockText is b as it stands in the exports file.
func blockText(b Block) string {
	return "# BEGIN: " + b.ID + "\n" + b.Line + "\n# END: " + b.ID + "\n"
}

// checkExports runs `NFSD -F SCRATCH checkexports` on data, which exits
// non-zero with the file's errors on stderr. SCRATCH lives in a directory of
// its own under the process's temporary directory, removed afterwards.
func (h Host) checkExports(data []byte) (err error) {
	dir, err := os.MkdirTemp("", "xhyve-exports")
	if err != nil {
		return fmt.Errorf("create scratch directory: %w", err)
	}
	defer func() {
		if rerr := os.RemoveAll(dir); rerr != nil && err == nil {
			err = fmt.Errorf("remove scratch directory: %w", rerr)
		}
	}()
	scratch := filepath.Join(dir, "exports")
	if err := os.WriteFile(scratch, data, 0o600); err != nil {
		return fmt.Errorf("write scratch exports: %w", err)
	}
	timeout := h.CheckTimeout
	if timeout <= 0 {
		timeout = DefaultCheckTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.NFSD, "-F", scratch, "checkexports")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// A child of nfsd holding stderr open must not outlast the deadline.
	cmd.WaitDelay = time.Second
	runErr := cmd.Run()
	var exit *exec.ExitError
	switch {
	case runErr == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%s checkexports did not finish within %s (a host named in %s may not resolve): %w; check that `%s checkexports` finishes, then try again",
			h.NFSD, timeout, h.Exports, ctx.Err(), h.NFSD)
	case errors.As(runErr, &exit):
		return fmt.Errorf("nfsd checkexports refuses the new exports: %w: %s (line numbers count in %s as it would be: this machine's old blocks removed, its new ones at the end); fix or remove the entries it names, or share other directories, then try again",
			runErr, strings.TrimSpace(stderr.String()), h.Exports)
	default:
		return fmt.Errorf("check the new exports with %s: %w", h.NFSD, runErr)
	}
}

// checkBlock refuses a block whose markers or line would not read back as
// one comment, one entry and one comment.
func checkBlock(b Block, prefix string) error {
	if !strings.HasPrefix(b.ID, prefix) {
		return fmt.Errorf("export block %q does not start with %q", b.ID, prefix)
	}
	for _, s := range []string{b.ID, b.Line} {
		if strings.ContainsAny(s, "\n\r\x00") || strings.HasSuffix(s, `\`) {
			return fmt.Errorf("export block %q: %q must be one line not ending in a backslash", b.ID, s)
		}
	}
	return nil
}

// verifyPlanned checks that data holds each block exactly once, as whole
// lines.
func verifyPlanned(data []byte, blocks []Block) error {
	for _, b := range blocks {
		if n := countLines(data, blockText(b)); n != 1 {
			return fmt.Errorf("export %q: the planned exports file holds its block %d times, not once (a line elsewhere in the file mentions %q); not installed", b.Line, n, "# BEGIN: "+b.ID)
		}
	}
	return nil
}

// countLines counts the occurrences of text that start a line.
func countLines(data []byte, text string) int {
	n := 0
	for i := 0; i < len(data); {
		j := bytes.Index(data[i:], []byte(text))
		if j < 0 {
			break
		}
		if at := i + j; at == 0 || data[at-1] == '\n' {
			n++
		}
		i += j + 1
	}
	return n
}
