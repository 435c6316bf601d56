//go:build !linux

package nfsserver

import "os"

// openBeneath has no one-step form here: os.Root walks every path. (macOS
// has O_NOFOLLOW_ANY from macOS 11, but a kernel that does not know the
// flag would follow symlinks, so the walk stays the only resolver there.)
func openBeneath(*os.File, string, int, os.FileMode) (*os.File, bool, error) {
	return nil, false, nil
}

// statBeneath has no one-step form here, like openBeneath.
func statBeneath(*os.File, string, bool) (os.FileInfo, bool, error) {
	return nil, false, nil
}
