package logfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestRotatingLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	if err := os.WriteFile(path, bytes.Repeat([]byte("o"), 300), 0o600); err != nil {
		t.Fatal(err)
	}
	opened := 0
	l, err := Open(path, 100, func(*os.File) error { opened++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if old, _ := os.ReadFile(path + ".1"); len(old) != 300 {
		t.Errorf("a log over the limit at open was not rotated: .1 has %d bytes", len(old))
	}
	for i := 0; i < 10; i++ {
		fmt.Fprintf(l, "line %d: 0123456789012345678901234567890123456789\n", i)
	}
	cur, _ := os.ReadFile(path)
	old, _ := os.ReadFile(path + ".1")
	if len(cur) > 100 || len(old) > 100 || !bytes.HasSuffix(cur, []byte("line 9: 0123456789012345678901234567890123456789\n")) ||
		!bytes.Contains(old, []byte("line 7:")) {
		t.Errorf("after rotation: current %q, old %q", cur, old)
	}
	if opened != 1+1+4 { // first open, the rotation at open, then one per two lines (48 bytes each)
		t.Errorf("onOpen called %d times", opened)
	}
	big := bytes.Repeat([]byte("b"), 250)
	if n, err := l.Write(big); n != len(big) || err != nil {
		t.Errorf("write over the limit: %d, %v", n, err)
	}
}

func TestTail(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log")
	os.WriteFile(p, []byte("first line\nsecond line\nthird line\n"), 0o644)
	if got := Tail(p, 15); got != "third line\n" {
		t.Errorf("Tail = %q", got)
	}
	if got := Tail(p+".missing", 15); got != "" {
		t.Errorf("Tail of a missing file = %q", got)
	}
}
