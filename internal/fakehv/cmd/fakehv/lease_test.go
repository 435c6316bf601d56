package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLeaseEntryLayout: the entry is byte for byte the example of
// docs/facts.md §4, octets unpadded and lowercase.
func TestLeaseEntryLayout(t *testing.T) {
	mac := net.HardwareAddr{0x0a, 0x3b, 0x4c, 0x5d, 0x6e, 0x7f}
	got := leaseEntry("boot2docker", "192.168.64.2", mac, time.Unix(0x5f1e2b3c, 0))
	want := "{\n\tname=boot2docker\n\tip_address=192.168.64.2\n\thw_address=1,a:3b:4c:5d:6e:7f\n\tidentifier=1,a:3b:4c:5d:6e:7f\n\tlease=0x5f1e2b3c\n}\n"
	if got != want {
		t.Errorf("entry\n%s\nwant\n%s", got, want)
	}
	if got := bootpdMAC(net.HardwareAddr{0, 1, 0x10, 0xab, 0xc0, 0xff}); got != "0:1:10:ab:c0:ff" {
		t.Errorf("bootpdMAC = %q", got)
	}
}

// TestWriteLeaseReplacesByRename: a new entry goes in front of the old ones,
// which stay, and the file is a new one renamed over the old (a reader that
// opened the old file keeps reading it whole); no temporary file is left.
func TestWriteLeaseReplacesByRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dhcpd_leases")
	old := "{\n\tname=other\n\tip_address=192.168.64.9\n\thw_address=ff,1:2:3\n\tlease=0x1\n}\n"
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	reader, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	before, err := reader.Stat()
	if err != nil {
		t.Fatal(err)
	}
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	expiry := time.Unix(0x60000000, 0)
	if err := writeLease(path, "192.168.64.3", mac, expiry); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := leaseEntry("boot2docker", "192.168.64.3", mac, expiry) + old; string(data) != want {
		t.Errorf("leases\n%s\nwant\n%s", data, want)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(before, after) {
		t.Error("the lease file was rewritten in place, not replaced by rename")
	}
	if after.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644 as bootpd leaves it", after.Mode().Perm())
	}
	if kept, err := io.ReadAll(reader); err != nil || string(kept) != old {
		t.Errorf("a reader of the old file got %q, %v; want the old file whole", kept, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left beside the leases: %v", entries)
	}
	if err := writeLease(filepath.Join(dir, "missing", "dhcpd_leases"), "192.168.64.3", mac, expiry); err == nil || !strings.Contains(err.Error(), "write leases") {
		t.Errorf("into a missing directory: %v", err)
	}
}
