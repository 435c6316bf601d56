//go:build !linux

package exports

import (
	"os"
	"syscall"
)

func devOf(dir string) (uint64, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return 0, err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), nil
	}
	return 0, nil
}

// exportable: only the Linux sandbox serves NFS through this program.
func exportable(string) error { return nil }
