package disk

import (
	"archive/tar"
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/crypto/ssh"
)

func publicKey(t *testing.T) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048) // libmachine's key type and size
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return ssh.MarshalAuthorizedKey(pub)
}

func TestCreate(t *testing.T) {
	pub := publicKey(t)
	path := filepath.Join(t.TempDir(), "disk.img")
	const sizeMB = 20000
	if err := Create(path, sizeMB, pub); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() != sizeMB*1024*1024 {
		t.Errorf("apparent size %d, want %d", info.Size(), sizeMB*1024*1024)
	}
	if allocated := info.Sys().(*syscall.Stat_t).Blocks * 512; allocated > 1024*1024 {
		t.Errorf("disk not sparse: %d bytes allocated for %d MB", allocated, sizeMB)
	}

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// boot2docker keeps only the first 4 KiB: the whole tar must be in it.
	head := make([]byte, UserdataLimit)
	if _, err := io.ReadFull(f, head); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(head))
	got := map[string]string{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("tar within the first 4096 bytes does not parse: %v", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		got[hdr.Name] = string(data)
	}
	if got[Magic] != Magic {
		t.Errorf("magic member missing or wrong: %q", got[Magic])
	}
	if got[".ssh/authorized_keys"] != string(pub) {
		t.Errorf("authorized_keys = %q, want the public key", got[".ssh/authorized_keys"])
	}
	first, _ := tar.NewReader(bytes.NewReader(head)).Next()
	if first.Name != Magic {
		t.Errorf("first member is %q, boot2docker looks for %q first", first.Name, Magic)
	}
}

func TestCreateRefusesExisting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(path, []byte("precious data"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Create(path, 2000, publicKey(t)); !errors.Is(err, os.ErrExist) {
		t.Fatalf("err = %v, want ErrExist", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "precious data" {
		t.Errorf("existing disk overwritten: %q", data)
	}
}

func TestUserdataLimit(t *testing.T) {
	if _, err := Userdata(bytes.Repeat([]byte("k"), 3000)); err == nil || !strings.Contains(err.Error(), "4096") {
		t.Errorf("oversized key: err %v", err)
	}
	path := filepath.Join(t.TempDir(), "disk.img")
	if err := Create(path, 2000, bytes.Repeat([]byte("k"), 3000)); err == nil {
		t.Fatal("oversized userdata accepted")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("failed create left %s: %v", path, err)
	}
}
