package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ReadFile returns the file's content and fails the test when it cannot.
func ReadFile(t testing.TB, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// WriteFile writes s to p (mode 0644) and gives it to the user (GiveToUser).
func WriteFile(t testing.TB, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	GiveToUser(t, p)
}

// WriteTree writes files (relative path -> content) under dir, making the
// directories they need; they stay the writer's (root's).
func WriteTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Tail is the last n bytes of the file at path ("" when it cannot be
// read: it only adds context to a failure).
func Tail(path string, n int) string {
	data, _ := os.ReadFile(path)
	return TailString(string(data), n)
}

// VolumeID is the ISO's volume id, where docker-machine reads the version
// (32 bytes at 0x8028, docs/facts.md §6).
func VolumeID(t testing.TB, iso string) string {
	t.Helper()
	f, err := os.Open(iso)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 32)
	if _, err := f.ReadAt(b, 0x8028); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// RepoRoot is the repository's top directory: the suites' tests run in
// their package's directory, two levels below it (test/e2e, test/selftest).
func RepoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}
