//go:build !darwin && !linux

package nfsserver

import "os"

// fsyncFile flushes f with the platform's own sync.
func fsyncFile(f *os.File) error {
	return f.Sync()
}
