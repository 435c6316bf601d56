package harness

import (
	"bufio"
	"strings"
)

// Indent indents each line of s by four spaces, for a command's output in
// a test's log, without s's trailing newlines ("" stays "").
func Indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// TailString is the last n bytes of s.
func TailString(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// OutLines splits output into lines without their \r (the CLI may end them
// with \r\n on some paths).
func OutLines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		out = append(out, strings.TrimRight(sc.Text(), "\r"))
	}
	return out
}
