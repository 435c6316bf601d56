package nfsserver

import (
	"fmt"
	"os"

	billy "github.com/go-git/go-billy/v5"
)

// rootFile is an open file of a share. It reports the share-relative name
// it was opened by, which go-nfs stats again after CREATE.
type rootFile struct {
	*os.File
	name string
	sync func(*os.File) error
}

var _ billy.File = (*rootFile)(nil)

// Name returns the share-relative name the file was opened by.
func (f *rootFile) Name() string {
	return f.name
}

// Lock is not offered: go-nfs never locks and NLM is not served.
func (f *rootFile) Lock() error {
	return fmt.Errorf("lock %s: %w", f.name, billy.ErrNotSupported)
}

// Unlock is not offered, like Lock.
func (f *rootFile) Unlock() error {
	return fmt.Errorf("unlock %s: %w", f.name, billy.ErrNotSupported)
}

// Sync flushes the file's data to stable storage, for WRITEs that ask for
// it and for COMMIT (go-nfs calls it).
func (f *rootFile) Sync() error {
	if err := f.sync(f.File); err != nil {
		return fmt.Errorf("sync %s: %w", f.name, err)
	}
	return nil
}
