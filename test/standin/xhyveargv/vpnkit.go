package xhyveargv

import "strings"

// DefaultVpnkitPath is the socket hyperkit's virtio-vpnkit device connects
// to when its config has no path= (docs/facts.md §9).
const DefaultVpnkitPath = "/var/tmp/com.docker.slirp.socket"

// Vpnkit is the config of a virtio-vpnkit slot (hyperkit only).
type Vpnkit struct {
	Slot Slot
	// Path is the socket path as given (the device truncates it to what
	// sun_path holds when it connects).
	Path string
	// UUID is the first 36 bytes of uuid=, or "" when none was given: the
	// device then makes up a random one at every start.
	UUID string
	// MACFile is macfile=, "" for none.
	MACFile string
	// IPv4 is preferred_ipv4= as given ("" for none) and PreferredIPv4 what
	// inet_aton made of it, in network byte order (a.b.c.d = {a,b,c,d}).
	IPv4          string
	PreferredIPv4 [4]byte
}

// ParseVpnkit reads a virtio-vpnkit slot's config as hyperkit's
// vpnkit_create does (src/lib/pci_virtio_net_vpnkit.c, docs/facts.md §9):
// comma-separated options, each recognised by its prefix (path=, uuid=,
// macfile=, preferred_ipv4=), the last of a kind winning. A slot without a
// config takes the defaults; an empty option (a trailing comma) is invalid.
// The real device reads it during device setup, after the pidfile, so
// Parse leaves it to the caller.
//
// Its refusals carry hyperkit's messages with Crash set: hyperkit returns 1
// where its caller tests for -1, goes on with no device state and
// dereferences a NULL pointer (SIGSEGV) right after printing them.
func ParseVpnkit(s Slot) (Vpnkit, error) {
	vk := Vpnkit{Slot: s, Path: DefaultVpnkitPath}
	if !s.HasConfig {
		return vk, nil
	}
	for _, o := range strings.Split(s.Config, ",") {
		switch {
		case strings.HasPrefix(o, "path="):
			vk.Path = o[len("path="):]
		case strings.HasPrefix(o, "uuid="):
			u := o[len("uuid="):]
			if len(u) < 36 {
				return Vpnkit{}, crash("uuids need to be 36 characters long")
			}
			vk.UUID = u[:36]
		case strings.HasPrefix(o, "macfile="):
			vk.MACFile = o[len("macfile="):]
		case strings.HasPrefix(o, "preferred_ipv4="):
			a := o[len("preferred_ipv4="):]
			ip, ok := inetAton(a)
			if !ok {
				return Vpnkit{}, crash("Unable to parse requested IP %s", a)
			}
			vk.IPv4, vk.PreferredIPv4 = a, ip
		default:
			// hyperkit ends this one line with "\r\n"
			return Vpnkit{}, crash("invalid option: %s\r", o)
		}
	}
	return vk, nil
}
