package nfsserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
	"github.com/willscott/go-nfs-client/nfs/xdr"
)

const nfs3ErrStale = 70

func newTestTable(t *testing.T, limit int, shares ...string) (*handleTable, []*rootFS) {
	t.Helper()
	tab, err := newHandleTable(limit)
	if err != nil {
		t.Fatal(err)
	}
	var fss []*rootFS
	for _, s := range shares {
		fs, err := openRootFS(s, tab)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := fs.close(); err != nil {
				t.Error(err)
			}
		})
		if err := tab.addRoot(fs); err != nil {
			t.Fatal(err)
		}
		fss = append(fss, fs)
	}
	return tab, fss
}

func TestHandleTableStaysBounded(t *testing.T) {
	tab, fss := newTestTable(t, 1000, t.TempDir())
	first := tab.toHandle(fss[0], []string{"dir", "first"})
	for i := range 100_000 {
		tab.toHandle(fss[0], []string{"dir", fmt.Sprintf("a-rather-long-file-name-%d", i)})
	}
	if ids, paths := tab.size(); ids != 1000 || paths != 1000 {
		t.Fatalf("after 100,000 names with limit 1000: %d ids, %d paths", ids, paths)
	}
	if _, _, err := tab.fromHandle(first); !errors.Is(err, errStaleHandle) {
		t.Fatalf("evicted handle: %v, want errStaleHandle", err)
	}
	// The share root never expires.
	root := tab.toHandle(fss[0], nil)
	if fs, p, err := tab.fromHandle(root); err != nil || fs != fss[0] || len(p) != 0 {
		t.Fatalf("root handle: %v %v %v", fs, p, err)
	}
}

func TestHandleTableMemory(t *testing.T) {
	const n = 20000
	tab, fss := newTestTable(t, n, t.TempDir())
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		tab.toHandle(fss[0], []string{"src", "github.com", fmt.Sprintf("file-%06d.go", i)})
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(tab)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	t.Logf("%d bytes per handle", per)
	if per > 400 {
		t.Fatalf("%d bytes per handle, over the 400 that handleLimit is sized for", per)
	}
}

func TestHandlesResolveAndAreCopies(t *testing.T) {
	tab, fss := newTestTable(t, 100, t.TempDir(), t.TempDir())
	a := tab.toHandle(fss[0], []string{"x", "y"})
	b := tab.toHandle(fss[1], []string{"x", "y"})
	if string(a) == string(b) {
		t.Fatal("the same path in two shares got one handle")
	}
	if again := tab.toHandle(fss[0], []string{"x", "y"}); string(again) != string(a) {
		t.Fatal("a path got a second handle")
	}
	fs, p, err := tab.fromHandle(a)
	if err != nil || fs != fss[0] || filepath.Join(p...) != "x/y" {
		t.Fatalf("fromHandle: %v %v %v", fs, p, err)
	}
	_ = append(p[:1], "clobbered") // writes into p's array if shared
	if _, p2, _ := tab.fromHandle(a); filepath.Join(p2...) != "x/y" {
		t.Fatalf("a caller's append changed the table: %v", p2)
	}
	for _, h := range [][]byte{nil, []byte("short"), make([]byte, 16)} {
		if _, _, err := tab.fromHandle(h); !errors.Is(err, errStaleHandle) {
			t.Errorf("handle %x: %v, want errStaleHandle", h, err)
		}
	}
}

func TestRootHandleSurvivesRestart(t *testing.T) {
	share := t.TempDir()
	old, oldFS := newTestTable(t, 100, share)
	root := old.toHandle(oldFS[0], nil)
	file := old.toHandle(oldFS[0], []string{"f"})

	restarted, newFS := newTestTable(t, 100, share)
	if fs, _, err := restarted.fromHandle(root); err != nil || fs != newFS[0] {
		t.Fatalf("root handle after restart: %v, %v", fs, err)
	}
	// Its id may be handed out again: it must not name that file.
	restarted.toHandle(newFS[0], []string{"g"})
	if _, _, err := restarted.fromHandle(file); !errors.Is(err, errStaleHandle) {
		t.Fatalf("handle of the previous run: %v, want errStaleHandle", err)
	}
}

