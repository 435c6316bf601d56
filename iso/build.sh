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

T0=$(date +%s.%N)
TLAST=$T0
step() { # step NAME: prints the time spent since the previous step
	local now; now=$(date +%s.%N)
	awk -v n="$now" -v l="$TLAST" -v t="$T0" -v s="$1" \
		'BEGIN { printf "iso: %-32s %6.1fs  (total %6.1fs)\n", s, n - l, n - t }'
	TLAST=$now
}
die() { echo "iso: ERROR: $*" >&2; exit 1; }
list() { sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$@"; }

"$REPO/test/host-packages.sh" "$HERE/host-packages.txt" || exit 1
[ -s "$KEYRING" ] || die "no $KEYRING (package debian-archive-keyring)"
mkdir -p "$OUTDIR" "$CACHE"
exec 9>"$OUTDIR/.lock"
flock 9
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
KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
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
URIS=$(cd /tmp && apt-get download --print-uris "${REQ[@]}" 2>&1) ||
	die "apt-get download --print-uris failed: $(grep -v "^'" <<<"$URIS")"
URIS=$(grep "^'" <<<"$URIS" | LC_ALL=C sort)
[ "$(wc -l <<<"$URIS")" -eq "${#PKGS[@]}" ] || die "not every package resolved: $URIS"
step "resolve ${#PKGS[@]} packages"

# --- inputs: nothing to do when they are those of the ISO in OUTDIR --------------------
HASH=$(
	cd "$REPO"
	{
		for f in iso/build.sh iso/packages.txt iso/modules.txt test/guest/modules.txt; do sha256sum "$f"; done
		find test/guest/rootfs iso/rootfs -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
			if [ -L "$f" ]; then echo "L $f $(readlink "$f")"
			elif [ -d "$f" ]; then echo "D $f"
			elif [ -x "$f" ]; then echo "X $f $(sha256sum < "$f")"
			else echo "F $f $(sha256sum < "$f")"; fi
		done
		echo "$URIS"
		echo "$ZSTD_LEVEL $APPEND ${SOURCE_DATE_EPOCH:-}"
	} | sha256sum | cut -d' ' -f1
)
if [ -z "${ISO_FORCE:-}" ] && [ -s "$OUTDIR/boot2docker.iso" ] && [ "$(cat "$OUTDIR/.inputs.sha256" 2>/dev/null)" = "$HASH" ]; then
	step "up to date (inputs $HASH)"
	cat "$OUTDIR/boot2docker.iso.sha256"
	exit 0
fi
rm -f "$OUTDIR/.inputs.sha256"
echo "iso: building into $OUTDIR (inputs $HASH)"

# --- download ------------------------------------------------------------------------
need=()
declare -A DEBFILE DEBSUM
while read -r uri file size sum; do
	pkg=${file%%_*}
	DEBFILE[$pkg]=$file
	DEBSUM[$pkg]=${sum#SHA256:}
	if [ -f "$DEBS/$file" ] && [ "$(sha256sum < "$DEBS/$file" | cut -d' ' -f1)" = "${sum#SHA256:}" ]; then
		continue
	fi
	for r in "${REQ[@]}"; do [ "${r%%=*}" = "$pkg" ] && need+=("$r"); done
done <<<"$URIS"
if [ ${#need[@]} -gt 0 ]; then
	echo "iso: downloading ${#need[@]} packages into $DEBS"
	(cd "$DEBS" && apt-get download -q "${need[@]}" >/dev/null)
fi
for pkg in "${PKGS[@]}"; do
	[ "$(sha256sum < "$DEBS/${DEBFILE[$pkg]}" | cut -d' ' -f1)" = "${DEBSUM[$pkg]}" ] || die "checksum mismatch: $DEBS/${DEBFILE[$pkg]}"
done
exec 8>&-
step "download (${#need[@]} new)"

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
WORK="$OUTDIR/.work"
rm -rf "$WORK"
mkdir -p "$WORK"
[ -n "${ISO_KEEP_WORK:-}" ] || trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/root"
BOOT="$WORK/bootloader"
mkdir -p "$ROOT" "$BOOT"
for pkg in "${PKGS[@]}"; do
	case $pkg in isolinux|syslinux-common) dir=$BOOT ;; *) dir=$ROOT ;; esac
	nice -n 10 dpkg-deb -x "$DEBS/${DEBFILE[$pkg]}" "$dir" &
	[ "$(jobs -rp | wc -l)" -lt 2 ] || wait -n
done
wait
BB="$ROOT/bin/busybox"
[ -x "$BB" ] || BB="$ROOT/usr/bin/busybox"
[ -x "$BB" ] || die "busybox-static not unpacked"
MODBASE=$ROOT/lib/modules
[ -d "$MODBASE" ] || MODBASE=$ROOT/usr/lib/modules
KVER=$(ls "$MODBASE")
[ "$(wc -w <<<"$KVER")" = 1 ] || die "expected one kernel, got: $KVER"
DEBVER() { dpkg-deb -f "$DEBS/${DEBFILE[$1]}" Version; }
DOCKER_VERSION=$(DEBVER docker.io | sed -e 's/^[0-9]*://' -e 's/[+~-].*//')
step "unpack"

# --- kernel and modules: the harness guest's list + iso/modules.txt, with
# everything they depend on; decompressed (.ko.xz -> .ko) for busybox modprobe ---------
cp "$ROOT/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
MODSRC="$WORK/modules-full"
mv "$MODBASE/$KVER" "$MODSRC"
rm -rf "$ROOT/boot" "$ROOT/lib/modules" "$ROOT/usr/lib/modules"
MODDST="$ROOT/usr/lib/modules/$KVER"
mkdir -p "$MODDST"
modname() { local n=${1##*/}; n=${n%.xz}; n=${n%.zst}; n=${n%.ko}; echo "${n//-/_}"; }
declare -A MODPATH WANT
while IFS= read -r p; do MODPATH[$(modname "$p")]=$p; done < <(cd "$MODSRC" && find kernel -name '*.ko*')
queue=()
while read -r m; do
	case $m in
	dir:*) while IFS= read -r p; do queue+=("$(modname "$p")"); done < <(cd "$MODSRC" && find "kernel/${m#dir:}" -name '*.ko*') ;;
	*) queue+=("${m//-/_}") ;;
	esac
done < <(list "$GUEST/modules.txt" "$HERE/modules.txt")
while [ ${#queue[@]} -gt 0 ]; do # breadth first: the depends= of each module's .modinfo
	new=()
	for m in "${queue[@]}"; do
		[ -n "${WANT[$m]:-}" ] && continue
		if [ -z "${MODPATH[$m]:-}" ]; then
			grep -q -e "/$m.ko\$" -e "/${m//_/-}.ko\$" "$MODSRC/modules.builtin" || die "no module $m"
			continue # built into the kernel
		fi
		p=${MODPATH[$m]}
		WANT[$m]=${p%.ko*}.ko
		mkdir -p "$MODDST/${p%/*}"
		case $p in
		*.xz) xz -dc "$MODSRC/$p" ;;
		*.zst) zstd -qdc "$MODSRC/$p" ;;
		*) cat "$MODSRC/$p" ;;
		esac > "$MODDST/${WANT[$m]}"
		new+=("$MODDST/${WANT[$m]}")
	done
	queue=()
	[ ${#new[@]} -gt 0 ] || break
	while IFS= read -r d; do
		[ -n "$d" ] && queue+=("${d//-/_}")
	done < <(awk -v RS='\0' '/^depends=/ { print substr($0, 9) }' "${new[@]}" | tr ',' '\n' | sort -u)
done
cp "$MODSRC/modules.builtin" "$MODSRC/modules.order" "$MODDST/"
rm -rf "$MODSRC"
step "modules (${#WANT[@]})"

# --- trim: what a boot2docker guest does not use ------------------------------------------
(
	cd "$ROOT"
	for d in . usr; do
		rm -rf $d/share/doc $d/share/man $d/share/info $d/share/locale $d/share/lintian \
			$d/share/bug $d/share/bash-completion $d/share/zsh $d/share/fish \
			$d/share/common-licenses $d/share/gcc $d/share/gdb $d/share/menu $d/share/i18n \
			$d/lib/systemd $d/lib/udev $d/lib/x86_64-linux-gnu/gconv $d/lib/tmpfiles.d $d/lib/sysusers.d
	done
	rm -rf etc/systemd etc/init.d etc/default etc/cron.* etc/logrotate.d usr/share/apport
	for d in bin sbin usr/bin usr/sbin usr/libexec usr/lib/openssh; do
		for f in ctr containerd-shim containerd-shim-runc-v1 containerd-stress dnet ovrouter tini \
			rpc.gssd rpc.svcgssd rpc.idmapd blkmapd nfsidmap nfsdcld nfsdclddb nfsdclnts nfnl_osf \
			xtables-nft-multi cfdisk nfsrahead start-statd sudo_logsrvd sudo_sendlog sudoreplay cvtsudoers \
			ssh-sk-helper ssh-keysign kmod depmod insmod lsmod modinfo modprobe rmmod pzstd; do
			rm -f "$d/$f"
		done
	done
	rm -f usr/libexec/sudo/sudo_intercept.so usr/libexec/sudo/audit_json.so
	# the nft-based iptables front ends went with xtables-nft-multi: legacy (x_tables) like boot2docker
	rm -f usr/sbin/*-nft usr/sbin/*-nft-* usr/sbin/*-translate usr/sbin/xtables-monitor sbin/*-nft sbin/*-nft-*
	# only the PAM modules the guest uses
	find . -path '*/x86_64-linux-gnu/security/pam_*.so' ! -name pam_permit.so ! -name pam_deny.so \
		! -name pam_rootok.so ! -name pam_env.so -delete
	rm -rf lib/x86_64-linux-gnu/security/pam_filter usr/lib/x86_64-linux-gnu/security/pam_filter \
		usr/lib/x86_64-linux-gnu/krb5
)
step "trim"

# --- merged /usr: bin, sbin, lib, lib64 -> usr/ --------------------------------------------
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
for d in bin sbin lib lib64; do # trixie packages ship (almost) nothing outside /usr
	[ -e "$ROOT/$d" ] || { mkdir -p "$ROOT/usr/$d"; ln -s "usr/$d" "$ROOT/$d"; }
done
BB="$ROOT/usr/bin/busybox"
step "usrmerge"

# --- busybox applets where no real tool has the name --------------------------------------------
ln -sf bash "$ROOT/usr/bin/sh"
while IFS= read -r p; do
	a=${p##*/}
	case $a in busybox|linuxrc) continue ;; esac
	if [ ! -e "$ROOT/usr/bin/$a" ] && [ ! -L "$ROOT/usr/bin/$a" ] && [ ! -e "$ROOT/usr/sbin/$a" ]; then
		ln -s busybox "$ROOT/usr/bin/$a"
	fi
	case $p in
	sbin/*|usr/sbin/*)
		[ -e "$ROOT/usr/sbin/$a" ] || [ -L "$ROOT/usr/sbin/$a" ] || ln -s ../bin/busybox "$ROOT/usr/sbin/$a" ;;
	esac
done < <("$BB" --list-full)
for t in iptables ip6tables; do
	for s in "" -save -restore; do ln -sf "$t-legacy$s" "$ROOT/usr/sbin/$t$s"; done
done
ln -sf tini-static "$ROOT/usr/bin/docker-init"
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
cat > "$ROOT/etc/os-release" <<EOF
NAME=Boot2Docker
VERSION=$DOCKER_VERSION
ID=boot2docker
ID_LIKE=tcl
VERSION_ID=$DOCKER_VERSION
PRETTY_NAME="Boot2Docker $DOCKER_VERSION (Debian trixie, kernel $KVER)"
BUILD_ID=$DATE
ANSI_COLOR="1;34"
HOME_URL="https://github.com/zchee/docker-machine-driver-xhyve/tree/main/iso"
EOF
echo "$DOCKER_VERSION" > "$ROOT/etc/boot2docker-version"
(
	cd "$ROOT"
	chmod 0755 .
	mkdir -p proc sys dev run tmp root home/docker mnt var/log var/lib/boot2docker var/lib/docker \
		var/lib/nfs/sm var/lib/nfs/sm.bak etc/ssh usr/local/bin usr/local/sbin
	ln -sfn /run var/run
	ln -sfn /run/lock var/lock
	[ -c dev/console ] || mknod -m 0600 dev/console c 5 1
	[ -c dev/null ] || mknod -m 0666 dev/null c 1 3
	chmod 1777 tmp
	chmod 0700 root
	touch var/lib/nfs/state
	chmod 0440 etc/sudoers
	chmod 0600 etc/shadow
	chmod u+s usr/bin/sudo
	# the harness guest's scripts are mode 0644 in git (its build.sh sets these modes)
	find etc/init.d usr/local/etc/init.d usr/bin/sethostname usr/sbin/start-statd usr/share/udhcpc \
		etc/acpi usr/lib/boot2docker init -type f -exec chmod 0755 {} +
	echo "$KVER" > etc/boot2docker/kernel-version
	printf 'include /etc/ld.so.conf.d/*.conf\n' > etc/ld.so.conf
	rm -f etc/ld.so.cache
)
ldconfig -r "$ROOT"
"$BB" depmod -b "$ROOT" "$KVER"
step "overlay"

# --- every ELF file must find its libraries (inside the image) -----------------------------------
check_libs() {
	local bad=0 f out magic
	while IFS= read -r -d '' f; do
		LC_ALL=C read -r -N 4 magic < "$ROOT/$f" 2>/dev/null || continue
		[ "$magic" = $'\x7fELF' ] || continue
		case $f in ./usr/lib/modules/*) continue ;; esac
		# a missing library shows as "=> not found", or (for the first one
		# ld.so cannot load) as "cannot open shared object file" with exit 127
		out=$(chroot "$ROOT" /usr/lib64/ld-linux-x86-64.so.2 --list "${f#.}" 2>&1) || {
			grep -q 'not a dynamic executable\|statically linked' <<<"$out" && continue
		}
		if grep -q 'not found\|cannot open shared object' <<<"$out"; then
			echo "iso: missing libraries for ${f#.}:" >&2
			grep 'not found\|cannot open shared object' <<<"$out" >&2
			bad=1
		fi
	done < <(cd "$ROOT" && find . -type f -perm -u+x -print0 -o -type f -name '*.so*' -print0)
	return $bad
}
check_libs || die "library check failed (add the library packages to iso/packages.txt)"
step "library check"

# --- the docker binaries in two zstd tarballs that rcS unpacks into a tmpfs on
# /opt/docker (as in the harness guest: a smaller initramfs boots faster) ------------------------
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
	tar -C "$PAYLOAD" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
		--format=gnu -cf - . | nice -n 10 zstd -q -T0 -"$ZSTD_LEVEL" > "$ROOT/usr/lib/boot2docker/docker-$i.tar.zst"
done
rm -f "$ROOT/usr/sbin/dockerd" && ln -s /opt/docker/usr/sbin/dockerd "$ROOT/usr/local/bin/dockerd"
step "docker payload"

# --- initramfs: owners root but ~docker; every date SOURCE_DATE_EPOCH; sorted newc
# archive with inode numbers from GNU cpio --reproducible; zstd (same bytes for any -T) ---------
chown -R -h 0:0 "$ROOT"
chown 1000:50 "$ROOT/home/docker"
chmod u+s "$ROOT/usr/bin/sudo"
find "$ROOT" -depth -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$ROOT" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible) |
	nice -n 10 zstd -q -T0 -"$ZSTD_LEVEL" > "$WORK/initrd.img"
du -sm "$ROOT" | awk '{printf "iso: root file system %d MB, ", $1}'
stat -c '%s' "$WORK/initrd.img" | awk '{printf "initramfs %d MB (zstd -'"$ZSTD_LEVEL"')\n", $1/1048576}'
step "initramfs"

# --- the ISO: 18.09+ layout, isolinux (El Torito, BIOS) + isohybrid MBR --------------------------
DIR="$WORK/iso"
install -D -m 0644 "$WORK/vmlinuz" "$DIR/boot/vmlinuz"
install -D -m 0644 "$WORK/initrd.img" "$DIR/boot/initrd.img"
install -D -m 0644 "$BOOT/usr/lib/ISOLINUX/isolinux.bin" "$DIR/isolinux/isolinux.bin"
install -D -m 0644 "$BOOT/usr/lib/syslinux/modules/bios/ldlinux.c32" "$DIR/isolinux/ldlinux.c32"
cat > "$DIR/isolinux/isolinux.cfg" <<EOF
serial 0 115200
display boot.msg
default boot2docker
label boot2docker
  kernel /boot/vmlinuz
  initrd /boot/initrd.img
  append $APPEND
implicit 0
prompt 1
timeout 1
F1 boot.msg
EOF
printf '\n  Boot2Docker %s (Debian trixie, kernel %s)\n\n' "$DOCKER_VERSION" "$KVER" > "$DIR/isolinux/boot.msg"
find "$DIR" -depth -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
rm -f "$OUTDIR/boot2docker.iso.tmp"
# xorriso takes its dates from SOURCE_DATE_EPOCH (volume dates, file dates
# from the mtimes, no "now"); --modification-date fixes the volume's too
nice -n 10 xorriso -as mkisofs -quiet -r -V "b2d-v$DOCKER_VERSION" -A "Boot2Docker-v$DOCKER_VERSION" \
	-p "docker-machine-driver-xhyve iso/build.sh" \
	--modification-date="${DATE}00" \
	-b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
	-isohybrid-mbr "$BOOT/usr/lib/ISOLINUX/isohdpfx.bin" \
	-o "$OUTDIR/boot2docker.iso.tmp" "$DIR" 2>&1 | grep -v -e '^xorriso' -e '^$' >&2 || true
[ -s "$OUTDIR/boot2docker.iso.tmp" ] || die "xorriso failed"
[ "$(dd if="$OUTDIR/boot2docker.iso.tmp" bs=1 skip=$((0x8028)) count=32 2>/dev/null | tr -d ' ')" = "b2d-v$DOCKER_VERSION" ] ||
	die "volume id at 0x8028 is not b2d-v$DOCKER_VERSION"
step "iso"

# --- manifest, sha256 ---------------------------------------------------------------------------
{
	echo "# boot2docker.iso: Boot2Docker $DOCKER_VERSION from Debian trixie"
	echo "# volume id b2d-v$DOCKER_VERSION, kernel $KVER, SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH ($DATE UTC)"
	echo "# append $APPEND"
	echo "# zstd level $ZSTD_LEVEL"
	echo "# host tools: $(xorriso -version 2>&1 | head -n1 | cut -d: -f1), $(zstd -V | grep -o 'v[0-9.]*' | head -n1 | sed 's/^/zstd /'), $(cpio --version | head -n1)"
	echo "# package version sha256-of-the-.deb"
	for pkg in "${PKGS[@]}"; do echo "$pkg $(DEBVER "$pkg") ${DEBSUM[$pkg]}"; done | LC_ALL=C sort
} > "$OUTDIR/manifest.txt"
mv -f "$OUTDIR/boot2docker.iso.tmp" "$OUTDIR/boot2docker.iso"
(cd "$OUTDIR" && sha256sum boot2docker.iso > boot2docker.iso.sha256)
echo "$HASH" > "$OUTDIR/.inputs.sha256"
ls -l "$OUTDIR/boot2docker.iso" | sed 's/^/iso: /'
grep -E '^(docker.io|containerd|runc|linux-image-6[^ ]*|openssh-server) ' "$OUTDIR/manifest.txt" | cut -d' ' -f1,2 | sed 's/^/iso: /'
step "done"
cat "$OUTDIR/boot2docker.iso.sha256"
