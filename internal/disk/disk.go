// Package disk creates the VM's raw disk image: sparse, with boot2docker's
// "format me" userdata tar at its start.
package disk

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"os"
)

// Magic is the tar member name that tells boot2docker to format the disk.
const Magic = "boot2docker, please format-me"

// UserdataLimit is how much of the disk boot2docker saves as userdata.tar
// before formatting; anything past it is lost.
const UserdataLimit = 4096

// Userdata builds the tar boot2docker unpacks into /home/docker: the magic
// member and .ssh/authorized_keys. It fails rather than exceed UserdataLimit.
func Userdata(authorizedKey []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	members := []struct {
		hdr  tar.Header
		data []byte
	}{
		{tar.Header{Name: Magic, Mode: 0o644}, []byte(Magic)},
		{tar.Header{Name: ".ssh/", Typeflag: tar.TypeDir, Mode: 0o700}, nil},
		{tar.Header{Name: ".ssh/authorized_keys", Mode: 0o600}, authorizedKey},
	}
	for _, m := range members {
		hdr := m.hdr
		hdr.Size = int64(len(m.data))
		if err := tw.WriteHeader(&hdr); err != nil {
			return nil, fmt.Errorf("write tar header %s: %w", hdr.Name, err)
		}
		if _, err := tw.Write(m.data); err != nil {
			return nil, fmt.Errorf("write tar member %s: %w", hdr.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("close tar: %w", err)
	}
	if buf.Len() > UserdataLimit {
		return nil, fmt.Errorf("userdata tar is %d bytes, over boot2docker's %d-byte limit (is the public key %d bytes?)",
			buf.Len(), UserdataLimit, len(authorizedKey))
	}
	return buf.Bytes(), nil
}

// Create makes a sparse raw disk of sizeMB megabytes at path, starting with
// the userdata tar. It never overwrites an existing file and removes its own
// partial file on failure.
func Create(path string, sizeMB int, authorizedKey []byte) (err error) {
	if sizeMB <= 0 {
		return fmt.Errorf("disk size %d MB is not positive", sizeMB)
	}
	userdata, err := Userdata(authorizedKey)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create disk image: %s already exists: %w", path, err)
	}
	if err != nil {
		return fmt.Errorf("create disk image: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close disk image: %w", cerr)
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	if _, err := f.Write(userdata); err != nil {
		return fmt.Errorf("write userdata to disk image: %w", err)
	}
	// Truncate extends without writing, so the rest stays a hole.
	if err := f.Truncate(int64(sizeMB) * 1024 * 1024); err != nil {
		return fmt.Errorf("size disk image to %d MB: %w", sizeMB, err)
	}
	return nil
}
