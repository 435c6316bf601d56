package xhyveargv

import (
	"encoding/hex"
	"fmt"
)

// ParseUUID accepts the RFC 4122 string form (36 characters, hyphens at
// 8/13/18/23, hex digits elsewhere, any case) and returns the 16 bytes.
func ParseUUID(s string) ([16]byte, error) {
	var u [16]byte
	if len(s) != 36 {
		return u, fmt.Errorf("invalid UUID length %d", len(s))
	}
	j := 0
	for i := 0; i < 36; {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return u, fmt.Errorf("invalid UUID %q", s)
			}
			i++
			continue
		}
		b, err := hex.DecodeString(s[i : i+2])
		if err != nil {
			return u, fmt.Errorf("invalid UUID %q", s)
		}
		u[j] = b[0]
		j++
		i += 2
	}
	return u, nil
}
