#!/bin/bash
# build.sh OUTDIR: builds boot2docker-compatible guest ISOs from Debian
# bookworm packages only (apt-get download + dpkg -x). See README.md.
#
# Writes OUTDIR/boot2docker.iso, OUTDIR/boot2docker-legacy.iso, OUTDIR/docker
# (host client) and OUTDIR/image.tar (busybox rootfs for `docker import`).
# The downloaded .debs are kept in $GUEST_DEB_CACHE (default OUTDIR/../debs).
# Nothing is rebuilt when the hash of the inputs (the files of this directory
# and the resolved package versions) matches OUTDIR/.inputs.sha256.
# Runs as root on Debian bookworm.
set -euo pipefail

usage() { echo "usage: $0 OUTDIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
[ "$(id -u)" = 0 ] || { echo "build.sh: must run as root" >&2; exit 1; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUTDIR=$(realpath -m "$1")
DEBS=$(realpath -m "${GUEST_DEB_CACHE:-$OUTDIR/../debs}")
LEGACY_VERSION=18.06.1-ce   # version of boot2docker-legacy.iso
ZSTD_LEVEL=${GUEST_ZSTD_LEVEL:-10}
APPEND="loglevel=3 console=ttyS0 console=tty0 noembed nomodeset norestore waitusb=10 base"

mkdir -p "$OUTDIR"
# one build per OUTDIR at a time (tests may call this concurrently)
exec 9>"$OUTDIR/.lock"
flock 9

T0=$(date +%s.%N)
TLAST=$T0
step() { # step NAME: prints the time spent since the previous step
	local now; now=$(date +%s.%N)
	awk -v n="$now" -v l="$TLAST" -v t="$T0" -v s="$1" \
		'BEGIN { printf "guest: %-30s %6.1fs  (total %6.1fs)\n", s, n - l, n - t }'
	TLAST=$now
}
die() { echo "guest: ERROR: $*" >&2; exit 1; }

# --- host tools -------------------------------------------------------------
# installed when missing (or one line naming the apt-get command to run)
"$HERE/../host-packages.sh" "$HERE/host-packages.txt" || exit 1
step "host tools"

# --- resolve package versions -------------------------------------------------
mapfile -t PKGS < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$HERE/packages.txt")
resolve_kernel() {
	apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'
}
KPKG=$(resolve_kernel)
if [ -z "$KPKG" ]; then
	apt-get update -qq
	KPKG=$(resolve_kernel)
fi
[ -n "$KPKG" ] || die "cannot resolve linux-image-amd64"
for i in "${!PKGS[@]}"; do [ "${PKGS[$i]}" = linux-image-amd64 ] && PKGS[$i]=$KPKG; done

URIS=$(cd /tmp && apt-get download --print-uris "${PKGS[@]}" 2>&1) || {
	apt-get update -qq
	URIS=$(cd /tmp && apt-get download --print-uris "${PKGS[@]}" 2>&1)
} || die "apt-get download --print-uris failed: $(grep -v "^'" <<<"$URIS")"
URIS=$(grep "^'" <<<"$URIS" | sort)
[ "$(wc -l <<<"$URIS")" -eq "${#PKGS[@]}" ] || die "not every package resolved: $URIS"
step "resolve packages"

# --- input hash: this directory's build inputs + resolved packages --------------
HASH=$(
	cd "$HERE"
	{
		for f in build.sh packages.txt modules.txt host-packages.txt; do sha256sum "$f"; done
		find rootfs -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
			if [ -L "$f" ]; then echo "L $f $(readlink "$f")"
			elif [ -d "$f" ]; then echo "D $f"
			else echo "F $f $(stat -c %a "$f") $(sha256sum < "$f")"; fi
		done
		echo "$URIS"
		echo "$LEGACY_VERSION $ZSTD_LEVEL $APPEND"
	} | sha256sum | cut -d' ' -f1
)
OUTPUTS=(boot2docker.iso boot2docker-legacy.iso docker image.tar)
uptodate=1
for f in "${OUTPUTS[@]}"; do [ -s "$OUTDIR/$f" ] || uptodate=0; done
if [ $uptodate = 1 ] && [ "$(cat "$OUTDIR/.inputs.sha256" 2>/dev/null)" = "$HASH" ]; then
	step "up to date ($HASH)"
	exit 0
fi
echo "guest: building into $OUTDIR (inputs $HASH)"

# --- download ------------------------------------------------------------------
mkdir -p "$DEBS" "$OUTDIR"
need=()
declare -A DEBFILE
while read -r uri file size sum; do
	uri=${uri//\'/}
	pkg=${file%%_*}
	DEBFILE[$pkg]=$file
	if [ -f "$DEBS/$file" ] && [ "$(sha256sum < "$DEBS/$file" | cut -d' ' -f1)" = "${sum#SHA256:}" ]; then
		continue
	fi
	need+=("$pkg")
done <<<"$URIS"
if [ ${#need[@]} -gt 0 ]; then
	echo "guest: downloading ${#need[@]} packages into $DEBS"
	(cd "$DEBS" && apt-get download -q -o APT::Sandbox::User=root "${need[@]}" >/dev/null)
fi
while read -r uri file size sum; do
	[ "$(sha256sum < "$DEBS/$file" | cut -d' ' -f1)" = "${sum#SHA256:}" ] || die "checksum mismatch: $DEBS/$file"
done <<<"$URIS"
step "download (${#need[@]} new)"

# --- unpack ----------------------------------------------------------------------
WORK="$OUTDIR/.work"
rm -rf "$WORK"
mkdir -p "$WORK"
[ -n "${GUEST_KEEP_WORK:-}" ] || trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/root"
mkdir -p "$ROOT"
for pkg in "${PKGS[@]}"; do
	dpkg-deb -x "$DEBS/${DEBFILE[$pkg]}" "$ROOT" &
	# two at a time: the big ones (kernel, docker, containerd) dominate
	[ "$(jobs -rp | wc -l)" -lt 2 ] || wait -n
done
wait
BB="$ROOT/bin/busybox"
[ -x "$BB" ] || die "busybox-static not unpacked"
KVER=$(ls "$ROOT/lib/modules")
[ "$(wc -w <<<"$KVER")" = 1 ] || die "expected one kernel, got: $KVER"
DOCKER_VERSION=$(dpkg-deb -f "$DEBS/${DEBFILE[docker.io]}" Version | sed -e 's/^[0-9]*://' -e 's/[+~-].*//')
step "unpack"

# --- kernel and modules --------------------------------------------------------------
cp "$ROOT/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
MODSRC="$WORK/modules-full"
mv "$ROOT/lib/modules/$KVER" "$MODSRC"
rm -rf "$ROOT/boot" "$ROOT/lib/modules"
declare -A MODPATH
while IFS= read -r p; do
	n=${p##*/}; n=${n%.ko}; n=${n//-/_}
	MODPATH[$n]=$p
done < <(cd "$MODSRC" && find kernel -name '*.ko')
declare -A WANT
queue=()
while read -r m; do
	case $m in
	dir:*)
		while IFS= read -r p; do
			n=${p##*/}; n=${n%.ko}; n=${n//-/_}; queue+=("$n")
		done < <(cd "$MODSRC" && find "kernel/${m#dir:}" -name '*.ko') ;;
	*) queue+=("${m//-/_}") ;;
	esac
done < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$HERE/modules.txt")
# breadth first, one awk per level: the depends= field of each module's .modinfo
while [ ${#queue[@]} -gt 0 ]; do
	paths=()
	for m in "${queue[@]}"; do
		[ -n "${WANT[$m]:-}" ] && continue
		if [ -z "${MODPATH[$m]:-}" ]; then
			grep -q -e "/$m.ko\$" -e "/${m//_/-}.ko\$" "$MODSRC/modules.builtin" || die "no module $m"
			continue # built into the kernel
		fi
		WANT[$m]=${MODPATH[$m]}
		paths+=("$MODSRC/${MODPATH[$m]}")
	done
	queue=()
	[ ${#paths[@]} -gt 0 ] || break
	while IFS= read -r d; do
		[ -n "$d" ] && queue+=("${d//-/_}")
	done < <(awk -v RS='\0' '/^depends=/ { print substr($0, 9) }' "${paths[@]}" | tr ',' '\n' | sort -u)
done
MODDST="$ROOT/lib/modules/$KVER"
mkdir -p "$MODDST"
for m in "${!WANT[@]}"; do
	install -D -m 0644 "$MODSRC/${WANT[$m]}" "$MODDST/${WANT[$m]}"
done
cp "$MODSRC/modules.builtin" "$MODSRC/modules.order" "$MODDST/"
rm -rf "$MODSRC"
step "modules (${#WANT[@]})"

# --- trim -------------------------------------------------------------------------------
(
	cd "$ROOT"
	rm -rf usr/share/doc usr/share/man usr/share/info usr/share/locale usr/share/lintian \
		usr/share/bug usr/share/bash-completion usr/share/zsh usr/share/fish usr/share/bug \
		usr/share/common-licenses usr/share/gcc usr/share/gdb usr/share/menu \
		lib/systemd usr/lib/systemd lib/udev usr/lib/udev etc/systemd etc/init.d/* etc/default \
		usr/lib/x86_64-linux-gnu/gconv usr/share/i18n
	# tools not needed in the guest (some would need more libraries)
	rm -f usr/bin/ctr usr/bin/containerd-shim usr/bin/containerd-shim-runc-v1 \
		usr/bin/containerd-stress usr/bin/dnet usr/sbin/ovrouter usr/bin/tini \
		usr/sbin/rpc.gssd usr/sbin/rpc.svcgssd usr/sbin/rpc.idmapd usr/sbin/blkmapd \
		usr/sbin/nfsidmap usr/sbin/nfnl_osf usr/sbin/xtables-nft-multi sbin/cfdisk \
		usr/libexec/nfsrahead usr/sbin/start-statd usr/sbin/sudo_logsrvd usr/sbin/sudo_sendlog \
		usr/bin/sudoreplay usr/bin/cvtsudoers usr/lib/openssh/ssh-sk-helper usr/lib/openssh/ssh-keysign \
		bin/kmod sbin/depmod sbin/insmod sbin/lsmod bin/lsmod sbin/modinfo sbin/modprobe sbin/rmmod \
		usr/libexec/sudo/sudo_intercept.so usr/libexec/sudo/audit_json.so
	# the nft-based iptables front ends went with xtables-nft-multi
	rm -f usr/sbin/*-nft usr/sbin/*-nft-* usr/sbin/*-translate usr/sbin/xtables-monitor
	# keep only the PAM modules the guest uses
	find lib/x86_64-linux-gnu/security -name 'pam_*.so' ! -name pam_permit.so ! -name pam_deny.so \
		! -name pam_rootok.so ! -name pam_env.so -delete
	rm -rf lib/x86_64-linux-gnu/security/pam_filter usr/lib/x86_64-linux-gnu/krb5 etc/init.d
)
step "trim"

# --- merge /usr (like a bookworm system): bin, sbin, lib, lib64 -> usr/ ------------------
for d in bin sbin lib lib64; do
	[ -d "$ROOT/$d" ] && [ ! -L "$ROOT/$d" ] || continue
	mkdir -p "$ROOT/usr/$d"
	(cd "$ROOT/$d" && find . ! -type d) | while IFS= read -r f; do
		[ ! -e "$ROOT/usr/$d/$f" ] && [ ! -L "$ROOT/usr/$d/$f" ] || die "usrmerge collision: $d/$f"
	done
	cp -a "$ROOT/$d/." "$ROOT/usr/$d/"
	rm -rf "${ROOT:?}/$d"
	ln -s "usr/$d" "$ROOT/$d"
done
step "usrmerge"

# --- busybox applets (real tools from the packages win) ----------------------------------
ln -s bash "$ROOT/usr/bin/sh"
while IFS= read -r p; do
	a=${p##*/}
	case $a in busybox|linuxrc) continue ;; esac
	# in /usr/bin (on every PATH, sudo's and ssh sessions') unless a real tool has the name
	if [ ! -e "$ROOT/usr/bin/$a" ] && [ ! -L "$ROOT/usr/bin/$a" ] && [ ! -e "$ROOT/usr/sbin/$a" ]; then
		ln -s busybox "$ROOT/usr/bin/$a"
	fi
	# sbin applets in /usr/sbin too (/sbin/init, /sbin/modprobe for the kernel, ...)
	case $p in
	sbin/*|usr/sbin/*)
		[ -e "$ROOT/usr/sbin/$a" ] || [ -L "$ROOT/usr/sbin/$a" ] || ln -s ../bin/busybox "$ROOT/usr/sbin/$a" ;;
	esac
done < <("$BB" --list-full)
# iptables: the legacy (x_tables) back end, like boot2docker
for t in iptables ip6tables; do
	for s in "" -save -restore; do ln -sf "$t-legacy$s" "$ROOT/usr/sbin/$t$s"; done
done
ln -sf tini-static "$ROOT/usr/bin/docker-init"
step "applets"

# --- overlay files, users, permissions -------------------------------------------------------
cp -a "$HERE/rootfs/." "$ROOT/"
(
	cd "$ROOT"
	chmod 0755 .
	mkdir -p proc sys dev run tmp root home/docker mnt var/log var/lib/boot2docker var/lib/docker \
		var/lib/nfs/sm var/lib/nfs/sm.bak etc/ssh usr/local/bin usr/local/sbin
	ln -sfn /run var/run
	mkdir -p dev
	[ -c dev/console ] || mknod -m 0600 dev/console c 5 1
	[ -c dev/null ] || mknod -m 0666 dev/null c 1 3
	ln -sfn /run/lock var/lock 2>/dev/null || true
	chmod 1777 tmp
	chmod 0700 root
	touch var/lib/nfs/state
	chown 1000:50 home/docker
	chmod 0755 home home/docker
	chmod 0440 etc/sudoers
	chmod 0600 etc/shadow
	find etc/init.d usr/local/etc/init.d usr/bin/sethostname usr/sbin/start-statd usr/share/udhcpc \
		etc/acpi usr/lib/boot2docker init -type f -exec chmod 0755 {} +
	chmod u+s usr/bin/sudo
	echo "$KVER" > etc/boot2docker/kernel-version
	printf 'include /etc/ld.so.conf.d/*.conf\n' > etc/ld.so.conf
)
ldconfig -r "$ROOT" 2>/dev/null || ldconfig -r "$ROOT"
"$BB" depmod -b "$ROOT" "$KVER"
step "overlay"

# --- every ELF file must find its libraries (inside the image) ---------------------------------
check_libs() {
	local bad=0 f out magic
	while IFS= read -r -d '' f; do
		LC_ALL=C read -r -N 4 magic < "$ROOT/$f" 2>/dev/null || continue
		[ "$magic" = $'\x7fELF' ] || continue
		case $f in ./usr/lib/modules/*) continue ;; esac
		out=$(chroot "$ROOT" /usr/lib64/ld-linux-x86-64.so.2 --list "${f#.}" 2>&1) || {
			grep -q 'not a dynamic executable\|statically linked' <<<"$out" && continue
		}
		if grep -q 'not found' <<<"$out"; then
			echo "guest: missing libraries for ${f#.}:" >&2
			grep 'not found' <<<"$out" >&2
			bad=1
		fi
	done < <(cd "$ROOT" && find . -type f -perm -u+x -print0 -o -type f -name '*.so*' -print0)
	return $bad
}
check_libs || die "library check failed (add the library packages to packages.txt)"
step "library check"

# --- the docker binaries (190 MB) go in zstd tarballs that rcS unpacks into a tmpfs
# on /opt/docker in the background: the kernel unpacks a 4x smaller initramfs
# before init (faster boot to DHCP/ssh), and the rootfs tmpfs, limited to half
# the RAM, does not have to hold them (the guest boots in 512 MB too) ----------------
# two tarballs of about the same size, unpacked in parallel (one zstd per vCPU)
DOCKER_PARTS=("usr/sbin/dockerd usr/sbin/runc usr/sbin/docker-proxy usr/bin/tini-static"
	"usr/bin/containerd usr/bin/containerd-shim-runc-v2 usr/bin/docker")
for i in "${!DOCKER_PARTS[@]}"; do
	PAYLOAD="$WORK/docker-payload-$i"
	for f in ${DOCKER_PARTS[$i]}; do
		[ -f "$ROOT/$f" ] && [ ! -L "$ROOT/$f" ] || die "missing $f"
		install -D -m 0755 "$ROOT/$f" "$PAYLOAD/$f"
		rm -f "$ROOT/$f"
		ln -s "/opt/docker/$f" "$ROOT/$f"
	done
	(cd "$PAYLOAD" && tar --owner=0 --group=0 --numeric-owner -cf - .) | zstd -q -T0 -"$ZSTD_LEVEL" \
		> "$ROOT/usr/lib/boot2docker/docker-$i.tar.zst"
done
# dockerd is /usr/local/bin/dockerd, started by that path, as in boot2docker (pgrep -f $(which dockerd))
rm -f "$ROOT/usr/sbin/dockerd" && ln -s /opt/docker/usr/sbin/dockerd "$ROOT/usr/local/bin/dockerd"
step "docker payload"

# --- initramfs: one big archive shared by both ISOs + a small one per ISO ---------------------
mkcpio() { # mkcpio DIR: newc archive on stdout, owners as on disk
	(cd "$1" && find . | LC_ALL=C sort | "$BB" cpio -o -H newc 2>/dev/null)
}
mkcpio "$ROOT" | zstd -q -T0 -"$ZSTD_LEVEL" > "$WORK/base.cpio.zst"
# pad to a multiple of 4 (the kernel skips zero padding between archives)
sz=$(stat -c %s "$WORK/base.cpio.zst")
[ $((sz % 4)) = 0 ] || head -c $((4 - sz % 4)) /dev/zero >> "$WORK/base.cpio.zst"
du -sm "$ROOT" | awk '{printf "guest: root filesystem %d MB, ", $1}'
stat -c '%s' "$WORK/base.cpio.zst" | awk '{printf "initramfs %d MB (zstd -'"$ZSTD_LEVEL"')\n", $1/1048576}'
step "initramfs"

mkiso() { # mkiso NAME VERSION LAYOUT(new|legacy)
	local name=$1 version=$2 layout=$3 dir="$WORK/iso-$1" extra="$WORK/extra-$1"
	rm -rf "$dir" "$extra"
	mkdir -p "$extra/etc" "$dir/boot"
	cat > "$extra/etc/os-release" <<-EOF
		NAME=Boot2Docker
		VERSION=$version
		ID=boot2docker
		ID_LIKE=tcl
		VERSION_ID=$version
		PRETTY_NAME="Boot2Docker $version (Debian bookworm test guest, docker $DOCKER_VERSION)"
		ANSI_COLOR="1;34"
		HOME_URL="https://github.com/boot2docker/boot2docker"
	EOF
	echo "$version" > "$extra/etc/boot2docker-version"
	chmod 0755 "$extra" "$extra/etc"
	cat "$WORK/base.cpio.zst" > "$dir/boot/initrd.img"
	mkcpio "$extra" | zstd -q -19 >> "$dir/boot/initrd.img"
	local cfgdir kernel
	if [ "$layout" = new ]; then
		kernel=vmlinuz; cfgdir="$dir/isolinux"
	else
		kernel=vmlinuz64; cfgdir="$dir/boot/isolinux"
	fi
	cp "$WORK/vmlinuz" "$dir/boot/$kernel"
	mkdir -p "$cfgdir"
	cat > "$cfgdir/isolinux.cfg" <<-EOF
		serial 0 115200
		display boot.msg
		default boot2docker
		label boot2docker
		  kernel /boot/$kernel
		  initrd /boot/initrd.img
		  append $APPEND
		implicit 0
		prompt 1
		timeout 1
		F1 boot.msg
	EOF
	printf '\n  Boot2Docker %s (Debian bookworm test guest)\n\n' "$version" > "$cfgdir/boot.msg"
	xorriso -as mkisofs -quiet -R -V "b2d-v$version" -A "Boot2Docker-v$version" \
		-o "$OUTDIR/$name.tmp" "$dir" 2>&1 | grep -v '^xorriso.*UPDATE' >&2 || true
	[ -s "$OUTDIR/$name.tmp" ] || die "xorriso failed for $name"
	mv -f "$OUTDIR/$name.tmp" "$OUTDIR/$name"
	rm -rf "$dir" "$extra"
}
rm -f "$OUTDIR/.inputs.sha256"
mkiso boot2docker.iso "$DOCKER_VERSION" new
mkiso boot2docker-legacy.iso "$LEGACY_VERSION" legacy
step "isos"

# --- host docker client and the container image ----------------------------------------------
install -m 0755 "$WORK/docker-payload-1/usr/bin/docker" "$OUTDIR/docker.tmp"
mv -f "$OUTDIR/docker.tmp" "$OUTDIR/docker"
IMG="$WORK/image"
mkdir -p "$IMG/bin" "$IMG/etc" "$IMG/tmp" "$IMG/root" "$IMG/www" "$IMG/proc" "$IMG/sys" "$IMG/dev"
cp "$BB" "$IMG/bin/busybox"
for a in $("$BB" --list); do [ "$a" = busybox ] || ln -s busybox "$IMG/bin/$a"; done
ln -s bin "$IMG/sbin"
mkdir -p "$IMG/usr"; ln -s ../bin "$IMG/usr/bin"; ln -s ../bin "$IMG/usr/sbin"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$IMG/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$IMG/etc/group"
echo "hello from the boot2docker test image" > "$IMG/www/index.html"
chmod 1777 "$IMG/tmp"; chmod 0700 "$IMG/root"
tar -C "$IMG" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$OUTDIR/image.tar.tmp" .
mv -f "$OUTDIR/image.tar.tmp" "$OUTDIR/image.tar"
step "docker client, image.tar"

cat > "$OUTDIR/versions.txt" <<EOF
boot2docker.iso b2d-v$DOCKER_VERSION
boot2docker-legacy.iso b2d-v$LEGACY_VERSION
kernel $KVER
docker $(dpkg-deb -f "$DEBS/${DEBFILE[docker.io]}" Version)
append $APPEND
EOF
echo "$HASH" > "$OUTDIR/.inputs.sha256"
ls -l "$OUTDIR" | sed 's/^/guest: /'
step "done"
