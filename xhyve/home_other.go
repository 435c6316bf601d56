//go:build !darwin

package xhyve

import (
	"os"
	"path/filepath"
)

// homeRoot is what --xhyve-experimental-nfs-share exports: outside macOS, the
// parent of $HOME stands in for /Users.
func homeRoot() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return "/home"
	}
	return filepath.Dir(home)
}
