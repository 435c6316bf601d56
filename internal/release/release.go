// Package release names what a release of the plugin publishes beside the
// plugin: the boot2docker ISO it boots by default. The facts live in
// iso.txt, which `make release-pin` writes and the sandbox reads to serve
// the release URL (docs/release.md).
package release

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"

	_ "embed"
)

//go:embed iso.txt
var isoText string

// Asset is one file a release publishes: where, its size and its sha256.
type Asset struct {
	URL    string
	Size   int64
	SHA256 string // lowercase hex
}

// ISO is the boot2docker ISO of this release, read from the embedded
// iso.txt (a unit test proves it parses).
var ISO = sync.OnceValues(func() (Asset, error) {
	a, err := Parse(strings.NewReader(isoText))
	if err != nil {
		return Asset{}, fmt.Errorf("read the release's ISO facts (internal/release/iso.txt): %w", err)
	}
	return a, nil
})

// Parse reads "url", "size" and "sha256" lines ('#' starts a comment), each
// exactly once; the URL must be https.
func Parse(r io.Reader) (Asset, error) {
	var a Asset
	seen := map[string]bool{}
	sc := bufio.NewScanner(io.LimitReader(r, 64<<10))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, " ")
		val = strings.TrimSpace(val)
		if !ok || val == "" {
			return Asset{}, fmt.Errorf("line %d: want \"KEY VALUE\", got %q", n, line)
		}
		if seen[key] {
			return Asset{}, fmt.Errorf("line %d: %s given twice", n, key)
		}
		seen[key] = true
		switch key {
		case "url":
			u, err := url.Parse(val)
			if err != nil || u.Scheme != "https" || u.Host == "" {
				return Asset{}, fmt.Errorf("line %d: url %q is not an https URL", n, val)
			}
			a.URL = val
		case "size":
			size, err := strconv.ParseInt(val, 10, 64)
			if err != nil || size <= 0 {
				return Asset{}, fmt.Errorf("line %d: size %q is not a positive number of bytes", n, val)
			}
			a.Size = size
		case "sha256":
			if b, err := hex.DecodeString(val); err != nil || len(b) != 32 || strings.ToLower(val) != val {
				return Asset{}, fmt.Errorf("line %d: sha256 %q is not 64 lowercase hex digits", n, val)
			}
			a.SHA256 = val
		default:
			return Asset{}, fmt.Errorf("line %d: unknown key %q", n, key)
		}
	}
	if err := sc.Err(); err != nil {
		return Asset{}, fmt.Errorf("read: %w", err)
	}
	for _, k := range []string{"url", "size", "sha256"} {
		if !seen[k] {
			return Asset{}, fmt.Errorf("no %s line", k)
		}
	}
	return a, nil
}
