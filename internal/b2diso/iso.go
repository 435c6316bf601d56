// Package b2diso reads the boot files of a boot2docker ISO in pure Go: the
// kernel, the initrd and the kernel command line, which xhyve needs because
// it boots Linux directly (kexec) instead of running the ISO's bootloader.
package b2diso

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/kdomanski/iso9660"
)

// Layout is where one generation of boot2docker ISOs keeps its boot files.
type Layout struct {
	Kernel, Initrd, Config string
}

// layouts are the known boot2docker layouts, newest first.
var layouts = []Layout{
	{Kernel: "/boot/vmlinuz", Initrd: "/boot/initrd.img", Config: "/isolinux/isolinux.cfg"},        // 18.09 and later
	{Kernel: "/boot/vmlinuz64", Initrd: "/boot/initrd.img", Config: "/boot/isolinux/isolinux.cfg"}, // 18.06 and earlier
}

// DefaultCmdline is boot2docker's classic command line, used when the ISO has
// no isolinux append line.
const DefaultCmdline = "loglevel=3 user=docker console=ttyS0 console=tty0 noembed nomodeset norestore waitusb=10 base host=boot2docker"

// BootFiles names a kernel and an initrd inside an ISO, and the kernel command
// line its bootloader would pass.
type BootFiles struct {
	Kernel  string
	Initrd  string
	Cmdline string
}

// Inspect finds the boot files in an ISO image. kernel and initrd, when not
// empty, are paths inside the ISO that override the layout detection.
// A path the ISO lacks yields ErrNotFound, a damaged ISO a *DamagedError.
func Inspect(img io.ReaderAt, kernel, initrd string) (BootFiles, error) {
	return inspectISO("", newSource(img), kernel, initrd)
}

// Open returns a reader for the file at p inside the ISO, and its size. The
// reader fails with a *DamagedError where the ISO is damaged, and on a file
// running past the end of the image.
func Open(img io.ReaderAt, p string) (io.Reader, int64, error) {
	return openFile("", newSource(img), p)
}

// inspectISO is Inspect of the ISO file isoPath ("" if unknown).
func inspectISO(isoPath string, src *source, kernel, initrd string) (bf BootFiles, err error) {
	err = guard(isoPath, func() error {
		fs, err := newFS(src)
		if err != nil {
			return err
		}
		if bf.Kernel, err = fs.pick(kernel, func(l Layout) string { return l.Kernel }); err != nil {
			return fmt.Errorf("find kernel: %w", err)
		}
		if bf.Initrd, err = fs.pick(initrd, func(l Layout) string { return l.Initrd }); err != nil {
			return fmt.Errorf("find initrd: %w", err)
		}
		bf.Cmdline, err = fs.cmdline(bf.Kernel)
		return err
	})
	if err := src.classify(isoPath, err); err != nil {
		return BootFiles{}, err
	}
	return bf, nil
}

// openFile is Open of the ISO file isoPath ("" if unknown).
func openFile(isoPath string, src *source, p string) (io.Reader, int64, error) {
	var (
		r    io.Reader
		size int64
	)
	err := guard(isoPath, func() error {
		fs, err := newFS(src)
		if err != nil {
			return err
		}
		f, err := fs.open(p)
		if err != nil {
			return err
		}
		r, size = f.Reader(), f.Size()
		return nil
	})
	if err := src.classify(isoPath, err); err != nil {
		return nil, 0, err
	}
	return &fileReader{r: r, src: src, isoPath: isoPath, name: p, left: size}, size, nil
}

type isoFS struct {
	root *iso9660.File // kept, so each directory is read once per inspection
}

func newFS(src *source) (*isoFS, error) {
	im, err := iso9660.OpenImage(src)
	if err != nil {
		return nil, fmt.Errorf("open image: %w", err)
	}
	root, err := im.RootDir()
	if errors.Is(err, os.ErrNotExist) {
		return nil, errors.New("open image: no primary volume descriptor")
	}
	if err != nil {
		return nil, fmt.Errorf("open image: %w", err)
	}
	return &isoFS{root: root}, nil
}

// cmdline returns the kernel command line of the isolinux.cfg of the layout
// kernel belongs to (else of another layout), or DefaultCmdline.
func (fs *isoFS) cmdline(kernel string) (string, error) {
	for _, l := range configOrder(kernel) {
		f, err := fs.open(l.Config)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", l.Config, err)
		}
		cmdline, ok, err := ParseIsolinux(f.Reader())
		if err != nil {
			return "", fmt.Errorf("parse %s: %w", l.Config, err)
		}
		if ok {
			return cmdline, nil
		}
		break
	}
	return DefaultCmdline, nil
}

// pick returns override when set (it must exist), else the first layout's
// path that exists.
func (fs *isoFS) pick(override string, of func(Layout) string) (string, error) {
	if override != "" {
		if _, err := fs.open(override); err != nil {
			return "", err
		}
		return override, nil
	}
	var tried []string
	for _, l := range layouts {
		p := of(l)
		if _, err := fs.open(p); err == nil {
			return p, nil
		} else if !errors.Is(err, ErrNotFound) {
			return "", err
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("none of %s: %w (not a boot2docker ISO?)", strings.Join(tried, ", "), ErrNotFound)
}

// configOrder lists layouts with the one matching the kernel first, so each
// ISO generation reads its own isolinux.cfg.
func configOrder(kernel string) []Layout {
	order := make([]Layout, 0, len(layouts))
	for _, l := range layouts {
		if l.Kernel == kernel {
			order = append(order, l)
		}
	}
	for _, l := range layouts {
		if l.Kernel != kernel {
			order = append(order, l)
		}
	}
	return order
}

// open walks to p, comparing names without case: plain ISO 9660 names are
// upper case while Rock Ridge keeps the original ones.
func (fs *isoFS) open(p string) (*iso9660.File, error) {
	cur := fs.root
	for _, name := range strings.Split(strings.Trim(path.Clean("/"+p), "/"), "/") {
		if name == "" {
			continue
		}
		if !cur.IsDir() {
			return nil, fmt.Errorf("%s: %w", p, ErrNotFound)
		}
		children, err := cur.GetChildren()
		if err != nil {
			return nil, fmt.Errorf("list directory for %s: %w", p, err)
		}
		var next *iso9660.File
		for _, c := range children {
			if strings.EqualFold(c.Name(), name) {
				next = c
				break
			}
		}
		if next == nil {
			return nil, fmt.Errorf("%s: %w", p, ErrNotFound)
		}
		cur = next
	}
	if cur.IsDir() {
		return nil, fmt.Errorf("%s is a directory: %w", p, ErrNotFound)
	}
	return cur, nil
}

// fileReader reads a file out of the ISO. It reports where the ISO is
// damaged, including a file that ends before the size its entry gives.
type fileReader struct {
	r       io.Reader
	src     *source
	isoPath string
	name    string
	left    int64 // bytes the directory entry promises and not yet read
}

// Read reads from the file, turning damage into a *DamagedError.
func (f *fileReader) Read(p []byte) (n int, err error) {
	err = guard(f.isoPath, func() error {
		var err error
		n, err = f.r.Read(p)
		return err
	})
	f.left -= int64(n)
	switch {
	case errors.Is(err, io.EOF) && f.left > 0:
		err = fmt.Errorf("%d bytes missing: %w", f.left, io.ErrUnexpectedEOF)
	case err == nil || errors.Is(err, io.EOF):
		return n, err
	}
	return n, f.src.classify(f.isoPath, fmt.Errorf("read %s: %w", f.name, err))
}
