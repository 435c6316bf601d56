package xhyveargv

import (
	"fmt"
	"strconv"
	"strings"
)

// The C library functions the real command-line parser relies on, imitated
// in their quirks, which decide what xhyve accepts: strtoul, atoi, sscanf
// and getopt.

// strtoul parses like C strtoul(s, &end, 0): optional whitespace and sign,
// 0x/0X hex, leading-0 octal, else decimal. ok is false on overflow. An empty
// or non-numeric string yields 0 with rest == s (and ok true), as C does.
func strtoul(s string) (n uint64, rest string, ok bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	base := uint64(10)
	if i+1 < len(s) && s[i] == '0' && (s[i+1]|0x20) == 'x' && i+2 < len(s) && isHex(s[i+2]) {
		base = 16
		i += 2
	} else if i < len(s) && s[i] == '0' {
		base = 8
	}
	start := i
	ok = true
	for i < len(s) {
		var v uint64
		ch := s[i]
		switch {
		case ch >= '0' && ch <= '9':
			v = uint64(ch - '0')
		case (ch|0x20) >= 'a' && (ch|0x20) <= 'f':
			v = uint64((ch|0x20)-'a') + 10
		default:
			v = 99
		}
		if v >= base {
			break
		}
		if n > (^uint64(0)-v)/base {
			ok = false
		}
		n = n*base + v
		i++
	}
	if i == start {
		return 0, s, true
	}
	if neg {
		n = -n
	}
	return n, s[i:], ok
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || ((c|0x20) >= 'a' && (c|0x20) <= 'f')
}

// atoi is C atoi: leading whitespace, sign, digits; anything else stops it.
func atoi(s string) int {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n := 0
	for _, ch := range []byte(s) {
		if ch < '0' || ch > '9' {
			break
		}
		n = n*10 + int(ch-'0')
		if n > 1<<31 {
			n = 1 << 31
		}
	}
	if neg {
		return -n
	}
	return n
}

// scanInts imitates sscanf(s, "%d:%d:%d") with want conversions: it returns
// how many integers were converted before the input stopped matching.
func scanInts(s string, want int) ([]int, int) {
	vals := make([]int, 0, want)
	for k := 0; k < want; k++ {
		if k > 0 {
			if !strings.HasPrefix(s, ":") {
				break
			}
			s = s[1:]
		}
		t := strings.TrimLeft(s, " \t\n\v\f\r")
		j := 0
		if j < len(t) && (t[j] == '+' || t[j] == '-') {
			j++
		}
		d := j
		for j < len(t) && t[j] >= '0' && t[j] <= '9' {
			j++
		}
		if j == d {
			break
		}
		v, err := strconv.Atoi(t[:j])
		if err != nil {
			break
		}
		vals = append(vals, v)
		s = t[j:]
	}
	return vals, len(vals)
}

// getopt is a POSIX/BSD getopt(3): clustered flags, attached or separate
// option arguments, "--" ends the options, the first non-option ends them.
type getopt struct {
	args    []string
	dialect Dialect
	prog    string
	idx     int
	pos     int
}

func (g *getopt) next() (byte, string, error) {
	if g.pos == 0 {
		if g.idx >= len(g.args) {
			return 0, "", nil
		}
		a := g.args[g.idx]
		if len(a) < 2 || a[0] != '-' {
			return 0, "", nil
		}
		if a == "--" {
			g.idx++
			return 0, "", nil
		}
		g.pos = 1
	}
	a := g.args[g.idx]
	ch := a[g.pos]
	g.pos++
	optstring := g.dialect.optstring()
	i := strings.IndexByte(optstring, ch)
	if ch == ':' || i < 0 {
		if g.pos >= len(a) {
			g.idx++
			g.pos = 0
		}
		return 0, "", usageError(g.dialect, g.prog, fmt.Sprintf("%s: illegal option -- %c", g.prog, ch))
	}
	if i+1 < len(optstring) && optstring[i+1] == ':' {
		var arg string
		if g.pos < len(a) {
			arg = a[g.pos:]
			g.idx++
		} else if g.idx+1 < len(g.args) {
			arg = g.args[g.idx+1]
			g.idx += 2
		} else {
			g.idx++
			g.pos = 0
			return 0, "", usageError(g.dialect, g.prog, fmt.Sprintf("%s: option requires an argument -- %c", g.prog, ch))
		}
		g.pos = 0
		return ch, arg, nil
	}
	if g.pos >= len(a) {
		g.idx++
		g.pos = 0
	}
	return ch, "", nil
}
