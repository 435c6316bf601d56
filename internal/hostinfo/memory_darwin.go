//go:build darwin

package hostinfo

import (
	"fmt"

	"golang.org/x/sys/unix"
)

func memoryBytes() (uint64, error) {
	b, err := unix.SysctlUint64("hw.memsize")
	if err != nil {
		return 0, fmt.Errorf("read hw.memsize: %w", err)
	}
	return b, nil
}
