package b2diso

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// ErrNotFound reports a path the ISO does not hold: the ISO is readable but
// is not a boot2docker ISO, or a requested path is wrong.
var ErrNotFound = errors.New("not found in the ISO")

// ErrDamaged is matched by errors.Is for every *DamagedError.
var ErrDamaged = errors.New("ISO is damaged")

// DamagedError reports an ISO whose bytes are not a readable ISO 9660 image
// (truncated, corrupted, or not an ISO at all): getting it again may help,
// naming other paths inside it will not.
type DamagedError struct {
	Path string // the ISO file, "" when read from an io.ReaderAt
	Err  error  // what was wrong
}

// Error says which ISO is damaged and how.
func (e *DamagedError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("ISO image is damaged: %v", e.Err)
	}
	return fmt.Sprintf("ISO %s is damaged: %v", e.Path, e.Err)
}

// Unwrap returns the cause.
func (e *DamagedError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrDamaged) hold.
func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// errPanicked marks a panic of the ISO reader turned into an error; tests
// check that no input needs it.
var errPanicked = errors.New("unexpected failure of the ISO reader")

// source is the image as the reader sees it. It keeps the first error of
// the underlying ReaderAt other than io.EOF, so that a failing disk is not
// reported as a damaged ISO.
type source struct {
	ra   io.ReaderAt
	size int64

	mu    sync.Mutex
	ioErr error
}

func newSource(ra io.ReaderAt) *source {
	return &source{ra: ra, size: sizeOf(ra)}
}

// ReadAt reads from the image and records a failure that is not its end.
func (s *source) ReadAt(p []byte, off int64) (int, error) {
	n, err := s.ra.ReadAt(p, off)
	if err != nil && !errors.Is(err, io.EOF) && off >= 0 {
		s.mu.Lock()
		if s.ioErr == nil {
			s.ioErr = err
		}
		s.mu.Unlock()
	}
	return n, err
}

// Size lets the ISO reader bound every extent by the image (-1: unknown).
func (s *source) Size() int64 { return s.size }

// sizeOf returns the size of ra, or -1 when ra cannot tell.
func sizeOf(ra io.ReaderAt) int64 {
	switch r := ra.(type) {
	case interface{ Size() int64 }: // bytes.Reader, io.SectionReader
		return r.Size()
	case interface{ Stat() (os.FileInfo, error) }: // *os.File
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return -1
}

// classify turns the outcome of reading path into what callers act on: a
// failing reader stays a read error (even when the ISO reader got past it,
// as it does past unreadable Rock Ridge data), a missing file ErrNotFound,
// anything else is damage.
func (s *source) classify(path string, err error) error {
	s.mu.Lock()
	ioErr := s.ioErr
	s.mu.Unlock()
	var de *DamagedError
	switch {
	case ioErr != nil && err == nil:
		return fmt.Errorf("read ISO: %w", ioErr)
	case ioErr != nil && !errors.Is(err, ioErr):
		return fmt.Errorf("%w (after read error: %w)", err, ioErr)
	case err == nil, ioErr != nil, errors.Is(err, ErrNotFound), errors.As(err, &de):
		return err
	}
	return &DamagedError{Path: path, Err: err}
}

// guard runs fn, turning a panic into a damage error: the reader parses
// untrusted bytes, and a panic must not take the driver down.
func guard(path string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &DamagedError{Path: path, Err: fmt.Errorf("%w: %v", errPanicked, r)}
		}
	}()
	return fn()
}
