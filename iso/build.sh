#!/bin/bash
# iso/build.sh [OUTDIR]: builds the product boot2docker.iso from Debian trixie
# packages only, reproducibly. See iso/README.md.
#
# Writes OUTDIR/boot2docker.iso, OUTDIR/boot2docker.iso.sha256 and
# OUTDIR/manifest.txt (every package and version), OUTDIR defaulting to
# .cache/iso. The boot scripts are the harness guest's (test/guest/rootfs,
# read here, never changed), with the product's few overrides of iso/rootfs
# on top. apt runs with its own configuration (trixie sources, state and
# cache under $ISO_CACHE, default .cache/iso), never the host's.
#
# Environment:
#   ISO_CACHE=DIR        apt state and the .debs (default .cache/iso); builds share it
#   ISO_APT_UPDATE=0|1   never / always `apt-get update` (default: when the
#                        package lists are older than an hour)
#   ISO_PIN=MANIFEST     build exactly the package versions of a manifest.txt
#   ISO_ZSTD_LEVEL=N     zstd level of the initramfs and docker tarballs (default 10;
#                        19 makes the ISO ~10% smaller for ~10 times the CPU)
#   SOURCE_DATE_EPOCH    the date of every file and of the ISO (default: the
#                        newest package's build date)
#   ISO_FORCE=1          rebuild even when the inputs are unchanged
#   ISO_KEEP_WORK=1      keep OUTDIR/.work (the unpacked tree) for debugging
# Runs as root on Debian (bookworm or later).
set -euo pipefail

[ $# -le 1 ] || { echo "usage: $0 [OUTDIR]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "iso/build.sh: must run as root" >&2; exit 1; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
GUEST=$REPO/test/guest     # boot scripts and module list of the harness guest
OUTDIR=$(realpath -m "${1:-$REPO/.cache/iso}")
CACHE=$(realpath -m "${ISO_CACHE:-$REPO/.cache/iso}")
APTDIR=$CACHE/apt
DEBS=$CACHE/debs
MIRROR=http://deb.debian.org/debian
SECURITY=http://deb.debian.org/debian-security
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
ZSTD_LEVEL=${ISO_ZSTD_LEVEL:-10}
APPEND="loglevel=3 console=ttyS0 console=tty0 noembed nomodeset norestore waitusb=10 base"

LIB_TAG=iso NICE=(nice -n 10)
# shellcheck source=iso/lib.sh
. "$HERE/lib.sh"

"$REPO/test/host-packages.sh" "$HERE/host-packages.txt" || exit 1
[ -s "$KEYRING" ] || die "no $KEYRING (package debian-archive-keyring)"
mkdir -p "$CACHE"
lock_outdir
step "host tools"

# --- apt for trixie: own sources, state, cache (APT_CONFIG is read before
# anything of the host's /etc/apt) ----------------------------------------------
mkdir -p "$APTDIR"/etc/{apt.conf.d,preferences.d,sources.list.d,trusted.gpg.d} \
	"$APTDIR"/state/lists/partial "$APTDIR"/cache/archives/partial "$APTDIR"/log "$DEBS"
touch "$APTDIR/state/status"
cat > "$APTDIR/apt.conf" <<EOF
Dir::Etc "$APTDIR/etc";
Dir::Etc::main "$APTDIR/etc/apt.conf";
Dir::Etc::parts "$APTDIR/etc/apt.conf.d";
Dir::Etc::sourcelist "$APTDIR/etc/sources.list";
Dir::Etc::sourceparts "$APTDIR/etc/sources.list.d";
Dir::Etc::preferences "$APTDIR/etc/preferences";
Dir::Etc::preferencesparts "$APTDIR/etc/preferences.d";
Dir::Etc::trusted "$APTDIR/etc/trusted.gpg";
Dir::Etc::trustedparts "$APTDIR/etc/trusted.gpg.d";
Dir::State "$APTDIR/state";
Dir::State::status "$APTDIR/state/status";
Dir::Cache "$APTDIR/cache";
Dir::Log "$APTDIR/log";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
Acquire::Languages "none";
Acquire::IndexTargets::deb::DEP-11::DefaultEnabled "false";
APT::Sandbox::User "root";
EOF
# Release files are checked against Debian's archive keys (the host's
# debian-archive-keyring has trixie's since bookworm's 2023.3+deb12u1)
cat > "$APTDIR/etc/sources.list.d/trixie.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: trixie trixie-updates
Components: main
Signed-By: $KEYRING

Types: deb
URIs: $SECURITY
Suites: trixie-security
Components: main
Signed-By: $KEYRING
EOF
export APT_CONFIG=$APTDIR/apt.conf
exec 8>"$CACHE/.apt-lock"
flock 8
lists=$(find "$APTDIR/state/lists" -maxdepth 1 -name '*_Packages' -mmin -60 | wc -l)
if [ "${ISO_APT_UPDATE:-}" = 1 ] || { [ "${ISO_APT_UPDATE:-}" != 0 ] && [ "$lists" -lt 3 ]; }; then
	nice -n 10 apt-get update -q >/dev/null || die "apt-get update (trixie) failed"
fi
step "apt update"

# --- resolve package versions -----------------------------------------------------
mapfile -t PKGS < <(list "$HERE/packages.txt")
KPKG=$(kernel_package)
[ -n "$KPKG" ] || die "cannot resolve linux-image-amd64"
for i in "${!PKGS[@]}"; do [ "${PKGS[$i]}" = linux-image-amd64 ] && PKGS[$i]=$KPKG; done
REQ=("${PKGS[@]}") # what apt-get is asked for: NAME, or NAME=VERSION with ISO_PIN
if [ -n "${ISO_PIN:-}" ]; then # exactly the versions of a manifest: "package version" lines
	declare -A PIN
	while read -r p v _; do PIN[$p]=$v; done < <(grep -v '^#' "$ISO_PIN")
	for i in "${!REQ[@]}"; do
		p=${REQ[$i]}
		case $p in linux-image-6*) p=$(grep -o '^linux-image-6[^ ]*' "$ISO_PIN" | head -n1); PKGS[$i]=$p ;; esac
		[ -n "${PIN[$p]:-}" ] || die "$p is not in $ISO_PIN"
		REQ[$i]="$p=${PIN[$p]}"
	done
