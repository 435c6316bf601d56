// Package b2diso reads the boot files of a boot2docker ISO in pure Go: the
// kernel, the initrd and the kernel command line, which xhyve needs because
// it boots Linux directly (kexec) instead of running the ISO's bootloader.
package b2diso

import (
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/kdomanski/iso9660"
)

// Layout is where one generation of boot2docker ISOs keeps its boot files.
type Layout struct {
	Kernel, Initrd, Config string
}

// Layouts are the known boot2docker layouts, newest first.
var Layouts = []Layout{
	{Kernel: "/boot/vmlinuz", Initrd: "/boot/initrd.img", Config: "/isolinux/isolinux.cfg"},        // 18.09 and later
	{Kernel: "/boot/vmlinuz64", Initrd: "/boot/initrd.img", Config: "/boot/isolinux/isolinux.cfg"}, // 18.06 and earlier
}

// DefaultCmdline is boot2docker's classic command line, used when the ISO has
// no isolinux append line.
const DefaultCmdline = "loglevel=3 user=docker console=ttyS0 console=tty0 noembed nomodeset norestore waitusb=10 base host=boot2docker"

// ErrNotFound reports a path the ISO does not hold.
var ErrNotFound = errors.New("not found in the ISO")

// BootFiles names a kernel and an initrd inside an ISO, and the kernel command
// line its bootloader would pass.
type BootFiles struct {
	Kernel  string
	Initrd  string
	Cmdline string
}

// Inspect finds the boot files in an ISO image. kernel and initrd, when not
// empty, are paths inside the ISO that override the layout detection.
func Inspect(img io.ReaderAt, kernel, initrd string) (BootFiles, error) {
	im, err := iso9660.OpenImage(img)
	if err != nil {
		return BootFiles{}, fmt.Errorf("open ISO image: %w", err)
	}
	fs := &isoFS{img: im}
	var bf BootFiles
	if bf.Kernel, err = fs.pick(kernel, func(l Layout) string { return l.Kernel }); err != nil {
		return BootFiles{}, fmt.Errorf("find kernel: %w", err)
	}
	if bf.Initrd, err = fs.pick(initrd, func(l Layout) string { return l.Initrd }); err != nil {
		return BootFiles{}, fmt.Errorf("find initrd: %w", err)
	}
	bf.Cmdline = DefaultCmdline
	for _, l := range fs.configOrder(bf.Kernel) {
		f, err := fs.open(l.Config)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return BootFiles{}, fmt.Errorf("read %s: %w", l.Config, err)
		}
		if cmdline, ok := ParseIsolinux(f.Reader()); ok {
			bf.Cmdline = cmdline
		}
		break
	}
	return bf, nil
}

// Open returns a reader for the file at p inside the ISO, and its size.
func Open(img io.ReaderAt, p string) (io.Reader, int64, error) {
	im, err := iso9660.OpenImage(img)
	if err != nil {
		return nil, 0, fmt.Errorf("open ISO image: %w", err)
	}
	f, err := (&isoFS{img: im}).open(p)
	if err != nil {
		return nil, 0, err
	}
	return f.Reader(), f.Size(), nil
}

type isoFS struct {
	img *iso9660.Image
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
	for _, l := range Layouts {
		p := of(l)
		if _, err := fs.open(p); err == nil {
			return p, nil
		} else if !errors.Is(err, ErrNotFound) {
			return "", err
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("none of %s: %w (not a boot2docker ISO? name the file with --xhyve-boot-kernel/--xhyve-boot-initrd)", strings.Join(tried, ", "), ErrNotFound)
}

// configOrder lists layouts with the one matching the kernel first, so each
// ISO generation reads its own isolinux.cfg.
func (fs *isoFS) configOrder(kernel string) []Layout {
	order := make([]Layout, 0, len(Layouts))
	for _, l := range Layouts {
		if l.Kernel == kernel {
			order = append(order, l)
		}
	}
	for _, l := range Layouts {
		if l.Kernel != kernel {
			order = append(order, l)
		}
	}
	return order
}

// open walks to p, comparing names without case: plain ISO 9660 names are
// upper case while Rock Ridge keeps the original ones.
func (fs *isoFS) open(p string) (*iso9660.File, error) {
	cur, err := fs.img.RootDir()
	if err != nil {
		return nil, fmt.Errorf("read root directory: %w", err)
	}
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
