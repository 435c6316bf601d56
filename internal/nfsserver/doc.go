// Package nfsserver serves one machine's shared host directories to that
// machine's guest over NFSv3 on TCP, as the user who runs it: no root, no
// sudo, no /etc/exports. The machine's supervisor embeds it for the VM's
// whole life.
//
// The NFS and MOUNT programs share one TCP listener (github.com/willscott/go-nfs),
// so there is no portmapper and the guest names the port twice:
//
//	mount -t nfs -o nfsvers=3,tcp,port=P,mountport=P,nolock,noacl HOST:/SHARE DIR
//
// Access. Only connections whose source is the machine's current leased
// address (Config.Allowed, asked per connection) and a reserved port (below
// 1024, which only root in the guest binds, as macOS nfsd requires by
// default) are served, at most 16 from one address and 64 in all; any other
// is closed at once and logged. Only the exact share paths can be mounted.
// Accept errors such as running out of descriptors are waited out (5 ms,
// doubling up to 1 s), never the end of the server.
//
// Containment. Each share is an os.Root, and every file operation resolves
// its path through it. os.Root refuses "..", absolute symlinks and relative
// symlinks that leave the directory, and it walks paths with
// descriptor-relative, no-follow calls, so a symlink swapped in while an
// operation runs cannot lead it outside either. That is why the share is not
// billy's osfs, which checks paths as strings and then opens them by name.
// Symlinks are served as symlinks: READLINK returns their text and the guest
// resolves it on its own side; the server follows one only while it stays
// inside the share.
//
// Ownership. Files are read and written with the rights of the user running
// the server, so whatever the guest creates belongs to that user on the host.
// Guest chown and lchown succeed without changing anything (see rootfs_change.go).
//
// Handles. NFS file handles map to share-relative paths in a bounded table
// (handles.go) that follows the guest's renames; share roots have fixed
// handles that survive a restart of the server on the same port.
package nfsserver
