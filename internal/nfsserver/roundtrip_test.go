package nfsserver

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"testing"

	nfsc "github.com/willscott/go-nfs-client/nfs"
)

// hostOwner returns the uid and gid of a host file.
func hostOwner(t *testing.T, name string) (uint32, uint32) {
	t.Helper()
	fi, err := os.Lstat(name)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		t.Fatalf("%s: no stat_t", name)
	}
	return st.Uid, st.Gid
}

func TestRoundTrip(t *testing.T) {
	share := t.TempDir()
	writeFile(t, filepath.Join(share, "host.txt"), "made on the host\n")
	ts := startServer(t, []string{share}, nil)
	tgt := mount(t, ts.addr, share)

	if b, err := readAll(tgt, "host.txt"); err != nil || string(b) != "made on the host\n" {
		t.Fatalf("read host.txt: %q, %v", b, err)
	}

	w, err := tgt.OpenFile("guest.txt", 0o640)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("made in the guest\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	guest := filepath.Join(share, "guest.txt")
	if b, err := os.ReadFile(guest); err != nil || string(b) != "made in the guest\n" {
		t.Fatalf("guest.txt on the host: %q, %v", b, err)
	}
	if fi, err := os.Stat(guest); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("guest.txt mode: %v, %v; want 0640", fi, err)
	}
	if uid, _ := hostOwner(t, guest); uid != uint32(os.Getuid()) {
		t.Errorf("guest.txt owned by uid %d, want the server's %d", uid, os.Getuid())
	}

	// CREATE (UNCHECKED) of a name that exists keeps the host's data.
	if _, err := tgt.Create("host.txt", 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(share, "host.txt")); err != nil || string(b) != "made on the host\n" {
		t.Errorf("host.txt after CREATE: %q, %v; want it untouched", b, err)
	}
	if err := tgt.Setattr("guest.txt", nfsc.Sattr3{Size: nfsc.SetSize{SetIt: true, Size: 4}}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(guest); err != nil || string(b) != "made" {
		t.Errorf("guest.txt after truncate to 4: %q, %v", b, err)
	}

	if _, err := tgt.Mkdir("dir", 0o755); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(share, "dir")); err != nil || !fi.IsDir() {
		t.Fatalf("dir on the host: %v, %v", fi, err)
	}
	if _, err := tgt.Create("dir/new", 0o600); err != nil {
		t.Fatal(err)
	}
	if err := tgt.Rename("dir/new", "dir/renamed"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(share, "dir/renamed")); err != nil {
		t.Errorf("renamed file on the host: %v", err)
	}
	if _, err := os.Stat(filepath.Join(share, "dir/new")); !os.IsNotExist(err) {
		t.Errorf("old name on the host: %v, want it gone", err)
	}
	if err := tgt.Remove("dir/renamed"); err != nil {
		t.Fatal(err)
	}
	if err := tgt.RmDir("dir"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(share, "dir")); !os.IsNotExist(err) {
		t.Errorf("removed dir on the host: %v, want it gone", err)
	}
}

func TestChownIsNoOp(t *testing.T) {
	share := t.TempDir()
	name := filepath.Join(share, "f")
	writeFile(t, name, "x")
	uid, gid := hostOwner(t, name)
	ts := startServer(t, []string{share}, nil)
	tgt := mount(t, ts.addr, share)

	// Another owner than the file's, even when the test runs as root (and
	// a real chown would work).
	other := uid + 4242
	err := tgt.Setattr("f", nfsc.Sattr3{
		UID: nfsc.SetUID{SetIt: true, UID: other},
		GID: nfsc.SetUID{SetIt: true, UID: gid + 4242},
	})
	if err != nil {
		t.Fatalf("setattr uid/gid: %v, want success", err)
	}
	if u, g := hostOwner(t, name); u != uid || g != gid {
		t.Errorf("owner after guest chown: %d:%d, want %d:%d", u, g, uid, gid)
	}
	// A mode change in the same call still applies.
	err = tgt.Setattr("f", nfsc.Sattr3{
		Mode: nfsc.SetMode{SetIt: true, Mode: 0o600},
		UID:  nfsc.SetUID{SetIt: true, UID: other},
	})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(name); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after setattr: %v, %v; want 0600", fi, err)
	}
}

func TestReadDirManyFiles(t *testing.T) {
	share := t.TempDir()
	const n = 1500
	var want []string
	for i := range n {
		name := fmt.Sprintf("file-%04d.txt", i)
		want = append(want, name)
		writeFile(t, filepath.Join(share, name), "")
	}
	ts := startServer(t, []string{share}, nil)
	tgt := mount(t, ts.addr, share)
	es, err := tgt.ReadDirPlus(".")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Name())
		if e.Size() != 0 || e.IsDir() {
			t.Fatalf("%s: size %d dir %v", e.Name(), e.Size(), e.IsDir())
		}
	}
	sort.Strings(got)
	if len(got) != n {
		t.Fatalf("listed %d entries, want %d", len(got), n)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entry %d: %q, want %q", i, got[i], want[i])
		}
	}
}
