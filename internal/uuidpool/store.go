package uuidpool

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxConfigSize bounds what ParseClaim reads of a config.json.
const maxConfigSize = 4 << 20

// Claim is what one machine's saved configuration holds of vmnet's
// addresses: its UUID and MAC (either may be empty).
type Claim struct {
	UUID string
	MAC  string
}

// ParseClaim reads a docker-machine config.json for the UUID and MAC its
// driver saved ("Driver": {"UUID": ..., "MACAddress": ...}), normalised.
func ParseClaim(r io.Reader) (Claim, error) {
	var cfg struct {
		Driver struct {
			UUID       string
			MACAddress string
		}
	}
	data, err := io.ReadAll(io.LimitReader(r, maxConfigSize))
	if err != nil {
		return Claim{}, fmt.Errorf("read machine config: %w", err)
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return Claim{}, fmt.Errorf("decode machine config: %w", err)
	}
	return Claim{UUID: strings.ToLower(cfg.Driver.UUID), MAC: normalMAC(cfg.Driver.MACAddress)}, nil
}

// claims is what the store's machines other than except hold: their UUIDs
// and MACs. A machine whose config.json cannot be read claims nothing; it
// is logged.
type claims struct {
	uuids map[string]string // UUID -> machine directory
	macs  map[string]string // MAC -> machine directory
}

func (p *Pool) readClaims(except string) (claims, error) {
	c := claims{uuids: map[string]string{}, macs: map[string]string{}}
	entries, err := os.ReadDir(p.Machines)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("list machines: %w", err)
	}
	for _, e := range entries {
		dir := filepath.Join(p.Machines, e.Name())
		if !e.IsDir() || sameDir(dir, except) {
			continue
		}
		cl, err := readClaim(filepath.Join(dir, "config.json"))
		if errors.Is(err, fs.ErrNotExist) {
			continue // a create that has not saved its config yet: it reserves
		}
		if err != nil {
			p.logf("uuid pool: ignoring machine %s: %v", e.Name(), err)
			continue
		}
		if cl.UUID != "" {
			c.uuids[cl.UUID] = dir
		}
		if cl.MAC != "" {
			c.macs[cl.MAC] = dir
		}
	}
	return c, nil
}

func readClaim(path string) (Claim, error) {
	f, err := os.Open(path)
	if err != nil {
		return Claim{}, err
	}
	defer f.Close()
	cl, err := ParseClaim(f)
	if err != nil {
		return Claim{}, fmt.Errorf("%s: %w", path, err)
	}
	return cl, nil
}

// holder is the machine directory holding e's UUID or MAC, or "".
func (c claims) holder(e Entry) string {
	if dir := c.uuids[e.UUID]; dir != "" {
		return dir
	}
	if mac := normalMAC(e.MAC); mac != "" {
		return c.macs[mac]
	}
	return ""
}

// sameDir compares machine directories by their cleaned paths.
func sameDir(a, b string) bool {
	return a != "" && b != "" && filepath.Clean(a) == filepath.Clean(b)
}

// dirExists reports whether a machine directory is still there.
func dirExists(dir string) bool {
	info, err := os.Lstat(dir)
	return err == nil && info.IsDir()
}
