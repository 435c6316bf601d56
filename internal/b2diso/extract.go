package b2diso

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/zchee/docker-machine-driver-xhyve/internal/atomicfile"
)

// Record says which ISO the extracted boot files came from, so a changed ISO
// (docker-machine upgrade, a user swapping it) is extracted again.
type Record struct {
	ISOSHA256 string `json:"iso_sha256"`
	// KernelOverride and InitrdOverride are the requested paths ("" = detect).
	KernelOverride string `json:"kernel_override,omitempty"`
	InitrdOverride string `json:"initrd_override,omitempty"`
	BootFiles
}

// Dest names the files Ensure writes.
type Dest struct {
	Kernel, Initrd, Record string
}

// Ensure makes dst hold the boot files of the ISO at isoPath, extracting them
// unless dst already holds those of this very ISO with the same overrides.
// It reports whether it extracted. The record is written last, so an
// interrupted extraction is redone next time.
func Ensure(isoPath, kernel, initrd string, dst Dest) (Record, bool, error) {
	sum, err := fileSHA256(isoPath)
	if err != nil {
		return Record{}, false, err
	}
	if rec, err := readRecord(dst.Record); err == nil &&
		rec.ISOSHA256 == sum && rec.KernelOverride == kernel && rec.InitrdOverride == initrd &&
		exists(dst.Kernel) && exists(dst.Initrd) {
		return rec, false, nil
	}
	f, err := os.Open(isoPath)
	if err != nil {
		return Record{}, false, fmt.Errorf("open ISO: %w", err)
	}
	defer f.Close()
	bf, err := Inspect(f, kernel, initrd)
	if err != nil {
		return Record{}, false, fmt.Errorf("inspect %s: %w", isoPath, err)
	}
	if err := os.Remove(dst.Record); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Record{}, false, fmt.Errorf("remove stale boot record: %w", err)
	}
	if err := copyOut(f, bf.Kernel, dst.Kernel); err != nil {
		return Record{}, false, err
	}
	if err := copyOut(f, bf.Initrd, dst.Initrd); err != nil {
		return Record{}, false, err
	}
	rec := Record{ISOSHA256: sum, KernelOverride: kernel, InitrdOverride: initrd, BootFiles: bf}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return Record{}, false, fmt.Errorf("encode boot record: %w", err)
	}
	if err := atomicfile.WriteFile(dst.Record, data, 0o600); err != nil {
		return Record{}, false, err
	}
	return rec, true, nil
}

func readRecord(p string) (Record, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return Record{}, err
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return Record{}, err
	}
	return rec, nil
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("open ISO: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash ISO: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func copyOut(img io.ReaderAt, src, dst string) error {
	r, size, err := Open(img, src)
	if err != nil {
		return fmt.Errorf("open %s in ISO: %w", src, err)
	}
	return atomicfile.Write(dst, 0o600, func(w io.Writer) error {
		n, err := io.Copy(w, r)
		if err == nil && n != size {
			err = fmt.Errorf("short read of %s: %d of %d bytes", src, n, size)
		}
		return err
	})
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
