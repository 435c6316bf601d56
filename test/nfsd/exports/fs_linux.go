package exports

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// devOf is the file system (device) a directory is on.
func devOf(dir string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return 0, err
	}
	return st.Dev, nil
}

// fsTypes names the file systems a sandbox meets (statfs f_type).
var fsTypes = map[int64]string{
	0xef53: "ext4", 0x01021994: "tmpfs", 0x794c7630: "overlay", 0x58465342: "xfs",
	0x9123683e: "btrfs", 0x9fa0: "proc", 0x62656572: "sysfs", 0x6969: "nfs",
	0x65735546: "fuse", 0x1cd1: "devpts", 0x858458f6: "ramfs", 0x73717368: "squashfs",
	0x2fc12fc1: "zfs", 0x01021997: "9p",
}

// exportable tells whether the user-space NFS server can serve dir: it needs
// file handles (name_to_handle_at), like the macOS kernel's export check.
func exportable(dir string) error {
	_, _, err := unix.NameToHandleAt(unix.AT_FDCWD, dir, 0)
	if err == nil {
		return nil
	}
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EOVERFLOW) || errors.Is(err, unix.ENOSYS) {
		var sf unix.Statfs_t
		name := "?"
		if unix.Statfs(dir, &sf) == nil {
			if n, ok := fsTypes[int64(sf.Type)]; ok {
				name = n
			} else {
				name = fmt.Sprintf("0x%x", sf.Type)
			}
		}
		return fmt.Errorf("NFS exporting not supported by fstype %q (fh)", name)
	}
	return fmt.Errorf("%s: %w", dir, err)
}