fi
resolve_uris "${REQ[@]}"
step "resolve ${#PKGS[@]} packages"

# --- inputs: nothing to do when they are those of the ISO in OUTDIR --------------------
HASH=$(echo "$ZSTD_LEVEL $APPEND ${SOURCE_DATE_EPOCH:-}" | inputs_hash "$REPO" iso/build.sh iso/lib.sh \
	iso/packages.txt iso/modules.txt test/guest/modules.txt -- test/guest/rootfs iso/rootfs)
if [ -z "${ISO_FORCE:-}" ] && [ -s "$OUTDIR/boot2docker.iso" ] && [ "$(cat "$OUTDIR/.inputs.sha256" 2>/dev/null)" = "$HASH" ]; then
	step "up to date (inputs $HASH)"
	cat "$OUTDIR/boot2docker.iso.sha256"
	exit 0
fi
rm -f "$OUTDIR/.inputs.sha256"
echo "iso: building into $OUTDIR (inputs $HASH)"

# --- download ------------------------------------------------------------------------
fetch_debs "${REQ[@]}"
exec 8>&-
step "download ($NEW new)"

# SOURCE_DATE_EPOCH: the newest package's build date (the mtime of the first
# ar member of a .deb: dpkg-deb sets it to the package's SOURCE_DATE_EPOCH)
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=0
	for pkg in "${PKGS[@]}"; do
		t=$(dd if="$DEBS/${DEBFILE[$pkg]}" bs=1 skip=24 count=12 2>/dev/null | tr -d ' ')
		[ "$t" -le "$SOURCE_DATE_EPOCH" ] || SOURCE_DATE_EPOCH=$t
	done
fi
export SOURCE_DATE_EPOCH
export TZ=UTC LC_ALL=C
DATE=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d%H%M%S)

# --- unpack -------------------------------------------------------------------------------
make_work "${ISO_KEEP_WORK:-}"
BOOT="$WORK/bootloader"
unpack_debs "$BOOT" "${PKGS[@]}"
DOCKER_VERSION=$(docker_version)
step "unpack"

# --- kernel and modules: the harness guest's list + iso/modules.txt, with
# everything they depend on; decompressed (.ko.xz -> .ko) for busybox modprobe ---------
modules "$GUEST/modules.txt" "$HERE/modules.txt"
step "modules (${#WANT[@]})"

# --- trim: what a boot2docker guest does not use ------------------------------------------
trim lib/tmpfiles.d usr/lib/tmpfiles.d lib/sysusers.d usr/lib/sysusers.d 'etc/cron.*' etc/logrotate.d \
	usr/share/apport -- nfsdcld nfsdclddb nfsdclnts
step "trim"

# --- merged /usr: bin, sbin, lib, lib64 -> usr/ --------------------------------------------
usrmerge
step "usrmerge"

# --- busybox applets where no real tool has the name --------------------------------------------
applets
step "applets"

