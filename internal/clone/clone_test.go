package clone

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestFile(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	data := bytes.Repeat([]byte("boot2docker "), 100000)
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, []byte("the old copy"), 0o644); err != nil {
		t.Fatal(err)
	}
	cloned, err := File(src, dst, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cloned: %v (a plain copy where the file system cannot clone)", cloned)
	got, err := os.ReadFile(dst)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("dst differs from src (%v)", err)
	}
	if info, _ := os.Stat(dst); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", info.Mode().Perm())
	}
	// The copy is independent: writing it leaves the source alone.
	if err := os.WriteFile(dst, []byte("changed"), 0o600); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(src); !bytes.Equal(again, data) {
		t.Error("writing the clone changed the source")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("temporary files left: %v", entries)
	}
	if _, err := File(filepath.Join(dir, "missing"), dst, 0o600); err == nil {
		t.Error("a missing source was copied")
	}
}
