package xhyve

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
	"howett.net/plist"
)

const virtualBoxInfoPlist = "/Applications/VirtualBox.app/Contents/Info.plist"

// hostChecks: what the Mac itself must offer (docs/facts.md §3).
func hostChecks() []check {
	return []check{
		{"Hypervisor.framework", func() (string, error) {
			if v, err := unix.SysctlUint32("kern.hv_support"); err != nil || v != 1 {
				return "", errors.New("this Mac lacks Hypervisor.framework support (sysctl kern.hv_support is not 1): xhyve needs a 2010 or later Intel Mac with OS X 10.10.3 or later")
			}
			return "kern.hv_support = 1", nil
		}},
		{"CPU", func() (string, error) {
			if translated, err := unix.SysctlUint32("sysctl.proc_translated"); err == nil && translated == 1 {
				return "", errors.New("this is an Apple silicon Mac running the driver under Rosetta: xhyve and hyperkit need an Intel Mac (use a driver for Apple's Virtualization.framework there)")
			}
			vendor, err := unix.Sysctl("machdep.cpu.vendor")
			if err == nil && vendor != "GenuineIntel" {
				return "", fmt.Errorf("CPU vendor %q: xhyve and hyperkit need an Intel CPU", vendor)
			}
			return "Intel (" + vendor + "), not under Rosetta", nil
		}},
	}
}

// hostChecksAfter: what may break a VM once it runs.
func hostChecksAfter() []check {
	return []check{{"VirtualBox", checkVirtualBox}}
}

// vmnetRights: vmnet needs root, so the hypervisor must run as root or be
// setuid root (the plugin itself never needs to be).
func vmnetRights(path string) (string, error) {
	if os.Geteuid() == 0 {
		return "running as root", nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("stat hypervisor: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if ok && st.Uid == 0 && fi.Mode()&os.ModeSetuid != 0 {
		if err := unix.Access(path, unix.X_OK); err != nil {
			return "", fmt.Errorf("%s is setuid root but you may not run it (mode %v): add yourself to its group", path, fi.Mode().Perm())
		}
		return fmt.Sprintf("%s is setuid root (mode %v)", path, fi.Mode()), nil
	}
	return "", fmt.Errorf("%s cannot use vmnet: vmnet needs root. Either make it setuid root for every account of this Mac (fine on a single-user Mac; any local user can then run a hypervisor as root on any file):\n"+
		"  sudo chown root:wheel %[1]s && sudo chmod 4755 %[1]s\n"+
		"or only for the members of one group (they still get that power):\n"+
		"  sudo dseditgroup -o create xhyve && sudo dseditgroup -o edit -a $USER -t user xhyve && sudo chown root:xhyve %[1]s && sudo chmod 4750 %[1]s\n"+
		"(see the README's Requirements)", path)
}

// checkVirtualBox refuses VirtualBox older than 5, which makes macOS panic
// when a Hypervisor.framework VM runs beside it.
func checkVirtualBox() (string, error) {
	f, err := os.Open(virtualBoxInfoPlist)
	if errors.Is(err, os.ErrNotExist) {
		return "not installed", nil
	}
	if err != nil {
		return "", fmt.Errorf("read VirtualBox version: %w", err)
	}
	defer f.Close()
	var info struct {
		Version string `plist:"CFBundleShortVersionString"`
	}
	if err := plist.NewDecoder(f).Decode(&info); err != nil {
		return "", fmt.Errorf("read VirtualBox version from %s: %w", virtualBoxInfoPlist, err)
	}
	major, _ := strconv.Atoi(strings.SplitN(info.Version, ".", 2)[0])
	if major > 0 && major < 5 {
		return "", fmt.Errorf("VirtualBox %s is installed: versions before 5 crash macOS when xhyve runs; upgrade VirtualBox to 5 or later, or remove it", info.Version)
	}
	return "VirtualBox " + info.Version, nil
}
