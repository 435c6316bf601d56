//go:build darwin

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

	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
)

const virtualBoxInfoPlist = "/Applications/VirtualBox.app/Contents/Info.plist"

// platformChecks verifies what xhyve needs from the Mac.
func platformChecks(info hypervisor.Info) error {
	if v, err := unix.SysctlUint32("kern.hv_support"); err != nil || v != 1 {
		return errors.New("this Mac lacks Hypervisor.framework support (sysctl kern.hv_support is not 1): xhyve needs a 2010 or later Intel Mac with OS X 10.10.3 or later")
	}
	if translated, err := unix.SysctlUint32("sysctl.proc_translated"); err == nil && translated == 1 {
		return errors.New("this is an Apple silicon Mac running the driver under Rosetta: xhyve and hyperkit need an Intel Mac")
	}
	if vendor, err := unix.Sysctl("machdep.cpu.vendor"); err == nil && vendor != "GenuineIntel" {
		return fmt.Errorf("CPU vendor %q: xhyve and hyperkit need an Intel CPU", vendor)
	}
	if err := checkVMNetRights(info.Path); err != nil {
		return err
	}
	return checkVirtualBox()
}

// checkVMNetRights: vmnet needs root, so the hypervisor must run as root or be
// setuid root (the plugin itself never needs to be).
func checkVMNetRights(path string) error {
	if os.Geteuid() == 0 {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("stat hypervisor: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if ok && st.Uid == 0 && fi.Mode()&os.ModeSetuid != 0 {
		return nil
	}
	return fmt.Errorf("%s cannot use vmnet: it must be owned by root with the setuid bit; run\n  sudo chown root:wheel %s && sudo chmod u+s %s", path, path, path)
}

// checkVirtualBox refuses VirtualBox older than 5, which makes macOS panic
// when a Hypervisor.framework VM runs beside it.
func checkVirtualBox() error {
	f, err := os.Open(virtualBoxInfoPlist)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read VirtualBox version: %w", err)
	}
	defer f.Close()
	var info struct {
		Version string `plist:"CFBundleShortVersionString"`
	}
	if err := plist.NewDecoder(f).Decode(&info); err != nil {
		return fmt.Errorf("read VirtualBox version from %s: %w", virtualBoxInfoPlist, err)
	}
	major, _ := strconv.Atoi(strings.SplitN(info.Version, ".", 2)[0])
	if major > 0 && major < 5 {
		return fmt.Errorf("VirtualBox %s is installed: versions before 5 crash macOS when xhyve runs; upgrade VirtualBox to 5 or later, or remove it", info.Version)
	}
	return nil
}
