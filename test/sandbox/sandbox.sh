#!/bin/sh
# sandbox.sh [CMD [ARG...]]
#
# Runs CMD (default: an interactive shell) as root in new pid, network and
# mount namespaces that stand in for the Mac around the driver (see
# test/README.md), and tears everything down when CMD ends, fails or is
# interrupted. The exit status is CMD's. First the Debian packages of
# host-packages.txt are installed when missing (test/host-packages.sh; it
# names the apt-get command instead when it cannot).
#
# Inside:
#  - lo up; bridge $XHYVE_STANDIN_BRIDGE (vmnet0) with 192.168.64.1/24; the
#    stand-in joins one tap per VM to it. Nothing is routed out.
#  - dnsmasq (DHCP only) on the bridge, 192.168.64.2-254, fresh state, whose
#    lease script (dhcp-hook.sh) rewrites /var/db/dhcpd_leases in bootpd format.
#  - tmpfs at /var/db (dhcpd_leases) and /Library
#    (Preferences/SystemConfiguration/com.apple.vmnet.plist).
#  - overlayfs over /etc, /run and the directory of /sbin (/usr/sbin on
#    merged-/usr systems), writable layers in the run's state: writes there
#    stay in this namespace (mounts below them are moved back on top).
#    /etc/exports starts ABSENT (a fresh Mac has none) and is root-writable,
#    replaceable by rename; /sbin/nfsd is the nfsd stand-in (test/nfsd, built
#    into .cache/bin/nfsd); /run holds rpcbind's socket and lock, private.
#  - NFS server, started lazily by the first `nfsd start|restart|enable`
#    (about 0.3 s): rpcbind, rpc.statd and nfs-ganesha on 192.168.64.1 (NFSv3
#    with MOUNT on 20048 and NLM on 32803, NFSv4, NFS on 2049), serving what
#    /etc/exports says (see test/nfsd/README.md). Its state and logs
#    (ganesha.log, nfsd.log: every nfsd command and what it did) are in
#    $XHYVE_SANDBOX_STATE/nfs; /run/xhyve-sandbox/nfsd.env tells nfsd where.
#  - The Mac's privilege split: an ordinary user, macuser (uid 501 unless
#    taken, group staff), home /Users/macuser (/Users is a bind mount of the
#    run's state). Run what a Mac user runs as that user: `test/sandbox/as-user
#    docker-machine ...`; CMD itself runs as root. /usr/local/bin (an overlay)
#    holds what a Mac user installs: docker-machine-driver-xhyve,
#    docker-machine, docker and rancher-machine (0755, copied from <repo>/bin
#    and <repo>/.cache/bin at start), and xhyve and hyperkit: the stand-in,
#    root:root mode 4755 (setuid root, as the README tells Mac users). The
#    lease file and the vmnet plist are root's, 0644, as on a Mac.
#  - PATH=/usr/local/bin:<repo>/.cache/bin:$PATH; MACHINE_STORAGE_PATH is
#    /Users/macuser/.docker/machine (docker-machine's default), the user's,
#    holding no-error-report and cache/boot2docker.iso (from
#    $XHYVE_E2E_GUEST, default <repo>/.cache/guest): the boot2docker ISO an
#    older docker-machine leaves in a user's cache, which the driver does not
#    boot (without --xhyve-boot2docker-url it downloads its release ISO,
#    served below).
#  - GitHub Releases: the stand-in of test/releases (built into
#    .cache/bin/releases), root, on 127.0.0.1:443, and /etc/hosts sending
#    github.com and objects.githubusercontent.com there. It serves
#    $XHYVE_SANDBOX_RELEASES over HTTPS as GitHub does: a release asset URL
#    answers 302 to the asset host, which serves the bytes. Its CA (new each
#    run) is appended to /etc/ssl/certs/ca-certificates.crt (created when
#    missing), which Go's crypto/x509 and curl read as the system roots; both
#    files are copies bind-mounted in this namespace only. The `url` of
#    internal/release/iso.txt serves a copy of $XHYVE_E2E_ISO (default
#    <repo>/.cache/release-iso/boot2docker.iso; a warning when it is missing,
#    and the URL is a 404), at the URL's path under $XHYVE_SANDBOX_RELEASES;
#    rename another file over it to serve other bytes. Setup waits up to 10 s
#    for it to listen. releases.log in $XHYVE_SANDBOX_STATE has a line per
#    request (METHOD HOST PATH STATUS BYTES), releases-ca.pem the CA.
#  - exported: MACHINE_STORAGE_PATH, XHYVE_SANDBOX_USER, XHYVE_STANDIN_BRIDGE,
#    XHYVE_STANDIN_QEMU, XHYVE_E2E_GUEST, XHYVE_E2E_ISO,
#    XHYVE_SANDBOX_RELEASES, XHYVE_SANDBOX_STATE (dnsmasq lease file, pid file
#    and log, dhcp-hosts, nfs/, releases.log, releases-ca.pem).
#
# Pinning a VM's address (so that it changes at the VM's next boot): append
# `MAC,IP` (MAC as xhyve -M prints it, IP in 192.168.64.0/24 and not leased
# to another VM) to $XHYVE_SANDBOX_STATE/dhcp-hosts and send dnsmasq SIGHUP:
#
#   echo "$mac,192.168.64.200" >> "$XHYVE_SANDBOX_STATE/dhcp-hosts"
#   kill -HUP "$(cat "$XHYVE_SANDBOX_STATE/dnsmasq.pid")"
#
# The running VM keeps its address; when it boots again (stop/start,
# restart) it is offered the pinned one, even though dnsmasq still holds its
# old lease, and dhcp-hook.sh replaces the MAC's entry in
# /var/db/dhcpd_leases. Delete the line and SIGHUP again to unpin.
#
# Teardown: the pid namespace's init is this script; when it exits the kernel
# kills every process left in the namespace (VMs, dnsmasq, NFS server, the
# releases stand-in); the mounts (overlays and the bind-mounted /etc files
# included) vanish with the mount namespace, the taps with the processes
# holding them and the bridge with the network namespace.
#
# Left on the host: /var/db, /Library and /Users are created as EMPTY directories
# when missing (they are needed as mountpoints) and are left in place. The
# run's state directory <repo>/.cache/sandbox/run.<pid> is a tmpfs mountpoint
# inside the namespace and is removed at exit (an empty one left behind by a
# SIGKILLed run is removed by the next run; a sandbox started inside a
# sandbox keeps it in the outer run's state instead). /etc, /run and /sbin
# are not changed.
#
# Environment knobs:
#   XHYVE_E2E_GUEST       guest OUTDIR (default <repo>/.cache/guest)
#   XHYVE_E2E_ISO         the ISO served at iso.txt's release URL (default
#                         <repo>/.cache/release-iso/boot2docker.iso)
#   XHYVE_STANDIN_QEMU    QEMU binary (default: qemu-system-x86_64 on PATH)
#   XHYVE_SANDBOX_KEEP=1  keep the state (MACHINE_STORAGE_PATH, dnsmasq log)
#                         on disk under <repo>/.cache/sandbox/run.<pid> instead
#                         of a tmpfs, and print where it is
#   XHYVE_SANDBOX_QUIET=1 do not print the setup summary on stderr
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BRIDGE=vmnet0

