package xhyveargv

// inetAton is BSD inet_aton(3) as FreeBSD's libc has it (inet_addr.c, from
// BIND), which macOS's libc derives from: one to four parts separated by
// dots, each a C number (0x hex, leading-0 octal, else decimal; octal
// refuses 8 and 9); every part before the last must fit a byte; the last
// fills what is left (a: 32 bits, a.b: 24, a.b.c: 16, a.b.c.d: 8).
// Anything after the number must start with white space, which ends it
// ("10.0.0.1 x" is 10.0.0.1). The value is computed in a 64-bit unsigned
// long, as on macOS, so a lone part over 32 bits keeps its low 32. The
// result is in network byte order.
func inetAton(s string) (ip [4]byte, ok bool) {
	var parts [3]uint64
	n := 0
	i := 0
	at := func() byte { // the C string's current character, NUL at its end
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	var val uint64
	digit := false
	for {
		c := at()
		if c < '0' || c > '9' {
			return ip, false
		}
		val, digit = 0, false
		base := uint64(10)
		if c == '0' {
			i++
			if c = at(); c == 'x' || c == 'X' {
				base = 16
				i++
			} else {
				base = 8
				digit = true
			}
		}
		for {
			c = at()
			switch {
			case c >= '0' && c <= '9':
				if base == 8 && c >= '8' {
					return ip, false
				}
				val = val*base + uint64(c-'0')
			case base == 16 && isHex(c):
				val = val<<4 | uint64((c|0x20)-'a'+10)
			default:
				goto partEnd
			}
			i++
			digit = true
		}
	partEnd:
		if c != '.' {
			break
		}
		if n >= 3 || val > 0xff {
			return ip, false
		}
		parts[n] = val
		n++
		i++
	}
	if c := at(); c != 0 && !(c == ' ' || (c >= '\t' && c <= '\r')) {
		return ip, false
	}
	if !digit {
		return ip, false
	}
	switch n {
	case 1:
		if val > 0xffffff {
			return ip, false
		}
		val |= parts[0] << 24
	case 2:
		if val > 0xffff {
			return ip, false
		}
		val |= parts[0]<<24 | parts[1]<<16
	case 3:
		if val > 0xff {
			return ip, false
		}
		val |= parts[0]<<24 | parts[1]<<16 | parts[2]<<8
	}
	v := uint32(val)
	return [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}, true
}
