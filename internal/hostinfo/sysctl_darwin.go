//go:build darwin

package hostinfo

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// Sysctls reads the named values through the sysctl system call, in the
// form ParseSysctl returns: integers in decimal, strings as they are; a
// name the kernel does not know is absent.
func Sysctls(names []string) map[string]string {
	values := map[string]string{}
	for _, name := range names {
		if n, err := unix.SysctlUint32(name); err == nil {
			values[name] = strconv.FormatUint(uint64(n), 10)
		} else if s, err := unix.Sysctl(name); err == nil {
			values[name] = s
		}
	}
	return values
}
