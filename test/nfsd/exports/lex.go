package exports

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// logicalLine is one entry of the file before it is split into fields:
// physical lines joined where they end in `\`.
type logicalLine struct {
	num  int // the first physical line, as mountd counts
	text string
}

// logicalLines splits r into entries as mountd's reader does (see the
// package documentation).
func logicalLines(r io.Reader) ([]logicalLine, error) {
	br := bufio.NewReader(r)
	var (
		out     []logicalLine
		cur     []byte
		num     int
		start   int
		pending bool // a continued line waits for its next part
	)
	for {
		raw, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read exports: %w", err)
		}
		if len(raw) == 0 {
			break
		}
		num++
		if !pending {
			start = num
		}
		body, cont := trimEnd(raw)
		cur = append(cur, body...)
		switch {
		case cont:
			pending = true
		case len(cur) == 0:
			pending = false
		default:
			out = append(out, logicalLine{num: start, text: cutNUL(cur)})
			cur, pending = cur[:0], false
		}
		if err != nil {
			break
		}
	}
	// An entry still continued at the end of the file is dropped: mountd's
	// reader returns nothing once the file ends.
	return out, nil
}

// trimEnd drops the newline and every trailing blank and backslash,
// reporting whether a backslash was among them (a continued line).
func trimEnd(raw []byte) ([]byte, bool) {
	cont := false
	for len(raw) > 0 {
		c := raw[len(raw)-1]
		if c != ' ' && c != '\t' && c != '\n' && c != '\\' {
			break
		}
		cont = cont || c == '\\'
		raw = raw[:len(raw)-1]
	}
	return raw, cont
}

// cutNUL ends an entry at its first NUL byte: mountd handles the entry as a
// C string.
func cutNUL(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// fields splits an entry into fields, keeping their quotes and escapes.
func fields(s string) []string {
	var out []string
	i := 0
	for {
		for i < len(s) && isBlank(s[i]) {
			i++
		}
		if i >= len(s) {
			return out
		}
		j := i
		if q := s[i]; q == '"' || q == '\'' {
			// Up to the closing quote, which ends the field even when no
			// blank follows it.
			j++
			for esc := false; j < len(s); j++ {
				if esc {
					esc = false
				} else if s[j] == '\\' {
					esc = true
				} else if s[j] == q {
					j++
					break
				}
			}
		} else {
			for j < len(s) && !isBlank(s[j]) {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j > len(s) {
				j = len(s)
			}
		}
		out = append(out, s[i:j])
		i = j
	}
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// isPathField tells a directory from a host or an option, as mountd does.
func isPathField(f string) bool {
	return f[0] == '/' || ((f[0] == '"' || f[0] == '\'') && len(f) > 1 && f[1] == '/')
}

// cleanPath turns a directory field into its path: the opening quote, the
// closing quote and escaping backslashes go, then trailing (and, here,
// repeated) slashes.
func cleanPath(f string) string {
	var b strings.Builder
	var q byte
	i := 0
	if f[0] == '"' || f[0] == '\'' {
		q, i = f[0], 1
	}
	esc := false
loop:
	for ; i < len(f); i++ {
		c := f[i]
		switch {
		case esc:
			b.WriteByte(c)
			esc = false
		case q != 0 && c == q:
			break loop
		case c == '\\':
			esc = true
		case q == 0 && isBlank(c):
			break loop
		default:
			b.WriteByte(c)
		}
	}
	p := b.String()
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	if len(p) > 1 {
		p = strings.TrimRight(p, "/")
	}
	if p == "" {
		p = "/"
	}
	return p
}
