#!/bin/bash
# build.sh OUTDIR: builds boot2docker-compatible guest ISOs from Debian
# bookworm packages only (apt-get download + dpkg -x). See README.md.
#
# Writes OUTDIR/boot2docker.iso, OUTDIR/boot2docker-legacy.iso, OUTDIR/docker
# (host client) and OUTDIR/image.tar (busybox rootfs for `docker import`).
# The downloaded .debs are kept in $GUEST_DEB_CACHE (default OUTDIR/../debs).
# Nothing is rebuilt when the hash of the inputs (the files of this directory
# and the resolved package versions) matches OUTDIR/.inputs.sha256.
# The steps shared with the product ISO are in ../../iso/lib.sh.
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

LIB_TAG=guest NICE=()
# shellcheck source=../../iso/lib.sh
. "$HERE/../../iso/lib.sh"
lock_outdir # tests may call this concurrently

# --- host tools -------------------------------------------------------------
# installed when missing (or one line naming the apt-get command to run)
"$HERE/../host-packages.sh" "$HERE/host-packages.txt" || exit 1
step "host tools"

# --- resolve package versions -------------------------------------------------
mapfile -t PKGS < <(list "$HERE/packages.txt")
KPKG=$(kernel_package)
if [ -z "$KPKG" ]; then
	apt-get update -qq
	KPKG=$(kernel_package)
fi
[ -n "$KPKG" ] || die "cannot resolve linux-image-amd64"
for i in "${!PKGS[@]}"; do [ "${PKGS[$i]}" = linux-image-amd64 ] && PKGS[$i]=$KPKG; done
resolve_uris --update "${PKGS[@]}"
step "resolve packages"

# --- input hash: this directory's build inputs + resolved packages --------------
HASH=$(echo "$LEGACY_VERSION $ZSTD_LEVEL $APPEND" | inputs_hash "$HERE/../.." test/guest/build.sh iso/lib.sh \
	test/guest/packages.txt test/guest/modules.txt test/guest/host-packages.txt -- test/guest/rootfs)
OUTPUTS=(boot2docker.iso boot2docker-legacy.iso docker image.tar)
uptodate=1
for f in "${OUTPUTS[@]}"; do [ -s "$OUTDIR/$f" ] || uptodate=0; done
if [ $uptodate = 1 ] && [ "$(cat "$OUTDIR/.inputs.sha256" 2>/dev/null)" = "$HASH" ]; then
	step "up to date ($HASH)"
	exit 0
fi
echo "guest: building into $OUTDIR (inputs $HASH)"

# --- download ------------------------------------------------------------------
fetch_debs "${PKGS[@]}"
step "download ($NEW new)"

# --- unpack ----------------------------------------------------------------------
make_work "${GUEST_KEEP_WORK:-}"
unpack_debs "" "${PKGS[@]}"
DOCKER_VERSION=$(docker_version)
step "unpack"

# --- kernel and modules --------------------------------------------------------------
modules "$HERE/modules.txt"
step "modules (${#WANT[@]})"

# --- trim -------------------------------------------------------------------------------
trim
step "trim"

# --- merged /usr (like a bookworm system): bin, sbin, lib, lib64 -> usr/ ------------------
usrmerge
step "usrmerge"

# --- busybox applets (real tools from the packages win) ----------------------------------
applets
step "applets"

# --- overlay files, users, permissions -------------------------------------------------------
cp -a "$HERE/rootfs/." "$ROOT/"
finish_root
step "overlay"

# --- every ELF file must find its libraries (inside the image) ---------------------------------
check_libs test/guest/packages.txt
step "library check"

# --- the docker binaries in zstd tarballs, unpacked at boot into /opt/docker ---------------
docker_payload
step "docker payload"

# --- initramfs: one big archive shared by both ISOs + a small one per ISO ---------------------
bbcpio() { "$BB" cpio -o -H newc 2>/dev/null; } # owners as on disk
initramfs "$WORK/base.cpio.zst" bbcpio
# pad to a multiple of 4 (the kernel skips zero padding between archives)
sz=$(stat -c %s "$WORK/base.cpio.zst")
[ $((sz % 4)) = 0 ] || head -c $((4 - sz % 4)) /dev/zero >> "$WORK/base.cpio.zst"
step "initramfs"

mkiso() { # mkiso NAME VERSION LAYOUT(new|legacy)
	local name=$1 version=$2 layout=$3 dir="$WORK/iso-$1" extra="$WORK/extra-$1" cfgdir kernel
	rm -rf "$dir" "$extra"
	mkdir -p "$extra/etc" "$dir/boot"
	os_release "$extra/etc/os-release" "$version" \
		"Boot2Docker $version (Debian bookworm test guest, docker $DOCKER_VERSION)" \
		"https://github.com/boot2docker/boot2docker"
	echo "$version" > "$extra/etc/boot2docker-version"
	chmod 0755 "$extra" "$extra/etc"
	cat "$WORK/base.cpio.zst" > "$dir/boot/initrd.img"
	mkcpio "$extra" bbcpio | zstd -q -19 >> "$dir/boot/initrd.img"
	if [ "$layout" = new ]; then
		kernel=vmlinuz; cfgdir="$dir/isolinux"
	else
		kernel=vmlinuz64; cfgdir="$dir/boot/isolinux"
	fi
	cp "$WORK/vmlinuz" "$dir/boot/$kernel"
	isolinux_cfg "$cfgdir" "$kernel" "Boot2Docker $version (Debian bookworm test guest)"
	master_iso "$OUTDIR/$name" "$version" "$dir" -R
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
docker $(debver docker.io)
append $APPEND
EOF
echo "$HASH" > "$OUTDIR/.inputs.sha256"
ls -l "$OUTDIR" | sed 's/^/guest: /'
step "done"
