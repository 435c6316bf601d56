package main

import (
	"fmt"
	"os"
	"sync"
	"syscall"

	"golang.org/x/term"
)

// The real binaries print their stdout lines ("linkname PATH", "COM1
// connected to ...", "MAC: ...", hyperkit's "received sigusr1, pausing")
// with C stdio and never call fflush (docs/facts.md §3). C's stdout is
// line-buffered when it is a terminal and fully buffered otherwise, in a
// BUFSIZ-byte buffer written out only when it fills up or when the process
// ends through exit(3). A process that ends any other way (a signal's
// default action, _exit) loses what is still buffered. cStdout imitates
// that, so that a caller reading the stand-in's stdout through a pipe sees
// those lines as late as it would from the real binary.

// bufsiz is BUFSIZ of macOS's <stdio.h> (1024), the size of the stdout buffer.
const bufsiz = 1024

// cStream is a C stdio output stream on a file descriptor.
type cStream struct {
	mu   sync.Mutex
	fd   int
	line bool // line-buffered (a terminal) rather than fully buffered
	buf  []byte
}

// stdout is fd 1 as C stdio buffers it; the buffering mode is decided on
// first use, as C decides it at the first output (isatty).
var stdout = &cStream{fd: 1}

var stdoutModeOnce sync.Once

func (s *cStream) setMode() {
	stdoutModeOnce.Do(func() { s.line = term.IsTerminal(s.fd) })
}

// WriteString buffers p and writes out what C stdio would write now: in
// line-buffered mode everything up to the last newline, in full buffering
// whole BUFSIZ-byte buffers.
func (s *cStream) WriteString(p string) {
	s.setMode()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(s.buf, p...)
	if s.line {
		for i := len(s.buf) - 1; i >= 0; i-- {
			if s.buf[i] == '\n' {
				s.writeOut(i + 1)
				break
			}
		}
		return
	}
	for len(s.buf) >= bufsiz {
		s.writeOut(bufsiz)
	}
}

// Printf is fprintf(stdout, ...).
func (s *cStream) Printf(format string, a ...any) {
	s.WriteString(fmt.Sprintf(format, a...))
}

// Flush writes out everything buffered (fflush).
func (s *cStream) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeOut(len(s.buf))
}

// writeOut writes the first n buffered bytes to the descriptor; as in C, a
// failed write discards them.
func (s *cStream) writeOut(n int) {
	p := s.buf[:n]
	for len(p) > 0 {
		w, err := syscall.Write(s.fd, p)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || w <= 0 {
			break
		}
		p = p[w:]
	}
	s.buf = append(s.buf[:0], s.buf[n:]...)
}

// atexit handlers, run by exitProcess in reverse order of registration,
// as exit(3) runs them.
var (
	atexitMu sync.Mutex
	atexits  []func()
)

// atexit registers f to run when the process ends through exitProcess.
func atexit(f func()) {
	atexitMu.Lock()
	atexits = append(atexits, f)
	atexitMu.Unlock()
}

var exitOnce sync.Once

// exitProcess is C exit(3): the atexit handlers (last registered first),
// then every stdio buffer is written out, then the process ends with code.
// Processes killed by a signal never get here: they lose their buffers
// and leave what the handlers would have cleaned up.
func exitProcess(code int) {
	exitOnce.Do(func() {
		atexitMu.Lock()
		hs := atexits
		atexits = nil
		atexitMu.Unlock()
		for i := len(hs) - 1; i >= 0; i-- {
			hs[i]()
		}
		stdout.Flush()
	})
	os.Exit(code)
}
