// Package isotest writes small ISO 9660 images for tests.
package isotest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdomanski/iso9660"
)

// Write makes an ISO image holding files (path -> content) in a temporary
// directory and returns its path.
func Write(t testing.TB, files map[string]string) string {
	t.Helper()
	w, err := iso9660.NewWriter()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Cleanup()
	for p, content := range files {
		if err := w.AddFile(strings.NewReader(content), p); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "test.iso")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := w.WriteTo(f, "b2d-v0.0.1"); err != nil {
		t.Fatal(err)
	}
	return out
}
