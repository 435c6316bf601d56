// Package logfile keeps the VM's logs (console, hypervisor, supervisor)
// capped while the VM runs, and reads their ends for error messages.
package logfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// Log is an append-only log that never grows past its limit: when a
// write would take it over, the file becomes NAME.1 (replacing the older
// one) and a new NAME starts. A VM that runs for weeks so keeps at most
// twice the limit per log.
type Log struct {
	mu    sync.Mutex
	path  string
	limit int64
	f     *os.File
	// onOpen is called with every file the log opens (the first and each
	// after a rotation), e.g. to make it the process's stderr too.
	onOpen func(*os.File) error
}

// Open opens path for appending; a file already over the limit is
// rotated at once. onOpen (nil: none) is called with every file the log
// opens.
func Open(path string, limit int64, onOpen func(*os.File) error) (*Log, error) {
	l := &Log{path: path, limit: limit, onOpen: onOpen}
	if err := l.open(); err != nil {
		return nil, err
	}
	if size, err := l.size(); err == nil && size > limit {
		if err := l.rotate(); err != nil {
			l.f.Close()
			return nil, err
		}
	}
	return l, nil
}

func (l *Log) open() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	if l.onOpen != nil {
		if err := l.onOpen(f); err != nil {
			f.Close()
			return err
		}
	}
	l.f = f
	return nil
}

// size is the file's size on disk, which also counts what others wrote to
// it (the Go runtime's panic output on a dup'ed stderr).
func (l *Log) size() (int64, error) {
	info, err := l.f.Stat()
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

func (l *Log) rotate() error {
	if err := os.Rename(l.path, l.path+".1"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("rotate log: %w", err)
	}
	old := l.f
	if err := l.open(); err != nil {
		return err
	}
	return old.Close()
}

// Write appends p, rotating first when p would take the file over the
// limit. A single write larger than the limit is kept whole.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if size, err := l.size(); err == nil && size > 0 && size+int64(len(p)) > l.limit {
		if err := l.rotate(); err != nil {
			return 0, err
		}
	}
	return l.f.Write(p)
}

// Close closes the current file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}

// Tail returns up to the last max bytes of the log at path, starting at a line
// boundary, for error messages; "" when the file is missing or empty.
func Tail(path string, max int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return ""
	}
	off := info.Size() - max
	if off < 0 {
		off = 0
	}
	data, err := io.ReadAll(io.NewSectionReader(f, off, info.Size()-off))
	if err != nil {
		return ""
	}
	if off > 0 {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return string(data)
}
