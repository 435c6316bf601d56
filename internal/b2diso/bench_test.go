package b2diso

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"os"
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
	dst := testDest(dir, false)
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
	dst := testDest(dir, false)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		os.Remove(dst.Record)
		if _, extracted, err := Ensure(iso, "", "", dst); err != nil || !extracted {
			b.Fatal(extracted, err)
		}
	}
}

// BenchmarkExtractFullSize is BenchmarkExtract at boot2docker's size: an 8 MB
// kernel and a 52 MB initrd, so a slower reader shows in the figures.
func BenchmarkExtractFullSize(b *testing.B) {
	kernel := make([]byte, 8<<20)
	rand.Read(kernel)
	initrd := bytes.Repeat([]byte("initrd"), 52<<20/6)
	iso := isotest.Write(b, map[string]string{"boot/vmlinuz": string(kernel), "boot/initrd.img": string(initrd), "isolinux/isolinux.cfg": newCfg})
	dir := b.TempDir()
	dst := testDest(dir, false)
	b.SetBytes(int64(len(kernel) + len(initrd)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := os.Remove(dst.Record); err != nil && !errors.Is(err, os.ErrNotExist) {
			b.Fatal(err)
		}
		if _, extracted, err := Ensure(iso, "", "", dst); err != nil || !extracted {
			b.Fatal(extracted, err)
		}
	}
}

// BenchmarkReadBootFiles measures the reader alone, without the disk: inspect
// a 60 MB ISO in memory and read its kernel and initrd.
func BenchmarkReadBootFiles(b *testing.B) {
	kernel := make([]byte, 8<<20)
	rand.Read(kernel)
	initrd := bytes.Repeat([]byte("initrd"), 52<<20/6)
	img, err := os.ReadFile(isotest.Write(b, map[string]string{"boot/vmlinuz": string(kernel), "boot/initrd.img": string(initrd), "isolinux/isolinux.cfg": newCfg}))
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(kernel) + len(initrd)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bf, err := Inspect(bytes.NewReader(img), "", "")
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range []string{bf.Kernel, bf.Initrd} {
			r, size, err := Open(bytes.NewReader(img), p)
			if err != nil {
				b.Fatal(err)
			}
			// io.Discard hidden, so the copy goes through buf as to a file
			if n, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, r, buf); err != nil || n != size {
				b.Fatal(n, err)
			}
		}
	}
}
