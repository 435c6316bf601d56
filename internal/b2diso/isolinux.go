package b2diso

import (
	"bufio"
	"io"
	"strings"
)

// ParseIsolinux returns the kernel command line of an isolinux.cfg: the
// append line of the default label, else the first append line. initrd=
// arguments are dropped because xhyve loads the initrd itself.
func ParseIsolinux(r io.Reader) (string, bool) {
	var (
		def, label string
		first      *string
		byLabel    = map[string]string{}
	)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
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
	if cmdline, ok := byLabel[def]; ok && def != "" {
		return cmdline, cmdline != ""
	}
	if first == nil || *first == "" {
		return "", false
	}
	return *first, true
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
