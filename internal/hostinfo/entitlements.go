package hostinfo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"howett.net/plist"
)

// HypervisorEntitlement is the entitlement macOS 11 and later require of
// a process that uses Hypervisor.framework.
const HypervisorEntitlement = "com.apple.security.hypervisor"

// entitlementsMagic starts the entitlements blob of a code signature
// (CSMAGIC_EMBEDDED_ENTITLEMENTS), followed by the blob's big-endian length.
const entitlementsMagic = 0xfade7171

// Entitlements are the top-level entitlements of a signed binary: a bool,
// string or number value by key; nested dictionaries and arrays are nil.
type Entitlements map[string]interface{}

// Has reports whether key is there and true.
func (e Entitlements) Has(key string) bool {
	v, ok := e[key].(bool)
	return ok && v
}

// ParseEntitlements reads what `codesign -d --entitlements - PATH` prints
// on stdout, in either documented form:
//
//   - older codesign: the raw entitlements blob, an 8-byte header (magic
//     0xfade7171 and length) and an XML property list; `--entitlements :-`
//     and `--xml` print the property list alone;
//   - newer codesign (macOS 12 and later): an indented listing,
//     "[Dict]", then "[Key] NAME", "[Value]", "[Bool] true" per entry.
//
// A binary signed without entitlements prints nothing: an empty result.
// A leading "Executable=PATH" line (stderr merged in) is skipped.
func ParseEntitlements(r io.Reader) (Entitlements, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read entitlements: %w", err)
	}
	if len(data) >= 8 && binary.BigEndian.Uint32(data) == entitlementsMagic {
		n := int(binary.BigEndian.Uint32(data[4:8]))
		if n < 8 || n > len(data) {
			return nil, fmt.Errorf("entitlements blob of %d bytes in %d", n, len(data))
		}
		data = data[8:n]
	}
	for bytes.HasPrefix(data, []byte("Executable=")) {
		_, rest, _ := bytes.Cut(data, []byte("\n"))
		data = rest
	}
	text := strings.TrimSpace(string(data))
	switch {
	case text == "":
		return Entitlements{}, nil
	case strings.HasPrefix(text, "<?xml") || strings.HasPrefix(text, "<!DOCTYPE") || strings.HasPrefix(text, "<plist"):
		var e map[string]interface{}
		if _, err := plist.Unmarshal([]byte(text), &e); err != nil {
			return nil, fmt.Errorf("read entitlements plist: %w", err)
		}
		for k, v := range e {
			switch v.(type) {
			case map[string]interface{}, []interface{}:
				e[k] = nil
			}
		}
		return Entitlements(e), nil
	case strings.HasPrefix(text, "[Dict]"):
		return parseListing(text)
	}
	return nil, fmt.Errorf("entitlements %q: neither a property list nor codesign's [Dict] listing", firstLine(text))
}

// item is one "[Tag] argument" of codesign's listing and its indentation.
type item struct {
	indent   int
	tag, arg string
}

// parseListing reads codesign's [Dict] listing. The top-level keys are the
// least indented [Key] items; a key's value is the first value item after
// its [Value], and a [Dict] or [Array] value hides what is nested in it.
func parseListing(text string) (Entitlements, error) {
	var items []item
	for _, line := range strings.Split(text, "\n") {
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		line = strings.TrimSpace(line)
		for line != "" {
			if line[0] != '[' {
				return nil, fmt.Errorf("entitlements listing: %q is not a [Tag] item", line)
			}
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return nil, fmt.Errorf("entitlements listing: unclosed tag in %q", line)
			}
			tag, rest := line[1:end], strings.TrimSpace(line[end+1:])
			arg := rest
			// Several items may share a line ("[Value] [Bool] true").
			if next := strings.Index(rest, " ["); strings.HasPrefix(rest, "[") {
				arg, line = "", rest
			} else if next >= 0 && isTag(rest[next+1:]) {
				arg, line = strings.TrimSpace(rest[:next]), strings.TrimSpace(rest[next+1:])
			} else {
				line = ""
			}
			items = append(items, item{indent, tag, arg})
		}
	}
	e := Entitlements{}
	keyIndent := -1
	for _, it := range items {
		if it.tag == "Key" && (keyIndent < 0 || it.indent < keyIndent) {
			keyIndent = it.indent
		}
	}
	for i := 0; i < len(items); i++ {
		if items[i].tag != "Key" || items[i].indent != keyIndent {
			continue
		}
		key := items[i].arg
		if key == "" {
			return nil, errors.New("entitlements listing: a [Key] without a name")
		}
		e[key] = listingValue(items[i+1:])
	}
	return e, nil
}

// listingValue is the value of a key whose [Value] and what follows are
// items: the first item that is neither [Value] nor the next [Key].
func listingValue(items []item) interface{} {
	for _, it := range items {
		switch it.tag {
		case "Value":
			continue
		case "Bool":
			return it.arg == "true"
		case "String", "Number", "Integer", "Data", "Date":
			return it.arg
		}
		return nil // [Key] (no value), [Dict], [Array]
	}
	return nil
}

// isTag reports whether s starts with a "[Word]" tag.
func isTag(s string) bool {
	end := strings.IndexByte(s, ']')
	return strings.HasPrefix(s, "[") && end > 1 && !strings.ContainsAny(s[1:end], " \t[")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if len(line) > 80 {
		line = line[:80] + "..."
	}
	return line
}