die() { echo "sandbox: $*" >&2; exit 1; }

if [ "${XHYVE_SANDBOX_INNER:-}" != 1 ]; then
	############################################################ outside
	[ "$(id -u)" = 0 ] || die "must run as root (namespaces, tap devices, /var/db)"
	# The host packages (dnsmasq, QEMU, nfs-ganesha, ...): installed when
	# missing, or one line saying which apt-get command to run.
	"$ROOT/test/host-packages.sh" "$HERE/host-packages.txt" || exit 1
	QEMU=${XHYVE_STANDIN_QEMU:-$(command -v qemu-system-x86_64 || true)}
	[ -n "$QEMU" ] || die "qemu-system-x86_64 not found (qemu-system-x86 is installed: is /usr/bin on PATH?)"

	# The hypervisor stand-in (test/standin), installed under the names the
	# driver looks for: (re)built when missing or older than its sources.
	BIN="$ROOT/.cache/bin"
	if [ ! -x "$BIN/xhyve" ] || [ -n "$(find "$ROOT/test/standin" -name '*.go' -newer "$BIN/xhyve" 2>/dev/null | head -n1)" ]; then
		echo "sandbox: building the hypervisor stand-in (test/standin) as xhyve and hyperkit" >&2
		(cd "$ROOT" && CGO_ENABLED=0 go build -o "$BIN/xhyve" ./test/standin) || die "building the stand-in failed"
	fi
	[ -e "$BIN/hyperkit" ] || ln -s xhyve "$BIN/hyperkit"
	# The nfsd stand-in (installed as /sbin/nfsd inside), the same way.
	if [ ! -x "$BIN/nfsd" ] || [ -n "$(find "$ROOT/test/nfsd" -name '*.go' -newer "$BIN/nfsd" 2>/dev/null | head -n1)" ]; then
		echo "sandbox: building the nfsd stand-in" >&2
		(cd "$ROOT" && CGO_ENABLED=0 go build -o "$BIN/nfsd" ./test/nfsd) || die "building the nfsd stand-in failed"
	fi
	# The GitHub Releases stand-in (test/releases), the same way.
	if [ ! -x "$BIN/releases" ] || [ -n "$(find "$ROOT/test/releases" -name '*.go' -newer "$BIN/releases" 2>/dev/null | head -n1)" ]; then
		echo "sandbox: building the GitHub Releases stand-in" >&2
		(cd "$ROOT" && CGO_ENABLED=0 go build -o "$BIN/releases" ./test/releases) || die "building the GitHub Releases stand-in failed"
	fi

	# Mountpoints for the macOS paths: created (empty) only when missing.
	for d in /var/db /Library /Users; do
		[ -d "$d" ] || { mkdir -p "$d" && echo "sandbox: created empty mountpoint $d on the host" >&2; }
	done

	# Per-run state directory; remove empty ones of runs that are gone.
	# A sandbox started inside a sandbox keeps its state inside the outer
	# run's and cleans nothing: the pids of other runs are invisible there,
	# and removing a directory that is a live run's tmpfs mountpoint in its
	# own mount namespace would unmount that run's state (Linux detaches the
	# mounts of a removed directory).
	if [ -n "${XHYVE_SANDBOX_STATE:-}" ]; then
		STATE="$XHYVE_SANDBOX_STATE/nested.$$"
	else
		mkdir -p "$ROOT/.cache/sandbox"
		for d in "$ROOT"/.cache/sandbox/run.*; do
			[ -d "$d" ] || continue
			kill -0 "${d##*.}" 2>/dev/null || rmdir "$d" 2>/dev/null || true
		done
		STATE="$ROOT/.cache/sandbox/run.$$"
	fi
	rm -rf "$STATE"
	mkdir -p "$STATE"

	# setpriv --pdeathsig: if this script dies, unshare dies, and
	# --kill-child then kills the namespace's init and with it everything.
	# unshare runs as a background job so that the TERM trap below can act
	# while it runs; a background job would get stdin from /dev/null and
	# SIGINT/SIGQUIT ignored, so stdin is passed explicitly through fd 3
	# (dash applies /dev/null before the job's own redirections) and env
	# restores the default signal actions (Ctrl-C must reach CMD).
	exec 3<&0
	XHYVE_SANDBOX_INNER=1 XHYVE_SANDBOX_DIR="$STATE" XHYVE_STANDIN_QEMU="$QEMU" \
		setpriv --pdeathsig KILL \
		env --default-signal=INT,QUIT \
		unshare --pid --net --mount --fork --kill-child --mount-proc --propagation private \
		-- /bin/sh "$HERE/sandbox.sh" "$@" 0<&3 3<&- &
	upid=$!
	# SIGTERM/SIGHUP: the first is passed to CMD (through the namespace's
	# init), which then ends and the sandbox is torn down; if CMD is still
	# there 10 s later, or on a second signal, everything is killed.
	terminated= wpid=
	stop() {
		if [ -z "$terminated" ]; then
			terminated=1
			kill -TERM $(pgrep -P "$upid" 2>/dev/null) 2>/dev/null || true
			(sleep 10; kill -KILL "$upid" 2>/dev/null) </dev/null >/dev/null 2>&1 &
			wpid=$!
		else
			kill -KILL "$upid" 2>/dev/null || true
		fi
	}
	trap stop TERM HUP
	trap ':' INT
	while :; do
		rc=0
		wait "$upid" || rc=$?
		kill -0 "$upid" 2>/dev/null || break
	done
	if [ -n "$wpid" ]; then # the watchdog is not needed any more
		pkill -P "$wpid" 2>/dev/null || true
		kill "$wpid" 2>/dev/null || true
	fi
	if [ "${XHYVE_SANDBOX_KEEP:-}" = 1 ]; then
		echo "sandbox: state kept in $STATE" >&2
	else
		rmdir "$STATE" 2>/dev/null || rm -rf "$STATE"
	fi
	exit "$rc"
