package nfsserver

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestOneStepLookupAgreesWithTheWalk resolves names of every kind (deep,
// shallow, through symlinks inside and out of the share, missing, through a
// file) with the share's one-step lookups and with os.Root's walk alone:
// every answer must be the same, so that the fast path changes no result,
// containment included.
func TestOneStepLookupAgreesWithTheWalk(t *testing.T) {
	parent := t.TempDir()
	share, outside := filepath.Join(parent, "share"), filepath.Join(parent, "outside")
	for _, d := range []string{filepath.Join(share, "a", "b", "c"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(outside, "secret"), secretText)
	writeFile(t, filepath.Join(share, "a", "b", "c", "deep.txt"), "deep")
	writeFile(t, filepath.Join(share, "a", "b", "file.txt"), "file")
	for link, target := range map[string]string{
		"a/b/up":       "../../a",             // a directory inside, by ..
		"a/b/c/good":   "../file.txt",         // a file inside
		"a/b/c/escape": "../../../../outside", // out of the share
		"a/b/c/secret": filepath.Join(outside, "secret"),
		"a/b/c/dangle": "nowhere",
		"a/b/loop":     "loop",
	} {
		if err := os.Symlink(target, filepath.Join(share, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	tab, err := newHandleTable(16)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := openRootFS(share, tab)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fast.close() })
	walk := *fast
	walk.dir = nil // os.Root alone

	names := []string{
		"a", "a/b", "a/b/c", "a/b/c/deep.txt", "a/b/file.txt", "a/b/c/missing", "a/missing/x",
		"a/b/file.txt/x", "a/b/up/b/c/deep.txt", "a/b/c/good", "a/b/c/escape", "a/b/c/escape/secret",
		"a/b/c/secret", "a/b/c/dangle", "a/b/loop", "a/b/up", "a/b/../b/file.txt", "../outside/secret", ".",
	}
	for _, name := range names {
		for _, op := range []struct {
			what string
			do   func(*rootFS) (os.FileInfo, error)
		}{
			{"lstat", func(r *rootFS) (os.FileInfo, error) { return r.Lstat(name) }},
			{"stat", func(r *rootFS) (os.FileInfo, error) { return r.Stat(name) }},
			{"open", func(r *rootFS) (os.FileInfo, error) {
				f, err := r.OpenFile(name, os.O_RDONLY, 0)
				if err != nil {
					return nil, err
				}
				defer f.Close()
				return f.(*rootFile).Stat()
			}},
		} {
			got, gerr := op.do(fast)
			want, werr := op.do(&walk)
			if describe(got, gerr) != describe(want, werr) {
				t.Errorf("%s %q: one step gave %s, the walk %s", op.what, name, describe(got, gerr), describe(want, werr))
			}
		}
	}

	// Creating deep down takes the one-step open and lands in the share.
	f, err := fast.OpenFile("a/b/c/new.txt", os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi, err := os.Lstat(filepath.Join(share, "a", "b", "c", "new.txt")); err != nil || fi.Mode().Perm()&^0o640 != 0 {
		t.Errorf("created file: %v, %v", fi, err)
	}
	if _, err := fast.OpenFile("a/b/c/escape/made", os.O_RDWR|os.O_CREATE, 0o644); err == nil {
		t.Error("a create through a symlink out of the share succeeded")
	}
	if _, err := os.Lstat(filepath.Join(outside, "made")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file appeared outside the share: %v", err)
	}
}

// describe is what a lookup answered, as far as NFS sees it: the kind of
// error, or the entry's name, type and size.
func describe(fi os.FileInfo, err error) string {
	switch {
	case err == nil:
		return fi.Name() + " " + fi.Mode().Type().String() + " " + string(rune('0'+fi.Size()%10))
	case os.IsNotExist(err):
		return "not exist"
	case os.IsPermission(err):
		return "permission"
	default:
		return "error"
	}
}
