package xhyve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
	"howett.net/plist"

	"github.com/zchee/docker-machine-driver-xhyve/internal/hostinfo"
)

const virtualBoxInfoPlist = "/Applications/VirtualBox.app/Contents/Info.plist"

// hostChecks: what the Mac itself must offer (docs/facts.md §3). The CPU
// comes first: on Apple silicon it is the one failure that matters.
func hostChecks() []check {
	return []check{
		{name: "CPU", run: func() (string, error) {
			return checkCPU(hostinfo.CPUFromSysctl(hostinfo.Sysctls(hostinfo.CPUSysctls())), runtime.GOARCH)
		}},
		{name: "macOS", run: func() (string, error) {
			v, err := macOSVersion()
			if err != nil {
				return "", err
			}
			return checkMacOS(v)
		}},
		{name: "Hypervisor.framework", run: func() (string, error) {
			if v, err := unix.SysctlUint32("kern.hv_support"); err != nil || v != 1 {
				return "", errors.New("this Mac lacks Hypervisor.framework support (sysctl kern.hv_support is not 1): xhyve needs an Intel Mac from 2010 or later with VT-x (a macOS VM offers it only with nested virtualization)")
			}
			return "kern.hv_support = 1", nil
		}},
	}
}

// hostChecksAfter: what the hypervisor binary needs from macOS, and what
// may break a VM once it runs.
func hostChecksAfter() []check {
	return []check{
		{name: "hypervisor entitlement", onHypervisor: hypervisorEntitlement},
		{name: "VirtualBox", run: checkVirtualBox},
	}
}

// macOSVersion runs `sw_vers -productVersion`, without the compatibility
// mode that makes macOS 11 and later say 10.16.
func macOSVersion() (hostinfo.Version, error) {
	ctx, cancel := context.WithTimeout(context.Background(), hostCommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/sw_vers", "-productVersion")
	cmd.Env = append(withoutEnv(os.Environ(), "SYSTEM_VERSION_COMPAT"), "SYSTEM_VERSION_COMPAT=0")
	out, err := cmd.Output()
	if err != nil {
		return hostinfo.Version{}, fmt.Errorf("run sw_vers -productVersion: %w", err)
	}
	return hostinfo.ParseProductVersion(bytes.NewReader(out))
}

// hypervisorEntitlement runs `codesign -d --entitlements - PATH` on the
// hypervisor (on macOS 11 and later).
func hypervisorEntitlement(path string) (string, error) {
	v, err := macOSVersion()
	if err != nil {
		return "", err
	}
	if !v.AtLeast(entitlementSince) {
		return checkEntitlement(path, v, nil, nil, nil)
	}
	ctx, cancel := context.WithTimeout(context.Background(), hostCommandTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "/usr/bin/codesign", "-d", "--entitlements", "-", path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return "", fmt.Errorf("run codesign -d --entitlements - %s: no answer within %v", path, hostCommandTimeout)
	}
	return checkEntitlement(path, v, stdout.Bytes(), stderr.Bytes(), runErr)
}

// withoutEnv drops the variable name from env.
func withoutEnv(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// nfsdRefuses reports whether macOS's nfsd would refuse to export path
// because it lies on a volume mounted elsewhere, reached through a
// firmlink (/Users is /System/Volumes/Data/Users since macOS 10.15), and
// that volume's mount point.
func nfsdRefuses(path string) (string, bool) {
	var st unix.Statfs_t
	if unix.Statfs(path, &st) != nil {
		return "", false
	}
	mnt := unix.ByteSliceToString(st.Mntonname[:])
	if mnt == "/" || mnt == "" || path == mnt || strings.HasPrefix(path, mnt+"/") {
		return "", false
	}
	return mnt, true
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
