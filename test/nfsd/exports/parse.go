package exports

import (
	"fmt"
	"io"
	"strings"
)

// maxPath is mountd's limit on an exported path (RPCMNT_NAMELEN).
const maxPath = 1024

// Kind tells what a field of an entry is.
type Kind int

// The kinds of fields, told apart by their first character.
const (
	DirField    Kind = iota + 1 // starts with /, or a quote and /
	OptionField                 // starts with -
	HostField                   // anything else
)

// Field is one field of an entry, classified.
type Field struct {
	Kind Kind
	// Text is the field as written (an option's value taken from the next
	// field is not part of it).
	Text string
	// Path is a directory's path, without quotes and escapes.
	Path string
	// Options are the options of an option field, in order.
	Options []Option
}

// Option is one option, by its canonical name (ro for -o, maproot for -r).
type Option struct {
	Name  string
	Value string // as written, quotes included; "" when it takes none
}

// Entry is one export entry: its fields in order, up to the first one that
// makes the entry unusable, and then that error.
type Entry struct {
	Line   int
	Fields []Field
	// Err is a LineError when the entry is rejected by its syntax alone.
	Err error
}

// Dirs are the entry's directories, in order.
func (e Entry) Dirs() []string {
	var out []string
	for _, f := range e.Fields {
		if f.Kind == DirField {
			out = append(out, f.Path)
		}
	}
	return out
}

// Hosts are the entry's host (or netgroup) names, as written.
func (e Entry) Hosts() []string {
	var out []string
	for _, f := range e.Fields {
		if f.Kind == HostField {
			out = append(out, f.Text)
		}
	}
	return out
}

// Options are the entry's options, in order.
func (e Entry) Options() []Option {
	var out []Option
	for _, f := range e.Fields {
		out = append(out, f.Options...)
	}
	return out
}

var optAliases = map[string]string{
	"ro": "ro", "o": "ro",
	"maproot": "maproot", "root": "maproot", "r": "maproot",
	"mapall": "mapall",
	"mask":   "mask", "m": "mask",
	"network": "network", "n": "network",
	"sec": "sec", "alldirs": "alldirs", "32bitclients": "32bitclients",
	"offline": "offline", "fspath": "fspath", "fsuuid": "fsuuid",
}

var takesValue = map[string]bool{"maproot": true, "mapall": true, "mask": true, "network": true, "sec": true, "fspath": true, "fsuuid": true}

// Parse splits an exports file into entries, skipping comments and blank
// lines. It checks only the syntax: whether directories exist, hosts
// resolve or entries agree is Check's business. The error is a read error.
func Parse(r io.Reader) ([]Entry, error) {
	lines, err := logicalLines(r)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, l := range lines {
		fs := fields(l.text)
		if len(fs) > 0 && fs[0][0] == '#' {
			continue
		}
		out = append(out, parseEntry(l.num, fs))
	}
	return out, nil
}

func parseEntry(line int, fs []string) Entry {
	e := Entry{Line: line}
	fail := func(format string, a ...any) Entry {
		e.Err = LineError{Line: line, Msg: fmt.Sprintf(format, a...)}
		return e
	}
	if len(fs) == 0 { // only a NUL byte and what follows it
		return fail("no directories for export entry?")
	}
	haveDir, gotNonDir := false, false
	for i := 0; i < len(fs); i++ {
		f := fs[i]
		switch {
		case f[0] == '-':
			if !haveDir {
				return fail("got options with no exported directory: %s", f)
			}
			gotNonDir = true
			opts, used, err := splitOptions(f, fs[i+1:])
			if len(opts) > 0 {
				e.Fields = append(e.Fields, Field{Kind: OptionField, Text: f, Options: opts})
			}
			if err != nil {
				return fail("error processing options: %s: %v", f, err)
			}
			i += used
		case isPathField(f):
			p := cleanPath(f)
			if gotNonDir {
				return fail("Directories must be first: %s", p)
			}
			if len(p) > maxPath {
				return fail("pathname too long (%d > %d): %s", len(p), maxPath, p)
			}
			e.Fields = append(e.Fields, Field{Kind: DirField, Text: f, Path: p})
			haveDir = true
		default:
			gotNonDir = true
			if !haveDir {
				return fail("got host/group with no directory?: %s", f)
			}
			e.Fields = append(e.Fields, Field{Kind: HostField, Text: f})
		}
	}
	return e
}

// splitOptions reads one option field (several options may share it,
// separated by commas); rest are the fields after it: the last option of
// the field may take its value from the next one. It returns the options
// read before any error and how many of rest it used.
func splitOptions(field string, rest []string) ([]Option, int, error) {
	parts := strings.Split(strings.TrimPrefix(field, "-"), ",")
	var opts []Option
	used := 0
	for i, part := range parts {
		name, value, hasValue := strings.Cut(part, "=")
		canon, known := optAliases[name]
		if !known {
			return opts, 0, fmt.Errorf("unrecognized export option: %s", name)
		}
		if takesValue[canon] && !hasValue {
			if i == len(parts)-1 && len(rest) > 0 && rest[0][0] != '-' {
				value, used = rest[0], 1
			} else {
				return opts, 0, fmt.Errorf("export option '%s' missing a value", name)
			}
		}
		if !takesValue[canon] && hasValue {
			return opts, 0, fmt.Errorf("export option '%s' takes no value", name)
		}
		opts = append(opts, Option{Name: canon, Value: value})
	}
	return opts, used, nil
}
