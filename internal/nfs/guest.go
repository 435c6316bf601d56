package nfs

import (
	"bytes"
	"fmt"
	"net"
	"strings"
)

// Guest-side facts of boot2docker.
const (
	// Bootsync runs at every boot before docker starts, from the persistent
	// disk: mounts made there are in place before containers restart.
	Bootsync = "/var/lib/boot2docker/bootsync.sh"
	// MountOptions suit docker bind mounts: NFSv3 without ACL round trips,
	// asynchronous writes.
	MountOptions = "noacl,async,nfsvers=3"
	// guestBlockID marks the driver's part of Bootsync.
	guestBlockID = "docker-machine-driver-xhyve NFS shares"
)

// Mount is one share as the guest mounts it.
type Mount struct {
	HostPath  string
	GuestPath string
}

// GuestScript is the shell code that mounts every share from server,
// retrying while the network comes up and failing with mount's own message.
// Paths are single-quoted: they reach the shell as data, never as code.
func GuestScript(server net.IP, mounts []Mount) string {
	var b strings.Builder
	b.WriteString(`[ -x /usr/local/etc/init.d/nfs-client ] && /usr/local/etc/init.d/nfs-client start >/dev/null 2>&1
xhyve_nfs_mount() {
	mkdir -p "$2" || return 1
	mountpoint -q "$2" && return 0
	i=0
	until out=$(mount -t nfs -o ` + MountOptions + ` "$1" "$2" 2>&1); do
		i=$((i + 1))
		if [ "$i" -ge 30 ]; then echo "mount $1 on $2: $out" >&2; return 1; fi
		sleep 1
	done
}
xhyve_nfs_status=0
`)
	for _, m := range mounts {
		fmt.Fprintf(&b, "xhyve_nfs_mount %s %s || xhyve_nfs_status=1\n", quote(server.String()+":"+m.HostPath), quote(m.GuestPath))
	}
	return b.String()
}

// WithGuestBlock returns the bootsync script with the driver's block set to
// script, keeping every other line the user wrote.
func WithGuestBlock(bootsync []byte, script string) []byte {
	out, _ := RemoveBlocks(bootsync, guestBlockID)
	if len(out) == 0 {
		out = []byte("#!/bin/sh\n")
	}
	if !bytes.HasSuffix(out, []byte("\n")) {
		out = append(out, '\n')
	}
	return append(out, fmt.Sprintf("# BEGIN: %s\n%s# END: %s\n", guestBlockID, script, guestBlockID)...)
}

// quote makes s one single-quoted shell word.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
