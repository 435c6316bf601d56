package nfsserver

import (
	"os"
	"path/filepath"
	"testing"

	nfsc "github.com/willscott/go-nfs-client/nfs"
)

// escapeFixture is a share next to an outside directory holding a secret,
// with host-made symlinks of every kind.
type escapeFixture struct {
	share, outside, secret string
	tgt                    *nfsc.Target
}

const secretText = "outside the share"

func newEscapeFixture(t *testing.T) *escapeFixture {
	t.Helper()
	parent := t.TempDir()
	f := &escapeFixture{share: filepath.Join(parent, "share"), outside: filepath.Join(parent, "outside")}
	f.secret = filepath.Join(f.outside, "secret")
	for _, d := range []string{filepath.Join(f.share, "sub"), f.outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, f.secret, secretText)
	writeFile(t, filepath.Join(f.share, "inside.txt"), "inside")
	for link, target := range map[string]string{
		"abs":         f.secret,
		"rel":         "../outside/secret",
		"absdir":      f.outside,
		"reldir":      "../outside",
		"sub/deeprel": "../../outside/secret",
		"good":        "inside.txt",
		"sub/good":    "../inside.txt",
	} {
		if err := os.Symlink(target, filepath.Join(f.share, link)); err != nil {
			t.Fatal(err)
		}
	}
	ts := startServer(t, []string{f.share}, nil)
	f.tgt = mount(t, ts.addr, f.share)
	return f
}

// assertSealed checks that nothing outside can be read, written or listed
// through link, and that the secret is untouched.
func (f *escapeFixture) assertSealed(t *testing.T, link string) {
	t.Helper()
	if b, err := readAll(f.tgt, link); err == nil {
		t.Errorf("read through %s: got %q", link, b)
	}
	if w, err := f.tgt.OpenFile(link, 0o644); err == nil {
		if _, err := w.Write([]byte("overwritten")); err == nil {
			t.Errorf("write through %s succeeded", link)
		}
	}
	if es, err := f.tgt.ReadDirPlus(link); err == nil {
		t.Errorf("listing through %s: %d entries", link, len(es))
	}
	if b, err := readAll(f.tgt, link+"/secret"); err == nil {
		t.Errorf("read of %s/secret: got %q", link, b)
	}
	if b, err := os.ReadFile(f.secret); err != nil || string(b) != secretText {
		t.Errorf("secret after %s: %q, %v", link, b, err)
	}
}

func TestHostSymlinksCannotEscape(t *testing.T) {
	f := newEscapeFixture(t)
	for _, link := range []string{"abs", "rel", "absdir", "reldir", "sub/deeprel"} {
		f.assertSealed(t, link)
	}
	for link, want := range map[string]string{"abs": f.secret, "rel": "../outside/secret", "sub/deeprel": "../../outside/secret"} {
		l, err := f.tgt.Open(link)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := l.Readlink(); err != nil || got != want {
			t.Errorf("readlink %s: %q, %v, want %q", link, got, err, want)
		}
	}
}

func TestGuestSymlinksCannotEscape(t *testing.T) {
	f := newEscapeFixture(t)
	for link, target := range map[string]string{
		"gabs":         f.secret,
		"grel":         "../outside/secret",
		"gdir":         f.outside,
		"sub/gdeeprel": "../../outside/secret",
		"getc":         "/etc",
	} {
		if err := f.tgt.Symlink(target, link); err != nil {
			t.Fatalf("symlink %s: %v", link, err)
		}
		fi, err := os.Lstat(filepath.Join(f.share, link))
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("%s on the host: %v, %v; want a symlink", link, fi, err)
		}
		f.assertSealed(t, link)
		l, err := f.tgt.Open(link)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := l.Readlink(); err != nil || got != target {
			t.Errorf("readlink %s: %q, %v, want %q", link, got, err, target)
		}
	}
	if b, err := readAll(f.tgt, "getc/passwd"); err == nil {
		t.Errorf("read getc/passwd: %d bytes", len(b))
	}
}

func TestSymlinkInsideShareWorks(t *testing.T) {
	f := newEscapeFixture(t)
	for _, link := range []string{"good", "sub/good"} {
		if b, err := readAll(f.tgt, link); err != nil || string(b) != "inside" {
			t.Errorf("read through %s: %q, %v", link, b, err)
		}
	}
}

func TestDotDotStaysInShare(t *testing.T) {
	f := newEscapeFixture(t)
	root := rootHandle(t, f.tgt)
	if st := lookupStatus(t, f.tgt, root, ".."); st == 0 {
		t.Error("LOOKUP .. at the share root succeeded")
	}
	for _, name := range []string{"../outside", "../outside/secret", "sub/../../outside/secret", "/etc/passwd"} {
		if st := lookupStatus(t, f.tgt, root, name); st == 0 {
			t.Errorf("LOOKUP %q at the share root succeeded", name)
		}
	}
	if b, err := readAll(f.tgt, "../outside/secret"); err == nil {
		t.Errorf("read ../outside/secret: %q", b)
	}
	if st := renameStatus(t, f.tgt, root, "inside.txt", "../outside/moved"); st == 0 {
		t.Error("RENAME to ../outside/moved succeeded")
	}
	if st := renameStatus(t, f.tgt, root, "../outside/secret", "stolen"); st == 0 {
		t.Error("RENAME of ../outside/secret succeeded")
	}
	if _, err := os.Lstat(filepath.Join(f.outside, "moved")); !os.IsNotExist(err) {
		t.Errorf("outside/moved: %v, want it absent", err)
	}
	// Inside the share, .. is the parent as usual.
	_, sub, err := f.tgt.Lookup("sub")
	if err != nil {
		t.Fatal(err)
	}
	if st := lookupStatus(t, f.tgt, sub, ".."); st != 0 {
		t.Errorf("LOOKUP .. in sub: status %d", st)
	}
}
