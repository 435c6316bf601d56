package download

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func payload(t *testing.T, n int) ([]byte, Want) {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return b, Want{Size: int64(n), SHA256: hex.EncodeToString(sum[:])}
}

// leftovers lists the directory's entries other than want.
func leftovers(t *testing.T, dir string, want ...string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var extra []string
	for _, e := range ents {
		if !strings.Contains(strings.Join(want, "\n"), e.Name()) {
			extra = append(extra, e.Name())
		}
	}
	return extra
}

func TestFileThroughRedirect(t *testing.T) {
	data, want := payload(t, 3<<20)
	assets := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "x.iso", time.Time{}, strings.NewReader(string(data)))
	}))
	defer assets.Close()
	front := httptest.NewTLSServer(http.RedirectHandler(assets.URL+"/asset", http.StatusFound))
	defer front.Close()

	dst := filepath.Join(t.TempDir(), "x.iso")
	var last, calls int64
	err := File(context.Background(), front.URL+"/x.iso", dst, want, Options{
		Client:   front.Client(),
		Progress: func(done, total int64) { last, calls = done, calls+1; _ = total },
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(dst)
	if err != nil || string(got) != string(data) {
		t.Fatalf("dst differs from what was served (err %v)", err)
	}
	if fi, _ := os.Stat(dst); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if last != want.Size || calls < 2 {
		t.Errorf("progress ended at %d after %d calls, want %d", last, calls, want.Size)
	}
	if err := Verify(dst, want); err != nil {
		t.Errorf("Verify of the download: %v", err)
	}
}

// Every way the served bytes can differ is refused, the file already at dst
// is kept, and no temporary file is left.
func TestFileRefused(t *testing.T) {
	data, want := payload(t, 64<<10)
	tampered := append([]byte(nil), data...)
	tampered[len(tampered)/2] ^= 1
	cases := map[string]struct {
		handler http.HandlerFunc
		wantErr error
		text    string
	}{
		"tampered": {func(w http.ResponseWriter, r *http.Request) { w.Write(tampered) }, ErrDigest, "sha256"},
		"announced longer": {func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(data)+1))
			w.Write(append(data, 0))
		}, ErrSize, "announces"},
		"endless": {func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush() // chunked: no length announced
			for range 100 {
				if _, err := w.Write(data); err != nil {
					return
				}
			}
		}, ErrSize, "or more bytes"},
		"short": {func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush()
			w.Write(data[:100])
		}, ErrSize, "100 bytes"},
		"not found": {func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, nil, "404 Not Found"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewTLSServer(tc.handler)
			defer srv.Close()
			dir := t.TempDir()
			dst := filepath.Join(dir, "x.iso")
			if err := os.WriteFile(dst, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			err := File(context.Background(), srv.URL+"/x.iso", dst, want, Options{Client: srv.Client()})
			if err == nil || !strings.Contains(err.Error(), tc.text) || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
				t.Fatalf("got %v, want %v containing %q", err, tc.wantErr, tc.text)
			}
			if got, _ := os.ReadFile(dst); string(got) != "old" {
				t.Errorf("dst changed to %d bytes", len(got))
			}
			if extra := leftovers(t, dir, "x.iso"); len(extra) > 0 {
				t.Errorf("left behind: %v", extra)
			}
		})
	}
}

func TestFileStalls(t *testing.T) {
	data, want := payload(t, 64<<10)
	release := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data[:1000])
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	dst := filepath.Join(t.TempDir(), "x.iso")
	err := File(context.Background(), srv.URL, dst, want, Options{Client: srv.Client(), Stall: 200 * time.Millisecond})
	if !errors.Is(err, ErrStalled) {
		t.Fatalf("got %v, want ErrStalled", err)
	}
}

func TestNoDowngradeRedirect(t *testing.T) {
	_, want := payload(t, 10)
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	srv := httptest.NewTLSServer(http.RedirectHandler(plain.URL+"/x", http.StatusFound))
	defer srv.Close()
	client := NewClient()
	client.Transport = srv.Client().Transport
	err := File(context.Background(), srv.URL, filepath.Join(t.TempDir(), "x"), want, Options{Client: client})
	if err == nil || !strings.Contains(err.Error(), "refused redirect from https") {
		t.Fatalf("got %v, want the downgrade refused", err)
	}
}

func TestVerify(t *testing.T) {
	data, want := payload(t, 1000)
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Verify(path, want); err != nil {
		t.Fatal(err)
	}
	if err := Verify(path, Want{Size: want.Size, SHA256: strings.Repeat("0", 64)}); !errors.Is(err, ErrDigest) {
		t.Errorf("other sha256: got %v", err)
	}
	if err := Verify(path, Want{Size: 999, SHA256: want.SHA256}); !errors.Is(err, ErrSize) {
		t.Errorf("other size: got %v", err)
	}
	if err := Verify(path+".missing", want); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v", err)
	}
}
