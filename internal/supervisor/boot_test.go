package supervisor

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestRemovePIDFileOfOnlyItsOwn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hypervisor.pid")
	os.WriteFile(path, []byte("4242\n"), 0o644)
	if err := removePIDFileOf(path, 4343); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("another hypervisor's pidfile was removed: %v", err)
	}
	if err := removePIDFileOf(path, 4242); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("own pidfile left: %v", err)
	}
}
