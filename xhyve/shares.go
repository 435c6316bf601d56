package xhyve

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/zchee/docker-machine-driver-xhyve/internal/nfs"
)

// share is a host directory exported over NFS and where it appears in the VM.
type share struct {
	Host  string
	Guest string
}

// shares lists what this machine exports: the home root with
// --xhyve-experimental-nfs-share, each --xhyve-nfs-share under the share
// root. A share reached through symlinks (macOS's /tmp is /private/tmp) is
// exported at its real path and mounted at the path the user gave, which is
// the one `docker run -v` names.
func (d *Driver) shares() []share {
	var out []share
	if d.NFSShareHome {
		out = append(out, share{Host: d.NFSHomeRoot, Guest: d.NFSHomeRoot})
	}
	for i, s := range d.NFSShares {
		if i >= len(d.NFSShareTargets) {
			break // an edited configuration, which checkSaved refuses
		}
		out = append(out, share{Host: d.NFSShareTargets[i], Guest: filepath.Join(d.NFSSharesRoot, s)})
	}
	return out
}

// resolveShares returns the real path of every share, symlinks resolved,
// and what is wrong with each that cannot be shared: not absolute, not an
// existing directory, or a path the exports file cannot hold.
func resolveShares(paths []string) ([]string, []error) {
	var (
		real = make([]string, len(paths))
		errs []error
	)
	for i, s := range paths {
		s = filepath.Clean(s)
		if !filepath.IsAbs(s) {
			errs = append(errs, fmt.Errorf("--%s %s: must be an absolute path", flagNFSShare, s))
			continue
		}
		resolved, err := filepath.EvalSymlinks(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s %s: must be an existing directory: %w", flagNFSShare, s, err))
			continue
		}
		if info, err := os.Stat(resolved); err != nil || !info.IsDir() {
			errs = append(errs, fmt.Errorf("--%s %s: must be a directory", flagNFSShare, s))
			continue
		}
		if err := nfs.CheckSharePath(resolved); err != nil {
			errs = append(errs, fmt.Errorf("--%s %s: %w", flagNFSShare, s, err))
			continue
		}
		real[i] = resolved
	}
	return real, errs
}

// checkShares validates the shares: each one usable, the home root not /,
// and none nested in another (NFS refuses nested exports). Nesting is
// checked on the real paths: two names for one directory are one export.
func (d *Driver) checkShares() []error {
	var errs []error
	if d.NFSShareHome {
		switch {
		case d.NFSHomeRoot == "/":
			errs = append(errs, fmt.Errorf("--%s: the home root (the parent of $HOME) is /, which is not shared; use --%s DIR", flagNFSShareHome, flagNFSShare))
		default:
			if err := nfs.CheckSharePath(d.NFSHomeRoot); err != nil {
				errs = append(errs, fmt.Errorf("--%s: %w", flagNFSShareHome, err))
			}
		}
	}
	real, shareErrs := resolveShares(d.NFSShares)
	errs = append(errs, shareErrs...)
	type named struct{ flag, real string }
	var all []named
	if d.NFSShareHome {
		all = append(all, named{d.NFSHomeRoot, d.NFSHomeRoot})
	}
	for i, r := range real {
		if r != "" {
			all = append(all, named{d.NFSShares[i], r})
		}
	}
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			a, b := all[i].real, all[j].real
			if nested(a, b) || nested(b, a) {
				errs = append(errs, fmt.Errorf("--%s %s and %s: shared directories must not be nested or repeated (NFS cannot export both); share only the outer one",
					flagNFSShare, all[i].flag, all[j].flag))
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