fi

############################################################ inside (pid 1)
unset XHYVE_SANDBOX_INNER
STATE=$XHYVE_SANDBOX_DIR
unset XHYVE_SANDBOX_DIR

if [ "${XHYVE_SANDBOX_KEEP:-}" != 1 ]; then
	mount -t tmpfs -o mode=0755 xhyve-sandbox "$STATE"
fi
mkdir -p "$STATE/sandbox"

# overlay DIR NAME: DIR becomes an overlayfs over itself whose writable
# layer is $STATE/sandbox/overlay/NAME, so what is written there stays in
# this namespace. Mounts below DIR are moved aside first and put back on top.
overlay() {
	o="$STATE/sandbox/overlay/$2"
	mkdir -p "$o/upper" "$o/work" "$o/keep"
	: > "$o/keep.list"
	i=0 last=
	for m in $(awk -v d="$1/" 'index($5, d) == 1 && $5 !~ /\\/ { print $5 }' /proc/self/mountinfo | sort -u); do
		case "$m" in "$last"/*) [ -n "$last" ] && continue ;; esac
		last=$m i=$((i + 1))
		if [ -d "$m" ]; then mkdir "$o/keep/$i"; else : > "$o/keep/$i"; fi
		mount --move "$m" "$o/keep/$i" || die "overlay $1: cannot move the mount $m aside"
		echo "$i $m" >> "$o/keep.list"
	done
	mount -t overlay -o "lowerdir=$1,upperdir=$o/upper,workdir=$o/work" "xhyve-sandbox-$2" "$1" ||
		die "cannot mount an overlay on $1 (overlayfs needed)"
	while read -r i m; do
		if [ ! -e "$m" ]; then
			if [ -d "$o/keep/$i" ]; then mkdir -p "$m"; else : > "$m"; fi
		fi
		mount --move "$o/keep/$i" "$m"
	done < "$o/keep.list"
}

# /etc, /run and the directory of /sbin (/usr/sbin when /sbin is a link):
# writable here, unchanged on the host. /etc/exports starts absent, as on a
# fresh Mac; /sbin/nfsd is the stand-in; /run keeps rpcbind's socket and lock
# private to this sandbox.
SBIN=$(readlink -f /sbin)
overlay /etc etc
overlay /run run
overlay "$SBIN" sbin
rm -f /etc/exports
cp "$ROOT/.cache/bin/nfsd" "$SBIN/nfsd"
chmod 0755 "$SBIN/nfsd"
mkdir -p /run/xhyve-sandbox "$STATE/sandbox/nfs"
printf 'NFSD_STATE=%s\nNFSD_BIND=%s\n' "$STATE/sandbox/nfs" 192.168.64.1 > /run/xhyve-sandbox/nfsd.env

# macOS paths, visible in this mount namespace only.
mount -t tmpfs -o mode=0755 xhyve-sandbox-vardb /var/db
mount -t tmpfs -o mode=0755 xhyve-sandbox-library /Library
: > /var/db/dhcpd_leases
chmod 0644 /var/db/dhcpd_leases
mkdir -p /Library/Preferences/SystemConfiguration
cat > /Library/Preferences/SystemConfiguration/com.apple.vmnet.plist <<'PLIST'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Shared_Net_Address</key>
	<string>192.168.64.1</string>
	<key>Shared_Net_Mask</key>
	<string>255.255.255.0</string>
</dict>
</plist>
PLIST

# Network: lo, the vmnet bridge; no route out of the namespace.
ip link set lo up
ip link add "$BRIDGE" type bridge forward_delay 0 stp_state 0
ip addr add 192.168.64.1/24 dev "$BRIDGE"
ip link set "$BRIDGE" up

# DHCP (no DNS), sequential addresses like bootpd, fresh lease state;
# dhcp-hosts pins MACs to addresses (see the header).
: > "$STATE/sandbox/dhcp-hosts"
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
"$DNSMASQ" --conf-file=/dev/null --port=0 \
	--interface="$BRIDGE" --bind-interfaces \
	--dhcp-range=192.168.64.2,192.168.64.254,255.255.255.0,1h \
	--dhcp-authoritative --dhcp-sequential-ip \
	--dhcp-leasefile="$STATE/sandbox/dnsmasq.leases" \
	--dhcp-hostsfile="$STATE/sandbox/dhcp-hosts" \
	--dhcp-script="$HERE/dhcp-hook.sh" --script-on-renewal \
	--user=root --group=root \
	--pid-file="$STATE/sandbox/dnsmasq.pid" \
	--log-facility="$STATE/sandbox/dnsmasq.log" --log-dhcp

# The Mac's privilege split (docs/facts.md §3): docker-machine, the plugin
# and its supervisor run as an ordinary user, uid 501 like a Mac's first
# account, with its home under /Users; only the hypervisor is root, through
# its setuid bit, installed in /usr/local/bin as the README tells Mac users.
# The user's programs are installed there too, so they need nothing from the
# repository's path.
SANDBOX_USER=macuser
if ! getent passwd "$SANDBOX_USER" >/dev/null; then # (a nested sandbox has it)
	uid=501
	while getent passwd "$uid" >/dev/null; do uid=$((uid + 1)); done
	gid=$(getent group staff | cut -d: -f3)
	[ -n "$gid" ] || die "no group staff in /etc/group"
	echo "$SANDBOX_USER:x:$uid:$gid:sandbox Mac user:/Users/$SANDBOX_USER:/bin/sh" >> /etc/passwd
fi
uid=$(id -u "$SANDBOX_USER") gid=$(id -g "$SANDBOX_USER")
mkdir -p "$STATE/Users"
mount --bind "$STATE/Users" /Users
install -d -o "$uid" -g "$gid" -m 0755 "/Users/$SANDBOX_USER"
LOCALBIN=$(readlink -f /usr/local/bin)
overlay "$LOCALBIN" localbin
for b in "$ROOT/bin/docker-machine-driver-xhyve" "$ROOT/.cache/bin/docker-machine" \
	"$ROOT/.cache/bin/rancher-machine" "$ROOT/.cache/bin/docker"; do
	[ -x "$b" ] && install -m 0755 "$b" "$LOCALBIN/"
done
install -o root -g root -m 4755 "$ROOT/.cache/bin/xhyve" "$LOCALBIN/xhyve"
install -o root -g root -m 4755 "$ROOT/.cache/bin/xhyve" "$LOCALBIN/hyperkit"

XHYVE_E2E_GUEST=${XHYVE_E2E_GUEST:-$ROOT/.cache/guest}
XHYVE_E2E_ISO=${XHYVE_E2E_ISO:-$ROOT/.cache/release-iso/boot2docker.iso}
# The user reaches the guest files through the repository's path: when a
# parent of it is closed to others (a clone under /root), the repository is
# seen through a bind mount at /run/xhyve-sandbox/repo instead.
if ! setpriv --reuid="$uid" --regid="$gid" --clear-groups test -r "$ROOT/test/sandbox/sandbox.sh"; then
	mkdir -p /run/xhyve-sandbox/repo
	mount --bind "$ROOT" /run/xhyve-sandbox/repo
	case "$XHYVE_E2E_GUEST" in
	"$ROOT"/*) XHYVE_E2E_GUEST=/run/xhyve-sandbox/repo${XHYVE_E2E_GUEST#"$ROOT"} ;;
	esac
	case "$XHYVE_E2E_ISO" in
	"$ROOT"/*) XHYVE_E2E_ISO=/run/xhyve-sandbox/repo${XHYVE_E2E_ISO#"$ROOT"} ;;
	esac
	echo "sandbox: $ROOT is closed to $SANDBOX_USER; it sees it as /run/xhyve-sandbox/repo" >&2
fi

# docker-machine's store, where docker-machine puts it by default.
MACHINE_STORAGE_PATH=/Users/$SANDBOX_USER/.docker/machine
install -d -o "$uid" -g "$gid" -m 0755 "/Users/$SANDBOX_USER/.docker" "$MACHINE_STORAGE_PATH" "$MACHINE_STORAGE_PATH/cache"
: > "$MACHINE_STORAGE_PATH/no-error-report"
if [ -f "$XHYVE_E2E_GUEST/boot2docker.iso" ]; then
	cp "$XHYVE_E2E_GUEST/boot2docker.iso" "$MACHINE_STORAGE_PATH/cache/boot2docker.iso"
else
	echo "sandbox: warning: $XHYVE_E2E_GUEST/boot2docker.iso not built yet; MACHINE_STORAGE_PATH has no cache/boot2docker.iso" >&2
fi
chown -R "$uid:$gid" "$MACHINE_STORAGE_PATH"

# etc_append FILE: FILE (below /etc) gets stdin appended, in this namespace
# only. FILE becomes a bind mount of a copy in the run's state: a file below
# /etc may be a mount from outside (/etc/hosts in a container), which the
# overlay leaves in place, or a link out of /etc; a missing FILE is created.
etc_append() {
	mkdir -p "$STATE/sandbox/etc"
	c="$STATE/sandbox/etc/$(echo "$1" | tr / _)"
	{ [ ! -r "$1" ] || awk 1 "$1"; cat; } > "$c" || die "cannot copy $1"
	chmod 0644 "$c"
	if [ ! -e "$1" ]; then
		rm -f "$1" && mkdir -p "$(dirname "$1")" && : > "$1" || die "cannot create $1"
	fi
	mount --bind "$c" "$1" || die "cannot mount a copy of $1 on it"
}

# GitHub Releases (test/releases): github.com and its asset host resolve to
# 127.0.0.1, where the stand-in serves $STATE/sandbox/releases over HTTPS
# with a certificate from its own CA, which the system roots trust (Go's
# crypto/x509 and curl read /etc/ssl/certs/ca-certificates.crt). The ISO of
# the release URL in internal/release/iso.txt is $XHYVE_E2E_ISO.
RELEASES="$STATE/sandbox/releases"
mkdir -p "$RELEASES"
chmod 0755 "$RELEASES"
iso_url=$(awk '$1 == "url" { print $2; exit }' "$ROOT/internal/release/iso.txt" 2>/dev/null || true)
iso_path=${iso_url#https://github.com/}
case "$iso_path" in *..* | /*) iso_path= ;; esac
if [ -z "$iso_url" ] || [ "$iso_path" = "$iso_url" ] || [ -z "$iso_path" ]; then
	echo "sandbox: warning: no https://github.com/ url in $ROOT/internal/release/iso.txt; the releases stand-in serves no ISO" >&2
elif [ ! -f "$XHYVE_E2E_ISO" ]; then
	echo "sandbox: warning: $XHYVE_E2E_ISO not built yet; $iso_url is a 404" >&2
else
	install -D -m 0644 "$XHYVE_E2E_ISO" "$RELEASES/$iso_path" || die "cannot copy $XHYVE_E2E_ISO to the releases stand-in"
	chmod -R a+rX "$RELEASES"
fi
etc_append /etc/hosts <<'HOSTS'
127.0.0.1	github.com objects.githubusercontent.com
HOSTS
rm -f "$STATE/sandbox/releases.ready"
"$ROOT/.cache/bin/releases" -root "$RELEASES" -listen 127.0.0.1:443 \
	-hosts github.com,objects.githubusercontent.com \
	-ca "$STATE/sandbox/releases-ca.pem" -log "$STATE/sandbox/releases.log" \
	-ready "$STATE/sandbox/releases.ready" </dev/null >"$STATE/sandbox/releases.out" 2>&1 &
rpid=$! i=0
while [ ! -e "$STATE/sandbox/releases.ready" ]; do
	kill -0 "$rpid" 2>/dev/null || die "the releases stand-in failed: $(cat "$STATE/sandbox/releases.out")"
	[ $i -lt 100 ] || die "the releases stand-in is not listening on 127.0.0.1:443 after 10 s ($STATE/sandbox/releases.out)"
	sleep 0.1
	i=$((i + 1))
done
etc_append /etc/ssl/certs/ca-certificates.crt < "$STATE/sandbox/releases-ca.pem"

export PATH="/usr/local/bin:$ROOT/.cache/bin:$PATH"
export MACHINE_STORAGE_PATH
export XHYVE_SANDBOX_USER="$SANDBOX_USER"
export XHYVE_STANDIN_BRIDGE="$BRIDGE"
export XHYVE_STANDIN_QEMU
export XHYVE_E2E_GUEST
export XHYVE_E2E_ISO
export XHYVE_SANDBOX_RELEASES="$RELEASES"
export XHYVE_SANDBOX_STATE="$STATE/sandbox"

if [ "${XHYVE_SANDBOX_QUIET:-}" != 1 ]; then
	echo "sandbox: bridge $BRIDGE 192.168.64.1/24, user $SANDBOX_USER (uid $uid), MACHINE_STORAGE_PATH=$MACHINE_STORAGE_PATH" >&2
	echo "sandbox: run docker-machine as the user: test/sandbox/as-user docker-machine ..." >&2
fi

# CMD runs in the background so that this init can pass SIGTERM on to it
# (stdin and the default SIGINT/SIGQUIT actions restored, see above).
[ $# -gt 0 ] || set -- "${SHELL:-/bin/sh}" -i
exec 3<&0
env --default-signal=INT,QUIT "$@" 0<&3 3<&- &
cpid=$!
trap 'kill -TERM $cpid 2>/dev/null || true' TERM HUP
while :; do
	rc=0
	wait "$cpid" || rc=$?
	kill -0 "$cpid" 2>/dev/null || break
done

# Teardown: stop whatever CMD left running (the kernel would kill it anyway
# when this init exits, but the state tmpfs must be unmounted first so that
# its host directory can be removed).
kill -KILL -1 2>/dev/null || true
if [ "${XHYVE_SANDBOX_KEEP:-}" != 1 ]; then
	umount -l "$STATE" 2>/dev/null || true
fi
exit "$rc"
