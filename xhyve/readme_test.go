package xhyve

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestReadmeFlagTable keeps the README's flag table and GetCreateFlags in
// step: names, environment variables, types and defaults.
func TestReadmeFlagTable(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ env, kind, def string }
	documented := map[string]row{}
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "| `--xhyve-") {
			continue
		}
		cols := strings.Split(line, " | ")
		if len(cols) < 5 {
			t.Fatalf("README flag row has %d columns: %q", len(cols), line)
		}
		name := strings.Trim(strings.TrimPrefix(cols[0], "| "), "`")
		documented[strings.TrimPrefix(name, "--")] = row{
			env:  strings.Trim(cols[1], "`"),
			kind: cols[2],
			def:  strings.Trim(cols[3], "`"),
		}
	}
	flags := NewDriver("", "").GetCreateFlags()
	if len(documented) != len(flags) {
		t.Errorf("README documents %d flags, GetCreateFlags has %d", len(documented), len(flags))
	}
	for _, f := range flags {
		doc, ok := documented[f.String()]
		if !ok {
			t.Errorf("--%s is not in the README's flag table", f.String())
			continue
		}
		kind, env, value := describeFlag(f)
		want := row{env, kind, fmt.Sprint(value)}
		if value == "" {
			want.def = `""`
		}
		if doc != want {
			t.Errorf("--%s: README says %+v, GetCreateFlags says %+v", f.String(), doc, want)
		}
	}
}

// TestReadmeCodeMap: the README's code map names every file of this
// package (or a pattern that matches it) and every package under internal/
// and third_party/, so it cannot fall behind the tree.
func TestReadmeCodeMap(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "- **Code map.**")
	if start < 0 {
		t.Fatal("README has no code map")
	}
	text = text[start:]
	if end := strings.Index(text[1:], "\n- **"); end >= 0 {
		text = text[:end+1]
	}
	var named []string // `...` spans
	for i, part := range strings.Split(text, "`") {
		if i%2 == 1 {
			named = append(named, part)
		}
	}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		if !slices.ContainsFunc(named, func(n string) bool { ok, _ := filepath.Match(n, f); return ok }) {
			t.Errorf("the code map does not name xhyve/%s", f)
		}
	}
	for _, dir := range []string{"../internal", "../third_party"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() && !strings.Contains(text, e.Name()) {
				t.Errorf("the code map does not name %s/%s", filepath.Base(dir), e.Name())
			}
		}
	}
}
