// Package hypervisor knows the xhyve-compatible hypervisors: how to find and
// identify one, the command line that boots a boot2docker VM, what its exit
// status means, and how to learn the VM's MAC address before boot.
package hypervisor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Dialect is the command-line and exit-status family of a hypervisor binary.
type Dialect string

// The supported dialects.
const (
	XHyve    Dialect = "xhyve"
	HyperKit Dialect = "hyperkit"
)

// maxCPUs is each dialect's vCPU limit (docs/facts.md §3).
var maxCPUs = map[Dialect]int{XHyve: 16, HyperKit: 64}

// MaxCPUs is the most vCPUs the dialect's -c takes; 0 for an unknown one.
func MaxCPUs(d Dialect) int { return maxCPUs[d] }

// Info identifies a hypervisor binary.
type Info struct {
	Path    string
	Dialect Dialect
	Version string
}

// ErrNotFound reports that no hypervisor binary was found.
var ErrNotFound = errors.New("no xhyve or hyperkit binary found")

// DefaultDir is searched after PATH by the driver: Homebrew and `make
// install` put the binaries there even when a GUI-launched shell's PATH lacks
// it. The driver passes it to Find; tests pass their own directories.
const DefaultDir = "/usr/local/bin"

// searchNames are the binaries looked for, in order of preference; a fresh
// slice each call, so no caller can change the rule for another.
func searchNames() []string { return []string{"xhyve", "hyperkit"} }

// Find returns explicit when set (it must be an executable file), else the
// first of xhyve and hyperkit on PATH (as lookPath finds it), then in each of
// dirs in turn.
func Find(explicit string, lookPath func(string) (string, error), dirs []string) (string, error) {
	if explicit != "" {
		if err := checkExecutable(explicit); err != nil {
			return "", err
		}
		return explicit, nil
	}
	for _, name := range searchNames() {
		if p, err := lookPath(name); err == nil {
			return p, nil
		}
	}
	for _, dir := range dirs {
		for _, name := range searchNames() {
			p := filepath.Join(dir, name)
			if checkExecutable(p) == nil {
				return p, nil
			}
		}
	}
	if len(dirs) == 0 {
		return "", fmt.Errorf("%w on PATH", ErrNotFound)
	}
	return "", fmt.Errorf("%w on PATH or in %s", ErrNotFound, strings.Join(dirs, ", "))
}

func checkExecutable(p string) error {
	info, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", p)
	}
	if info.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not executable (chmod +x it)", p)
	}
	return nil
}

// Identify runs `path -v` and reads its version banner to learn the
// dialect; ctx bounds the run (the caller's deadline).
func Identify(ctx context.Context, path string) (Info, error) {
	start := time.Now()
	cmd := exec.CommandContext(ctx, path, "-v")
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return Info{}, fmt.Errorf("run %s -v: no answer within %s: %w", path, time.Since(start).Round(time.Second), ctx.Err())
	}
	info, perr := ParseVersion(out)
	if perr != nil {
		if err != nil {
			return Info{}, fmt.Errorf("run %s -v: %w (output %q)", path, err, truncate(out))
		}
		return Info{}, fmt.Errorf("identify %s: %w", path, perr)
	}
	info.Path = path
	return info, nil
}

// ParseVersion reads the banner `-v` prints ("xhyve: v0.2.0" or
// "hyperkit: v0.20200224-44-gb54460", then homepage and license lines).
func ParseVersion(out []byte) (Info, error) {
	for raw := range bytes.Lines(out) { // no line-length limit, unlike a Scanner
		line := strings.TrimSpace(string(raw))
		if line == "" {
			continue
		}
		name, version, ok := strings.Cut(line, ":")
		name, version = strings.TrimSpace(name), strings.TrimSpace(version)
		switch {
		case !ok || version == "":
		case name == "goxhyve":
			return Info{}, errors.New("goxhyve has neither -F (pidfile) nor -M (MAC query); install xhyve or hyperkit instead")
		case strings.Contains(name, "hyperkit"):
			return Info{Dialect: HyperKit, Version: version}, nil
		case name == "xhyve":
			return Info{Dialect: XHyve, Version: version}, nil
		}
		break
	}
	return Info{}, fmt.Errorf("-v printed %q, not the version banner of xhyve or hyperkit", truncate(out))
}

func truncate(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
