package b2diso

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// isoLinks is a store cache dir whose boot2docker.iso is made by make,
// with a regular file outside the store to link to.
func isoLinks(t *testing.T, make func(t *testing.T, iso, outside string)) (iso, outside string) {
	t.Helper()
	root := t.TempDir()
	cache := filepath.Join(root, "store", "cache")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	outside = filepath.Join(root, "elsewhere", "b2d.iso")
	if err := os.MkdirAll(filepath.Dir(outside), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outside, []byte("iso"), 0o644); err != nil {
		t.Fatal(err)
	}
	iso = filepath.Join(cache, "boot2docker.iso")
	make(t, iso, outside)
	return iso, outside
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func TestResolveCachedISO(t *testing.T) {
	tests := []struct {
		name    string
		make    func(t *testing.T, iso, outside string)
		want    string // "iso", "outside"
		wantErr error
	}{
		{"regular file", func(t *testing.T, iso, _ string) { os.WriteFile(iso, []byte("iso"), 0o600) }, "iso", nil},
		{"link out of the store", func(t *testing.T, iso, outside string) { mustSymlink(t, outside, iso) }, "outside", nil},
		{"relative link chain", func(t *testing.T, iso, outside string) {
			mid := filepath.Join(filepath.Dir(iso), "mid.iso")
			rel, _ := filepath.Rel(filepath.Dir(iso), outside)
			mustSymlink(t, rel, mid)
			mustSymlink(t, "mid.iso", iso)
		}, "outside", nil},
		{"dangling link", func(t *testing.T, iso, outside string) { mustSymlink(t, outside+".gone", iso) }, "", os.ErrNotExist},
		{"link to a directory", func(t *testing.T, iso, outside string) { mustSymlink(t, filepath.Dir(outside), iso) }, "", ErrNotRegular},
		{"link to a fifo", func(t *testing.T, iso, outside string) {
			fifo := outside + ".fifo"
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skip(err)
			}
			mustSymlink(t, fifo, iso)
		}, "", ErrNotRegular},
		{"directory", func(t *testing.T, iso, _ string) { os.Mkdir(iso, 0o700) }, "", ErrNotRegular},
		{"missing", func(t *testing.T, iso, _ string) {}, "", os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iso, outside := isoLinks(t, tt.make)
			got, err := ResolveCachedISO(iso)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ResolveCachedISO: %q, %v; want %v", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := iso
			if tt.want == "outside" {
				want, _ = filepath.EvalSymlinks(outside)
			}
			if got != want {
				t.Errorf("ResolveCachedISO = %q, want %q", got, want)
			}
			if info, err := os.Lstat(got); err != nil || !info.Mode().IsRegular() {
				t.Errorf("%s is not a regular file: %v", got, err)
			}
		})
	}
}

func TestCheckMachineISO(t *testing.T) {
	tests := []struct {
		name    string
		make    func(t *testing.T, iso, outside string)
		wantErr error
	}{
		{"regular file", func(t *testing.T, iso, _ string) { os.WriteFile(iso, []byte("iso"), 0o600) }, nil},
		{"planted link", func(t *testing.T, iso, outside string) { mustSymlink(t, outside, iso) }, ErrSymlink},
		{"dangling link", func(t *testing.T, iso, outside string) { mustSymlink(t, outside+".gone", iso) }, ErrSymlink},
		{"directory", func(t *testing.T, iso, _ string) { os.Mkdir(iso, 0o700) }, ErrNotRegular},
		{"missing", func(t *testing.T, iso, _ string) {}, os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iso, outside := isoLinks(t, tt.make)
			err := CheckMachineISO(iso)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr != nil && err == nil) {
				t.Fatalf("CheckMachineISO: %v, want %v", err, tt.wantErr)
			}
			if info, serr := os.Stat(outside); serr != nil || info.Mode().Perm() != 0o644 {
				t.Errorf("the file outside the store changed: %v %v", info.Mode(), serr)
			}
		})
	}
}
