package xhyveargv

import "strings"

// Disk is the config of a virtio-blk, ahci-hd or ahci-cd slot.
type Disk struct {
	Slot     Slot
	Path     string
	ReadOnly bool
}

// ParseDisk reads a disk slot's config, PATH[,option...]: the options after
// the path are split on commas, so the path cannot hold one (docs/facts.md
// §3). The real binaries read it at device setup, after the pidfile, so
// Parse leaves it to the caller; it opens nothing.
func ParseDisk(s Slot) (Disk, error) {
	if !s.HasConfig || s.Config == "" {
		return Disk{}, failure("%s: backing file required", s.Emul)
	}
	parts := strings.Split(s.Config, ",")
	dk := Disk{Slot: s, Path: parts[0]}
	for _, o := range parts[1:] {
		switch {
		case o == "nocache", o == "sync", o == "direct":
		case o == "ro":
			dk.ReadOnly = true
		case strings.HasPrefix(o, "sectorsize="):
		default:
			return Disk{}, failure("Invalid device option \"%s\"", o)
		}
	}
	return dk, nil
}