# --- the harness guest's files, then the product's overrides (modes from git:
# executable or not; owners root) --------------------------------------------------------------
overlay() { # overlay SRC: copies the tree SRC over $ROOT
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort) | while IFS= read -r f; do
		if [ -L "$1/$f" ]; then ln -sfn "$(readlink "$1/$f")" "$ROOT/$f"
		elif [ -d "$1/$f" ]; then install -d -m 0755 "$ROOT/$f"
		elif [ -x "$1/$f" ]; then install -m 0755 "$1/$f" "$ROOT/$f"
		else install -m 0644 "$1/$f" "$ROOT/$f"; fi
	done
}
overlay "$GUEST/rootfs"
overlay "$HERE/rootfs"
os_release "$ROOT/etc/os-release" "$DOCKER_VERSION" "Boot2Docker $DOCKER_VERSION (Debian trixie, kernel $KVER)" \
	"https://github.com/zchee/docker-machine-driver-xhyve/tree/main/iso" "$DATE"
echo "$DOCKER_VERSION" > "$ROOT/etc/boot2docker-version"
finish_root
step "overlay"

# --- every ELF file must find its libraries (inside the image) -----------------------------------
check_libs iso/packages.txt
step "library check"

# --- the docker binaries in two zstd tarballs that rcS unpacks into a tmpfs on
# /opt/docker (as in the harness guest: a smaller initramfs boots faster) ------------------------
docker_payload --sort=name --mtime="@$SOURCE_DATE_EPOCH" --format=gnu
step "docker payload"

# --- initramfs: owners root but ~docker; every date SOURCE_DATE_EPOCH; sorted newc
# archive with inode numbers from GNU cpio --reproducible; zstd (same bytes for any -T) ---------
chown -R -h 0:0 "$ROOT"
chown 1000:50 "$ROOT/home/docker"
chmod u+s "$ROOT/usr/bin/sudo"
find "$ROOT" -depth -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
initramfs "$WORK/initrd.img" cpio --quiet -o -H newc --reproducible
step "initramfs"

# --- the ISO: 18.09+ layout, isolinux (El Torito, BIOS) + isohybrid MBR --------------------------
DIR="$WORK/iso"
install -D -m 0644 "$WORK/vmlinuz" "$DIR/boot/vmlinuz"
install -D -m 0644 "$WORK/initrd.img" "$DIR/boot/initrd.img"
install -D -m 0644 "$BOOT/usr/lib/ISOLINUX/isolinux.bin" "$DIR/isolinux/isolinux.bin"
install -D -m 0644 "$BOOT/usr/lib/syslinux/modules/bios/ldlinux.c32" "$DIR/isolinux/ldlinux.c32"
isolinux_cfg "$DIR/isolinux" vmlinuz "Boot2Docker $DOCKER_VERSION (Debian trixie, kernel $KVER)"
find "$DIR" -depth -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
# xorriso takes its dates from SOURCE_DATE_EPOCH (volume dates, file dates
# from the mtimes, no "now"); --modification-date fixes the volume's too
master_iso "$OUTDIR/boot2docker.iso" "$DOCKER_VERSION" "$DIR" -r -p "docker-machine-driver-xhyve iso/build.sh" \
	--modification-date="${DATE}00" \
	-b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
	-isohybrid-mbr "$BOOT/usr/lib/ISOLINUX/isohdpfx.bin"
step "iso"

# --- manifest, sha256 ---------------------------------------------------------------------------
{
	echo "# boot2docker.iso: Boot2Docker $DOCKER_VERSION from Debian trixie"
	echo "# volume id b2d-v$DOCKER_VERSION, kernel $KVER, SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH ($DATE UTC)"
	echo "# append $APPEND"
	echo "# zstd level $ZSTD_LEVEL"
	echo "# host tools: $(xorriso -version 2>&1 | head -n1 | cut -d: -f1), $(zstd -V | grep -o 'v[0-9.]*' | head -n1 | sed 's/^/zstd /'), $(cpio --version | head -n1)"
	echo "# package version sha256-of-the-.deb"
	for pkg in "${PKGS[@]}"; do echo "$pkg $(debver "$pkg") ${DEBSUM[$pkg]}"; done | LC_ALL=C sort
} > "$OUTDIR/manifest.txt"
(cd "$OUTDIR" && sha256sum boot2docker.iso > boot2docker.iso.sha256)
echo "$HASH" > "$OUTDIR/.inputs.sha256"
ls -l "$OUTDIR/boot2docker.iso" | sed 's/^/iso: /'
grep -E '^(docker.io|containerd|runc|linux-image-6[^ ]*|openssh-server) ' "$OUTDIR/manifest.txt" | cut -d' ' -f1,2 | sed 's/^/iso: /'
step "done"
cat "$OUTDIR/boot2docker.iso.sha256"
