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
	// Cache, when set, is a directory shared by the machines of a store:
	// each ISO's boot files are extracted there once and hard-linked into
	// place (see cache.go).
	Cache string
}

// Ensure makes dst hold the boot files of the ISO at isoPath, extracting them
// unless dst already holds those of this very ISO with the same overrides.
// It reports whether it extracted. The record is written last, so an
// interrupted extraction is redone next time. A damaged ISO yields a
// *DamagedError naming isoPath (errors.Is(err, ErrDamaged)), an ISO without
// the boot files an error matching ErrNotFound.
func Ensure(isoPath, kernel, initrd string, dst Dest) (Record, bool, error) {
	sum, err := fileSHA256(isoPath)
	if err != nil {
		return Record{}, false, err
	}
	if rec, err := ReadRecord(dst.Record); err == nil &&
		rec.ISOSHA256 == sum && rec.KernelOverride == kernel && rec.InitrdOverride == initrd &&
		exists(dst.Kernel) && exists(dst.Initrd) {
		return rec, false, nil
	}
	if err := os.Remove(dst.Record); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Record{}, false, fmt.Errorf("remove stale boot record: %w", err)
	}
	want := Record{ISOSHA256: sum, KernelOverride: kernel, InitrdOverride: initrd}
	var rec Record
	if dst.Cache != "" {
		rec, err = ensureCached(isoPath, want, dst)
	} else {
		rec, err = extract(isoPath, want, dst.Kernel, dst.Initrd)
	}
	if err != nil {
		return Record{}, false, err
	}
	if err := writeRecord(dst.Record, rec); err != nil {
		return Record{}, false, err
	}
	return rec, true, nil
}

// extract writes the boot files of the ISO at isoPath (want says which ISO
// and overrides) to kernel and initrd, each replaced atomically.
func extract(isoPath string, want Record, kernel, initrd string) (Record, error) {
	f, err := os.Open(isoPath)
	if err != nil {
		return Record{}, fmt.Errorf("open ISO: %w", err)
	}
	defer f.Close()
	src := newSource(f)
	bf, err := inspectISO(isoPath, src, want.KernelOverride, want.InitrdOverride)
	if errors.Is(err, ErrDamaged) {
		return Record{}, err // already names the ISO
	}
	if err != nil {
		return Record{}, fmt.Errorf("inspect %s: %w", isoPath, err)
	}
	if err := copyOut(isoPath, src, bf.Kernel, kernel); err != nil {
		return Record{}, err
	}
	if err := copyOut(isoPath, src, bf.Initrd, initrd); err != nil {
		return Record{}, err
	}
	want.BootFiles = bf
	return want, nil
}

func writeRecord(path string, rec Record) error {
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("encode boot record: %w", err)
	}
	return atomicfile.WriteFile(path, data, 0o600)
}

// ReadRecord reads the boot record at p: which ISO the boot files beside it
// came from.
func ReadRecord(p string) (Record, error) {
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

// copyOut writes the file at p in the ISO to dst. Damage is returned as the
// *DamagedError itself, which says more than where it was being copied.
func copyOut(isoPath string, src *source, p, dst string) error {
	r, _, err := openFile(isoPath, src, p)
	if errors.Is(err, ErrDamaged) {
		return err
	}
	if err != nil {
		return fmt.Errorf("open %s in ISO: %w", p, err)
	}
	err = atomicfile.Write(dst, 0o600, func(w io.Writer) error {
		_, err := io.Copy(w, r)
		return err
	})
	var de *DamagedError
	if errors.As(err, &de) {
		return de
	}
	return err
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
