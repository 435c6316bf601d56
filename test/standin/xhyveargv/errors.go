package xhyveargv

import (
	"errors"
	"fmt"
	"io"
)

// Exit statuses the real binaries give for a command line they refuse.
const (
	StatusOK    = 0
	StatusError = 1
	// StatusUsage is sysexits.h EX_USAGE, which errx() gives for -m and -l.
	StatusUsage = 64
)

// Error is a refusal: the real binary prints Msg (if any) and then Usage
// (if any) on stderr, and exits with Code; or, with Crash, it prints Msg
// and then dies by SIGSEGV without exiting (hyperkit's virtio-vpnkit
// refusals, docs/facts.md §9), Code being the status a caller that cannot
// die so reports instead.
type Error struct {
	Code  int
	Msg   string
	Usage string
	Crash bool
}

// Error is the message the real binary prints.
func (e *Error) Error() string { return e.Msg }

func usageError(d Dialect, prog, msg string) *Error {
	return &Error{Code: StatusError, Msg: msg, Usage: UsageText(d, prog)}
}

func failure(format string, a ...any) *Error {
	return &Error{Code: StatusError, Msg: fmt.Sprintf(format, a...)}
}

func crash(format string, a ...any) *Error {
	return &Error{Code: StatusError, Msg: fmt.Sprintf(format, a...), Crash: true}
}

// Report writes err to w as the real binary does and returns the status it
// exits with; an error that is not an *Error is prog's own, status 1.
func Report(w io.Writer, prog string, err error) int {
	var e *Error
	if !errors.As(err, &e) {
		fmt.Fprintf(w, "%s: %v\n", prog, err)
		return StatusError
	}
	if e.Msg != "" {
		fmt.Fprintln(w, e.Msg)
	}
	io.WriteString(w, e.Usage)
	return e.Code
}
