package xhyve

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// share is a host directory exported over NFS and where it appears in the VM.
type share struct {
	Host  string
	Guest string
}

// shares lists what this machine exports: the home root with
// --xhyve-experimental-nfs-share, each --xhyve-nfs-share under the share
// root.
func (d *Driver) shares() []share {
	var out []share
	if d.NFSShareHome {
		out = append(out, share{Host: d.NFSHomeRoot, Guest: d.NFSHomeRoot})
	}
	for _, s := range d.NFSShares {
		out = append(out, share{Host: s, Guest: filepath.Join(d.NFSSharesRoot, s)})
	}
	return out
}

// checkShares validates share paths: absolute, existing directories, and
// not nested in one another (NFS refuses nested exports).
func (d *Driver) checkShares() []error {
	var errs []error
	if d.NFSShareHome && d.NFSHomeRoot == "/" {
		errs = append(errs, fmt.Errorf("--%s: the home root (the parent of $HOME) is /, which is not shared; use --%s DIR", flagNFSShareHome, flagNFSShare))
	}
	for _, s := range d.NFSShares {
		switch info, err := os.Stat(s); {
		case !filepath.IsAbs(s):
			errs = append(errs, fmt.Errorf("--%s %s: must be an absolute path", flagNFSShare, s))
		case err != nil:
			errs = append(errs, fmt.Errorf("--%s %s: must be an existing directory: %w", flagNFSShare, s, err))
		case !info.IsDir():
			errs = append(errs, fmt.Errorf("--%s %s: must be a directory", flagNFSShare, s))
		}
	}
	all := d.shares()
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			a, b := filepath.Clean(all[i].Host), filepath.Clean(all[j].Host)
			if nested(a, b) || nested(b, a) {
				errs = append(errs, fmt.Errorf("--%s %s and %s: shared directories must not be nested or repeated (NFS cannot export both); share only the outer one",
					flagNFSShare, all[i].Host, all[j].Host))
			}
		}
	}
	return errs
}

// nested reports whether inner is outer or inside it.
func nested(outer, inner string) bool {
	if outer == inner || outer == "/" {
		return true
	}
	return strings.HasPrefix(inner, outer+string(filepath.Separator))
}
