package iso9660

// This file is not in upstream v0.4.0. It holds the limits and helpers the
// fork uses to read an untrusted image in bounded time and memory: every
// length and location below comes from the image, so none may drive a read,
// an allocation or a loop without a check.

import (
	"fmt"
	"io"
	"os"
)

const (
	// dirRecordFixedLen is the fixed part of a directory record (ECMA-119
	// 9.1) in front of the identifier.
	dirRecordFixedLen = 33

	// maxVolumeDescriptors bounds the volume descriptor set. Real images
	// carry a handful (primary, boot, supplementary, terminator); without a
	// bound an image full of "CD001" sectors is read to its end.
	maxVolumeDescriptors = 64

	// maxDirectorySize bounds one directory extent (about 7,000 Rock Ridge
	// entries): parsed entries take several times their size in memory.
	maxDirectorySize = 1 << 20

	// maxDirectoryDepth bounds how deep subdirectories are listed. ECMA-119
	// allows 8 levels; deeper trees are relocated by Rock Ridge.
	maxDirectoryDepth = 64

	// maxContinuationAreas bounds the Continuation Areas (SUSP CE entries)
	// followed for one System Use field, since a CE may point at itself.
	maxContinuationAreas = 32

	// maxContinuationBytes bounds the Continuation Area bytes read for one
	// directory listing, since every entry of a listing may point at the
	// same areas.
	maxContinuationBytes = 1 << 20
)

// imageSize returns the size of the image behind ra, or -1 when ra cannot
// tell (reads past the end then fail as they did upstream).
func imageSize(ra io.ReaderAt) int64 {
	switch r := ra.(type) {
	case interface{ Size() int64 }: // bytes.Reader, strings.Reader, io.SectionReader
		return r.Size()
	case interface{ Stat() (os.FileInfo, error) }: // *os.File
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return -1
}

// blockOffset returns the byte offset of a logical block. Locations are
// unsigned 32-bit numbers on disk; int64 arithmetic keeps a large one from
// wrapping around to an earlier block (or a negative offset).
func blockOffset(location int32) int64 {
	return int64(uint32(location)) * int64(sectorSize)
}

// checkExtent reports an extent that does not lie within an image of size
// bytes (size < 0: unknown, nothing to check).
func checkExtent(size int64, location int32, length uint32) error {
	if size < 0 || length == 0 {
		return nil
	}
	if end := blockOffset(location) + int64(length); end > size {
		return fmt.Errorf("extent at block %d of %d bytes ends at byte %d, past the end of the %d-byte image: %w",
			uint32(location), length, end, size, io.ErrUnexpectedEOF)
	}
	return nil
}

// dirName names directory f in errors: the root's identifier is a NUL byte.
func (f *File) dirName() string {
	if f.isRootDir {
		return "/"
	}
	return f.Name()
}

// suspBudget is what splitSystemUseEntries may still follow.
type suspBudget struct {
	areas int   // Continuation Areas left for the current System Use field
	bytes int64 // Continuation Area bytes left for the current listing
}

// newListing returns the budget of one directory listing.
func newListing() *suspBudget {
	return &suspBudget{bytes: maxContinuationBytes}
}

// field starts a new System Use field and returns b.
func (b *suspBudget) field() *suspBudget {
	b.areas = maxContinuationAreas
	return b
}

// errReader fails every Read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
