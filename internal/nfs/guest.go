package nfs

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"time"
)

// Guest-side facts of boot2docker.
const (
	// Bootsync runs at every boot before docker starts, from the persistent
	// disk: mounts made there are in place before containers restart.
	Bootsync = "/var/lib/boot2docker/bootsync.sh"
	// MountOptions suit docker bind mounts: NFSv3 without ACL round trips,
	// asynchronous writes.
	MountOptions = "noacl,async,nfsvers=3"
	// BuiltinMountOptions add what the built-in server needs: it serves
	// NFS and MOUNT on one TCP port and has no lock manager
	// (docs/facts.md §5).
	BuiltinMountOptions = MountOptions + ",proto=tcp,mountproto=tcp,nolock"
	// guestBlockID marks the driver's part of Bootsync.
	guestBlockID = "docker-machine-driver-xhyve NFS shares"
)

// Limits of the guest's mounts, in seconds. mount.nfs retries an
// unreachable server for minutes, and Bootsync holds up the boot (and
// docker) while it runs.
const (
	// MountAttemptTimeout bounds one mount attempt.
	MountAttemptTimeout = 10
	// MountDeadline bounds the retries of all the shares together; each
	// share still gets one full attempt after it.
	MountDeadline = 60
)

// Server is where the guest mounts the shares from.
type Server struct {
	Addr net.IP
	// Port is the built-in server's port; 0 is macOS's nfsd, which the
	// guest finds through the portmapper.
	Port int
}

// Options are the guest's mount options for this server.
func (s Server) Options() string {
	if s.Port == 0 {
		return MountOptions
	}
	return fmt.Sprintf("%s,port=%d,mountport=%d", BuiltinMountOptions, s.Port, s.Port)
}

// Commands the driver runs over SSH to set the shares up; what they work on
// travels on their stdin.
const (
	// ReadBootsyncCommand prints the guest's Bootsync (nothing if none).
	ReadBootsyncCommand = "sudo cat " + Bootsync + " 2>/dev/null || true"
	// WriteBootsyncCommand replaces Bootsync with its stdin.
	WriteBootsyncCommand = "sudo tee " + Bootsync + " >/dev/null && sudo chmod 755 " + Bootsync
	// MountCommand runs MountScript, given on its stdin, as root.
	MountCommand = "sudo sh"
)

// MountScript mounts the shares now and exits with their status (the
// mount's own message on failure).
func MountScript(server Server, mounts []Mount) []byte {
	return []byte(GuestScript(server, mounts) + "exit $xhyve_nfs_status\n")
}

// MountTimeout bounds a MountScript of n shares: its retries end after
// MountDeadline, and each share still gets one last attempt.
func MountTimeout(n int) time.Duration {
	return time.Duration(MountDeadline+n*MountAttemptTimeout) * time.Second
}

// Mount is one share as the guest mounts it.
type Mount struct {
	HostPath  string
	GuestPath string
}

// GuestScript is the shell code that mounts every share from server,
// retrying while the network comes up, each attempt cut off after
// MountAttemptTimeout and the retries after MountDeadline, failing with
// mount's own message. Paths are single-quoted: they reach the shell as
// data, never as code.
func GuestScript(server Server, mounts []Mount) string {
	return guestScript(server, mounts, MountAttemptTimeout, MountDeadline)
}

func guestScript(server Server, mounts []Mount, attempt, deadline int) string {
	var b strings.Builder
	// timeout(1) is busybox's in boot2docker: before busybox 1.30 it takes
	// -t SECS, later (and coreutils) a bare SECS; without it, mount runs
	// unbounded and only the retries are.
	fmt.Fprintf(&b, `[ -x /usr/local/etc/init.d/nfs-client ] && /usr/local/etc/init.d/nfs-client start >/dev/null 2>&1
if timeout -t 1 true >/dev/null 2>&1; then xhyve_nfs_timeout=old
elif timeout 1 true >/dev/null 2>&1; then xhyve_nfs_timeout=new
else xhyve_nfs_timeout=none
fi
xhyve_nfs_timed() {
	case $xhyve_nfs_timeout in
	old) timeout -s KILL -t "$@" ;;
	new) timeout -s KILL "$@" ;;
	*) shift; "$@" ;;
	esac
}
xhyve_nfs_deadline=$(($(date +%%s) + %[2]d))
xhyve_nfs_mount() {
	mkdir -p "$2" || return 1
	mountpoint -q "$2" && return 0
	xhyve_nfs_t=%[1]d
	while :; do
		xhyve_nfs_start=$(date +%%s)
		xhyve_nfs_out=$(xhyve_nfs_timed "$xhyve_nfs_t" mount -t nfs -o %[3]s "$1" "$2" 2>&1) && return 0
		mountpoint -q "$2" && return 0
		xhyve_nfs_now=$(date +%%s)
		# Cut off (or as slow as that): say so, since all a killed mount
		# leaves is the shell's "Killed".
		[ $((xhyve_nfs_now - xhyve_nfs_start)) -ge "$xhyve_nfs_t" ] && xhyve_nfs_out="no answer within ${xhyve_nfs_t}s${xhyve_nfs_out:+: $xhyve_nfs_out}"
		xhyve_nfs_left=$((xhyve_nfs_deadline - xhyve_nfs_now - 1))
		if [ "$xhyve_nfs_left" -lt 1 ]; then
			echo "mount $1 on $2: $xhyve_nfs_out" >&2
			return 1
		fi
		[ "$xhyve_nfs_left" -lt "$xhyve_nfs_t" ] && xhyve_nfs_t=$xhyve_nfs_left
		sleep 1
	done
}
xhyve_nfs_status=0
`, attempt, deadline, server.Options())
	for _, m := range mounts {
		fmt.Fprintf(&b, "xhyve_nfs_mount %s %s || xhyve_nfs_status=1\n", quote(server.Addr.String()+":"+m.HostPath), quote(m.GuestPath))
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
