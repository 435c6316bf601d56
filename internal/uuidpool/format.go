// Package uuidpool keeps, per docker-machine store, the UUIDs of removed
// machines whose vmnet address could not be released. vmnet derives a VM's
// MAC, and so its DHCP lease, from the UUID, and a user cannot edit
// macOS's root-owned lease file: a new machine given such a UUID takes over
// the address its predecessor leaked instead of leasing one more of
// vmnet's ~253.
package uuidpool

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/zchee/docker-machine-driver-xhyve/internal/dhcp"
)

// version is the pool file's format version.
const version = 1

// maxFileSize bounds what Parse reads: a full pool is ~150 bytes an entry.
const maxFileSize = 1 << 20

// ErrCorrupt reports a pool file that cannot be read as one.
var ErrCorrupt = errors.New("not a UUID pool file")

// Entry is one pooled UUID.
type Entry struct {
	// UUID is the removed machine's UUID, lowercase.
	UUID string `json:"uuid"`
	// MAC is the vmnet MAC of UUID, when the removed machine knew it.
	MAC string `json:"mac,omitempty"`
	// Machine names the removed machine, for people reading the file.
	Machine string `json:"machine,omitempty"`
	// Released is when the machine was removed.
	Released time.Time `json:"released"`
	// ReservedBy is the machine directory of the create that took the
	// UUID, until that machine is removed: its config.json may not name
	// the UUID yet, or ever, if the create fails.
	ReservedBy string `json:"reserved_by,omitempty"`
}

// document is the file: {"version": 1, "entries": [...]}.
type document struct {
	Version int     `json:"version"`
	Entries []Entry `json:"entries"`
}

// Parse reads a pool file. Anything but a version 1 document of valid
// entries, each UUID once, is ErrCorrupt.
func Parse(r io.Reader) ([]Entry, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read uuid pool: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrCorrupt, maxFileSize)
	}
	var doc document
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if doc.Version != version {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrCorrupt, doc.Version, version)
	}
	seen := make(map[string]bool, len(doc.Entries))
	for i, e := range doc.Entries {
		if err := e.check(); err != nil {
			return nil, fmt.Errorf("%w: entry %d: %w", ErrCorrupt, i+1, err)
		}
		if seen[e.UUID] {
			return nil, fmt.Errorf("%w: entry %d repeats UUID %s", ErrCorrupt, i+1, e.UUID)
		}
		seen[e.UUID] = true
	}
	if doc.Entries == nil {
		doc.Entries = []Entry{}
	}
	return doc.Entries, nil
}

// Encode writes entries as a pool file.
func Encode(w io.Writer, entries []Entry) error {
	if entries == nil {
		entries = []Entry{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(document{Version: version, Entries: entries}); err != nil {
		return fmt.Errorf("encode uuid pool: %w", err)
	}
	return nil
}

// check validates an entry: a canonical lowercase UUID and, if any, a MAC.
func (e Entry) check() error {
	if !canonicalUUID(e.UUID) {
		return fmt.Errorf("uuid %q is not a lowercase UUID", e.UUID)
	}
	if e.MAC != "" {
		if _, err := dhcp.ParseMAC(e.MAC); err != nil {
			return err
		}
	}
	return nil
}

// canonicalUUID reports whether s is a UUID in its lowercase 36-character
// form, the one the hypervisor's -U takes and config.json saves.
func canonicalUUID(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && u.String() == s
}

// normalMAC is mac in one spelling (zero-padded, lowercase), or "" when it
// is empty or not a MAC.
func normalMAC(mac string) string {
	if mac == "" {
		return ""
	}
	m, err := dhcp.ParseMAC(mac)
	if err != nil {
		return ""
	}
	return m.String()
}
