package xhyve

import (
	"fmt"
	"os"
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
