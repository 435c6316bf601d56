package nfsserver

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	nfsc "github.com/willscott/go-nfs-client/nfs"
)

const benchFileSize = 32 << 20

// benchChunks are the transfer sizes of one call: the Linux client's
// default rsize/wsize against a go-nfs server (1 MiB, its maximum, since
// go-nfs offers 1 GiB) and a small mount option.
var benchChunks = []int{64 << 10, 1 << 20}

func BenchmarkSequentialWrite(b *testing.B) {
	share := b.TempDir()
	ts := startServer(b, []string{share}, nil)
	tgt := mount(b, ts.addr, share)
	for _, chunk := range benchChunks {
		b.Run(fmt.Sprintf("chunk=%dKiB", chunk>>10), func(b *testing.B) {
			buf := make([]byte, chunk)
			b.SetBytes(benchFileSize)
			for b.Loop() {
				f, err := tgt.OpenFile("w.bin", 0o644)
				if err != nil {
					b.Fatal(err)
				}
				for off := 0; off < benchFileSize; off += chunk {
					if _, err := f.Write(buf); err != nil {
						b.Fatal(err)
					}
				}
				if err := f.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if fi, err := os.Stat(filepath.Join(share, "w.bin")); err != nil || fi.Size() != benchFileSize {
				b.Fatalf("written file: %v, %v", fi, err)
			}
		})
	}
}

func BenchmarkSequentialRead(b *testing.B) {
	share := b.TempDir()
	if err := os.WriteFile(filepath.Join(share, "r.bin"), make([]byte, benchFileSize), 0o644); err != nil {
		b.Fatal(err)
	}
	ts := startServer(b, []string{share}, nil)
	tgt := mount(b, ts.addr, share)
	for _, chunk := range benchChunks {
		b.Run(fmt.Sprintf("chunk=%dKiB", chunk>>10), func(b *testing.B) {
			buf := make([]byte, chunk)
			b.SetBytes(benchFileSize)
			for b.Loop() {
				f, err := tgt.Open("r.bin")
				if err != nil {
					b.Fatal(err)
				}
				total := 0
				for {
					n, err := f.ReadAt(buf, int64(total))
					total += n
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				if total != benchFileSize {
					b.Fatalf("read %d bytes, want %d", total, benchFileSize)
				}
			}
		})
	}
}

// BenchmarkSmallFiles creates, writes and sets the times of 100 small files
// per op, as an untar does (CREATE, WRITE, SETATTR; plus the LOOKUPs the
// client makes), two directories deep as make bench's untar.
func BenchmarkSmallFiles(b *testing.B) {
	share := b.TempDir()
	ts := startServer(b, []string{share}, nil)
	tgt := mount(b, ts.addr, share)
	if _, err := tgt.Mkdir("tree", 0o755); err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 2<<10)
	mtime := nfsc.Sattr3{Mtime: nfsc.SetTime{SetIt: nfsc.SetToClientTime, Time: nfsc.NFS3Time{Seconds: 1}}}
	n := 0
	for b.Loop() {
		dir := fmt.Sprintf("tree/d%d", n)
		n++
		if _, err := tgt.Mkdir(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		for i := range 100 {
			name := fmt.Sprintf("%s/f%03d", dir, i)
			f, err := tgt.OpenFile(name, 0o644)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := f.Write(data); err != nil {
				b.Fatal(err)
			}
			if err := f.Close(); err != nil {
				b.Fatal(err)
			}
			if err := tgt.Setattr(name, mtime); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkReadDirPlus lists a directory of 1,000 files per op, attributes
// and handles included.
func BenchmarkReadDirPlus(b *testing.B) {
	share := b.TempDir()
	for i := range 1000 {
		writeFile(b, filepath.Join(share, fmt.Sprintf("file-%04d.txt", i)), "x")
	}
	ts := startServer(b, []string{share}, nil)
	tgt := mount(b, ts.addr, share)
	for b.Loop() {
		es, err := tgt.ReadDirPlus(".")
		if err != nil || len(es) < 1000 {
			b.Fatalf("listed %d entries: %v", len(es), err)
		}
	}
}
