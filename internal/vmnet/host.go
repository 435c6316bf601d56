package vmnet

import (
	"errors"
	"fmt"
	"net"
	"os"
)

// ErrNoVMAddress reports that the host's address could not be told: vmnet's
// preferences name none, and without the VM's address no interface can be
// picked.
var ErrNoVMAddress = errors.New("the host's vmnet address needs the VM's address: vmnet's preferences name none")

// IfaceAddr is one IPv4 address of a host interface.
type IfaceAddr struct {
	Iface string     // e.g. bridge100
	Net   *net.IPNet // the address (IP) and the interface's network (Mask)
}

// Source says where a chosen host address comes from.
type Source string

// The sources of a host address, most trusted first.
const (
	FromPreferences    Source = "vmnet's preferences, on the interface carrying the VM's network"
	FromInterface      Source = "the interface carrying the VM's network"
	FromPreferenceOnly Source = "vmnet's preferences (no interface carries the VM's network)"
	FromGuess          Source = "a guess: .1 of the VM's /24"
)

// Choose picks the host's address on the VM's network. shared is vmnet's
// preferences (nil when they are missing, damaged or name no address);
// addrs are the host's interface addresses. In order:
//   - the preferences' address, when an interface has it and its network
//     holds vm;
//   - the address of the interface whose network holds vm (the most
//     specific one): macOS 26 was seen writing no Shared_Net_Address, or
//     one on no interface, while vmnet's bridge carried the VM;
//   - the preferences' address, when no interface tells better (also when
//     vm is nil: the bridge appears only once a VM runs);
//   - .1 of the VM's /24, vmnet's default.
//
// vm nil with no preferences is ErrNoVMAddress.
func Choose(shared *Shared, vm net.IP, addrs []IfaceAddr) (net.IP, Source, error) {
	var v4 net.IP
	if vm != nil {
		if v4 = vm.To4(); v4 == nil {
			return nil, "", fmt.Errorf("no host address: the VM's address %v is not IPv4", vm)
		}
	}
	if v4 != nil {
		var best *IfaceAddr
		for i, a := range addrs {
			ip := a.Net.IP.To4()
			if ip == nil || ip.Equal(v4) || !a.Net.Contains(v4) {
				continue
			}
			if shared != nil && ip.Equal(shared.Address) {
				return ip, FromPreferences, nil
			}
			if best == nil || ones(a.Net) > ones(best.Net) {
				best = &addrs[i]
			}
		}
		if best != nil {
			return best.Net.IP.To4(), FromInterface, nil
		}
	}
	switch {
	case shared != nil:
		return shared.Address, FromPreferenceOnly, nil
	case v4 == nil:
		return nil, "", ErrNoVMAddress
	}
	return net.IPv4(v4[0], v4[1], v4[2], 1).To4(), FromGuess, nil
}

func ones(n *net.IPNet) int {
	o, _ := n.Mask.Size()
	return o
}

// Interfaces lists the IPv4 addresses of the host's interfaces that are up.
func Interfaces() ([]IfaceAddr, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list network interfaces: %w", err)
	}
	var out []IfaceAddr
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue // an interface that went away meanwhile
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
				out = append(out, IfaceAddr{Iface: ifc.Name, Net: n})
			}
		}
	}
	return out, nil
}

// interfaces lists the host's addresses; tests replace it.
var interfaces = Interfaces

// HostAddress is the host's address on the network of the VM at vm (nil
// when the VM has none yet), from vmnet's preferences at plistPath and the
// host's interfaces (see Choose). An error that comes with an address
// (damaged preferences, the address a guess) is worth a warning; one
// without is ErrNoVMAddress or a non-IPv4 vm.
func HostAddress(plistPath string, vm net.IP) (net.IP, error) {
	var (
		shared *Shared
		perr   error
	)
	if f, err := os.Open(plistPath); err == nil {
		s, err := Parse(f)
		f.Close()
		if err == nil {
			shared = &s
		} else {
			perr = fmt.Errorf("%s: %w", plistPath, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		perr = fmt.Errorf("read vmnet preferences: %w", err)
	}
	addrs, ierr := interfaces()
	ip, src, err := Choose(shared, vm, addrs)
	if err != nil {
		if perr != nil {
			return nil, fmt.Errorf("%w (%w)", err, perr)
		}
		return nil, err
	}
	if src == FromGuess && (perr != nil || ierr != nil) {
		return ip, fmt.Errorf("%w; assuming the host is .1 of the VM's network", errors.Join(perr, ierr))
	}
	return ip, nil
}
