package nfsserver

import (
	"testing"
)

func TestToHandleRefusesUncleanNames(t *testing.T) {
	tab, fss := newTestTable(t, 100, t.TempDir())
	for _, path := range [][]string{
		{""}, {"."}, {".."}, {"a/b"}, {"../x"}, {"/etc"}, {"a\x00b"}, {"x/"},
		{"d", ""}, {"d", "."}, {"d", ".."}, {"d", "../../x"}, {"d", "e/f"}, {"..", "x"},
	} {
		if h := tab.toHandle(fss[0], path); h != nil {
			t.Errorf("toHandle(%q) = %x, want no handle", path, h)
		}
	}
	if ids, paths := tab.size(); ids != 0 || paths != 0 {
		t.Fatalf("%d ids and %d paths stored for unclean names, want none", ids, paths)
	}
	// Clean names still get handles that resolve to them.
	for _, path := range [][]string{{}, {"d"}, {"d", "e"}, {"..."}, {".hidden"}, {"a..b"}} {
		h := tab.toHandle(fss[0], path)
		if h == nil {
			t.Fatalf("toHandle(%q) refused a clean path", path)
		}
		_, got, err := tab.fromHandle(h)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(path) || (len(path) > 0 && got[len(got)-1] != path[len(path)-1]) {
			t.Fatalf("handle of %q resolves to %q", path, got)
		}
	}
}
