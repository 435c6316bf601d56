package b2diso

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// maxConfigSize bounds what ParseIsolinux reads: boot2docker's isolinux.cfg
// is well under 1 KiB, and the bytes of an ISO are untrusted.
const maxConfigSize = 1 << 20

// ParseIsolinux returns the kernel command line of an isolinux.cfg: the
// append line of the default label, else the first append line, and whether
// there is one that is not empty. initrd= arguments are dropped because xhyve
// loads the initrd itself. Control characters and bytes that are not UTF-8
// separate arguments as spaces do, so the command line is one line of
// printable text. A configuration over maxConfigSize bytes is an error.
func ParseIsolinux(r io.Reader) (string, bool, error) {
	var (
		def, label string
		first      *string
		byLabel    = map[string]string{}
	)
	lr := &io.LimitedReader{R: r, N: maxConfigSize + 1}
	sc := bufio.NewScanner(lr)
	for sc.Scan() {
		fields := strings.FieldsFunc(strings.ToValidUTF8(sc.Text(), " "), isSeparator)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		args := strings.Join(fields[1:], " ")
		switch strings.ToLower(fields[0]) {
		case "default":
			if def == "" {
				def = args
			}
		case "label":
			label = args
		case "append":
			if args == "-" {
				args = ""
			}
			cmdline := dropInitrd(args)
			if first == nil {
				first = &cmdline
			}
			if _, seen := byLabel[label]; !seen {
				byLabel[label] = cmdline
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", false, fmt.Errorf("read configuration: %w", err)
	}
	if lr.N == 0 {
		return "", false, fmt.Errorf("configuration is over %d bytes", maxConfigSize)
	}
	if cmdline, ok := byLabel[def]; ok && def != "" {
		return cmdline, cmdline != "", nil
	}
	if first == nil || *first == "" {
		return "", false, nil
	}
	return *first, true, nil
}

// isSeparator reports the runes that end an argument: white space, and
// control characters, which a kernel command line must not carry (a NUL
// would cut it, a newline would end it).
func isSeparator(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r)
}

func dropInitrd(args string) string {
	kept := strings.Fields(args)[:0]
	for _, f := range strings.Fields(args) {
		if !strings.HasPrefix(f, "initrd=") {
			kept = append(kept, f)
		}
	}
	return strings.Join(kept, " ")
}
