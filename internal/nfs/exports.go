// Package nfs shares host directories with a VM over NFS: it edits
// /etc/exports in marked blocks (one per machine and share, in the format of
// github.com/johanneswuerbach/nfsexports), validates the result with
// `nfsd checkexports`, installs it with the least privilege that works, and
// writes the guest's mount script.
package nfs

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/johanneswuerbach/nfsexports"
)

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

// ExportLine exports path to one VM address, mapping every guest user to
// uid:gid (the user who created the machine) and allowing mounts of any
// subdirectory.
func ExportLine(path string, uid, gid int, ip net.IP) string {
	if strings.ContainsAny(path, " \t") {
		path = `"` + path + `"`
	}
	return fmt.Sprintf("%s -alldirs -mapall=%d:%d %s", path, uid, gid, ip)
}

// RemoveBlocks drops every block whose ID starts with prefix, keeping all
// other bytes exactly. It returns the new contents and how many blocks it
// dropped. (nfsexports.Remove trims the whole file, which would change
// bytes that belong to others.)
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
		text := strings.TrimRight(string(line), "\n")
		switch {
		case inside != "":
			if text == "# END: "+inside {
				inside = ""
				removed++
			}
			continue
		case strings.HasPrefix(text, "# BEGIN: "+prefix) && hasEnd(data, strings.TrimPrefix(text, "# BEGIN: ")):
			inside = strings.TrimPrefix(text, "# BEGIN: ")
			continue
		}
		out.Write(line)
	}
	return out.Bytes(), removed
}

// hasEnd reports whether rest holds the END marker of id as a whole line, so
// a BEGIN without its END never swallows the rest of the file.
func hasEnd(rest []byte, id string) bool {
	for _, l := range strings.Split(string(rest), "\n") {
		if l == "# END: "+id {
			return true
		}
	}
	return false
}

// Plan returns current with the blocks whose ID starts with prefix replaced
// by blocks. Each block is appended by nfsexports.Add on a scratch copy,
// which also validates the result with `nfsd -F FILE checkexports`.
func Plan(current []byte, prefix string, blocks []Block) ([]byte, error) {
	next, _ := RemoveBlocks(current, prefix)
	if len(blocks) == 0 {
		return next, nil
	}
	dir, err := os.MkdirTemp("", "xhyve-exports")
	if err != nil {
		return nil, fmt.Errorf("create scratch directory: %w", err)
	}
	defer os.RemoveAll(dir)
	scratch := filepath.Join(dir, "exports")
	if err := os.WriteFile(scratch, next, 0o600); err != nil {
		return nil, fmt.Errorf("write scratch exports: %w", err)
	}
	// nfsexports never deletes the file it hands to checkexports, which it
	// creates in os.TempDir(): make that our scratch directory while we add.
	restore := setTempDir(dir)
	defer restore()
	for _, b := range blocks {
		if next, err = nfsexports.Add(scratch, b.ID, b.Line); err != nil {
			return nil, fmt.Errorf("add export %q: %w", b.Line, err)
		}
	}
	return next, nil
}

// setTempDir points os.TempDir at dir and returns what undoes it.
func setTempDir(dir string) func() {
	old, had := os.LookupEnv("TMPDIR")
	os.Setenv("TMPDIR", dir)
	return func() {
		if had {
			os.Setenv("TMPDIR", old)
		} else {
			os.Unsetenv("TMPDIR")
		}
	}
}
