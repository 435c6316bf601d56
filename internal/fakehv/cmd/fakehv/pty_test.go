package main

import (
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// TestOpenPTY: the master's slave is where the platform names its ptys, and
// what the fake writes to the master is read on the slave, as a user
// attached to the console reads the guest.
func TestOpenPTY(t *testing.T) {
	m, name, err := openPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	prefix := map[string]string{"linux": "/dev/pts/", "darwin": "/dev/ttys"}[runtime.GOOS]
	if !strings.HasPrefix(name, prefix) {
		t.Errorf("slave %q, want a name under %s", name, prefix)
	}
	// Open the slave first: BSD ptys may hold a write to the master until the
	// slave is open, and a blocked write must not hang the test.
	s, err := os.OpenFile(name, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The slave is a terminal: the console tools a user runs need one.
	if fi, err := s.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("slave %s (%v), want a character device", name, err)
	}
	go m.WriteString("console line\n")
	if got := readUntil(s, "console line"); !strings.Contains(got, "console line") {
		t.Errorf("slave read %q", got)
	}
}