func TestMovedFollowsTree(t *testing.T) {
	tab, fss := newTestTable(t, 100, t.TempDir())
	fs := fss[0]
	d := tab.toHandle(fs, []string{"d"})
	dx := tab.toHandle(fs, []string{"d", "x"})
	dd := tab.toHandle(fs, []string{"dd"}) // shares the prefix, not the tree
	e := tab.toHandle(fs, []string{"e"})   // replaced by the rename
	ey := tab.toHandle(fs, []string{"e", "y"})
	tab.moved(fs, "d", "e", true)
	for h, want := range map[string]string{string(d): "e", string(dx): "e/x", string(dd): "dd"} {
		if _, p, err := tab.fromHandle([]byte(h)); err != nil || filepath.Join(p...) != want {
			t.Errorf("after d moved to e: %v, %v; want %s", p, err, want)
		}
	}
	for _, h := range [][]byte{e, ey} {
		if _, _, err := tab.fromHandle(h); !errors.Is(err, errStaleHandle) {
			t.Errorf("handle of the replaced tree: %v, want errStaleHandle", err)
		}
	}
	if again := tab.toHandle(fs, []string{"e", "x"}); string(again) != string(dx) {
		t.Error("e/x got a new handle instead of the one that followed it")
	}
	if fresh := tab.toHandle(fs, []string{"d", "x"}); string(fresh) == string(dx) {
		t.Error("a new d/x got the handle of the moved file")
	}

	f := tab.toHandle(fs, []string{"f"})
	g := tab.toHandle(fs, []string{"g"})
	tab.moved(fs, "f", "g", false)
	if _, p, err := tab.fromHandle(f); err != nil || filepath.Join(p...) != "g" {
		t.Errorf("after f moved to g: %v, %v", p, err)
	}
	if _, _, err := tab.fromHandle(g); !errors.Is(err, errStaleHandle) {
		t.Errorf("handle of the replaced g: %v, want errStaleHandle", err)
	}
	tab.forget(fs, "g")
	if _, _, err := tab.fromHandle(f); !errors.Is(err, errStaleHandle) {
		t.Errorf("handle of a removed file: %v, want errStaleHandle", err)
	}
	if ids, paths := tab.size(); ids != paths {
		t.Errorf("%d ids against %d paths", ids, paths)
	}
}

func TestEvictedHandleIsStaleOverNFS(t *testing.T) {
	share := t.TempDir()
	for i := range 20 {
		writeFile(t, filepath.Join(share, fmt.Sprint(i)), "")
	}
	ts := startServer(t, []string{share}, nil)
	ts.handles.limit = 8
	tgt := mount(t, ts.addr, share)
	_, h0, err := tgt.Lookup("0")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 20; i++ {
		if _, _, err := tgt.Lookup(fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if st, _ := getattr(t, tgt, h0); st != nfs3ErrStale {
		t.Fatalf("GETATTR of an evicted handle: status %d, want NFS3ERR_STALE", st)
	}
	_, h, err := tgt.Lookup("0")
	if err != nil {
		t.Fatalf("lookup again after eviction: %v", err)
	}
	if st, _ := getattr(t, tgt, h); st != 0 {
		t.Fatalf("GETATTR of the new handle: status %d", st)
	}
}

// getattr returns the attributes GETATTR gives for fh.
func getattr(t *testing.T, tgt *nfsc.Target, fh []byte) (uint32, nfsc.Fattr) {
	t.Helper()
	type getattrArgs struct {
		rpc.Header
		FH []byte
	}
	res, err := tgt.Call(&getattrArgs{nfsHeader(nfsc.NFSProc3GetAttr), fh})
	if err != nil {
		t.Fatal(err)
	}
	st, err := xdr.ReadUint32(res)
	if err != nil {
		t.Fatal(err)
	}
	if st != 0 {
		return st, nfsc.Fattr{}
	}
	var attr nfsc.Fattr
	if err := xdr.Read(res, &attr); err != nil {
		t.Fatal(err)
	}
	return st, attr
}

func TestHandleFollowsGuestRename(t *testing.T) {
	share := t.TempDir()
	ts := startServer(t, []string{share}, nil)
	tgt := mount(t, ts.addr, share)
	if _, err := tgt.Mkdir("d", 0o755); err != nil {
		t.Fatal(err)
	}
	hx, err := tgt.Create("d/x", 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := tgt.Rename("d", "e"); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(share, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(share, "d", "x"), "a different file")
	st, attr := getattr(t, tgt, hx)
	if st != 0 || attr.Fileid != inode(t, filepath.Join(share, "e", "x")) || attr.Filesize != 0 {
		t.Fatalf("GETATTR of d/x's handle after d moved to e: status %d, %+v; want e/x", st, attr)
	}

	ht, err := tgt.Create("t", 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tgt.Create("u", 0o644); err != nil {
		t.Fatal(err)
	}
	if err := tgt.Rename("u", "t"); err != nil {
		t.Fatal(err)
	}
	if st, _ := getattr(t, tgt, ht); st != nfs3ErrStale {
		t.Fatalf("GETATTR of a file replaced by a rename: status %d, want NFS3ERR_STALE", st)
	}
}

// inode returns the inode number of a host file.
func inode(t *testing.T, name string) uint64 {
	t.Helper()
	fi, err := os.Lstat(name)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		t.Fatalf("%s: no stat_t", name)
	}
	return st.Ino
}
