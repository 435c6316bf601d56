package b2diso

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso/isotest"
)

// BenchmarkEnsureUnchanged measures what every start pays to learn that the
// ISO did not change: hashing it (here 64 MB, boot2docker's size).
func BenchmarkEnsureUnchanged(b *testing.B) {
	kernel := make([]byte, 8<<20)
	rand.Read(kernel)
	initrd := bytes.Repeat([]byte("initrd"), 56<<20/6)
	iso := isotest.Write(b, map[string]string{"boot/vmlinuz": string(kernel), "boot/initrd.img": string(initrd), "isolinux/isolinux.cfg": newCfg})
	dir := b.TempDir()
	dst := Dest{filepath.Join(dir, "vmlinuz"), filepath.Join(dir, "initrd.img"), filepath.Join(dir, "boot.json")}
	if _, _, err := Ensure(iso, "", "", dst); err != nil {
		b.Fatal(err)
	}
	info, _ := os.Stat(iso)
	b.SetBytes(info.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, extracted, err := Ensure(iso, "", "", dst); err != nil || extracted {
			b.Fatal(extracted, err)
		}
	}
}

// BenchmarkExtract measures a first start or an upgrade: inspect and copy out.
func BenchmarkExtract(b *testing.B) {
	kernel := make([]byte, 8<<20)
	rand.Read(kernel)
	iso := isotest.Write(b, map[string]string{"boot/vmlinuz": string(kernel), "boot/initrd.img": string(kernel), "isolinux/isolinux.cfg": newCfg})
	dir := b.TempDir()
	dst := Dest{filepath.Join(dir, "vmlinuz"), filepath.Join(dir, "initrd.img"), filepath.Join(dir, "boot.json")}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		os.Remove(dst.Record)
		if _, extracted, err := Ensure(iso, "", "", dst); err != nil || !extracted {
			b.Fatal(extracted, err)
		}
	}
}
