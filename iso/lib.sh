# iso/lib.sh: the steps shared by the two ISO builds, sourced by iso/build.sh
# (the product ISO, Debian trixie, reproducible) and test/guest/build.sh (the
# harness guest, Debian bookworm). It lives in iso/ because the product build
# is where the harness guest is headed; each step is written once here and
# parameterized where the two builds differ. Not a script of its own.
#
# The caller sets, before sourcing: LIB_TAG (the prefix of every message);
# and, as it reaches the steps that use them: DEBS (the .deb cache), ROOT,
# WORK, BB, KVER, ZSTD_LEVEL, APPEND, NICE (an array, the command prefix
# of the heavy steps, may be empty).
# shellcheck shell=bash

T0=$(date +%s.%N)
TLAST=$T0
step() { # step NAME: prints the time spent since the previous step
	local now; now=$(date +%s.%N)
	awk -v n="$now" -v l="$TLAST" -v t="$T0" -v s="$1" -v p="$LIB_TAG" \
		'BEGIN { printf "%s: %-32s %6.1fs  (total %6.1fs)\n", p, s, n - l, n - t }'
	TLAST=$now
}
die() { echo "$LIB_TAG: ERROR: $*" >&2; exit 1; }
list() { sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$@"; } # list FILE...: names, no comments
lock_outdir() { mkdir -p "$OUTDIR"; exec 9>"$OUTDIR/.lock"; flock 9; } # one build per OUTDIR

# kernel_package: the versioned linux-image package of linux-image-amd64
kernel_package() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }

# resolve_uris [--update] REQ...: sets URIS (apt-get's 'uri' file size SHA256:sum
# lines, sorted); --update: an `apt-get update` and one more try when it fails
resolve_uris() {
	local upd=0
	[ "$1" != --update ] || { upd=1; shift; }
	URIS=$(cd /tmp && apt-get download --print-uris "$@" 2>&1) || {
		[ $upd = 1 ] && apt-get update -qq && URIS=$(cd /tmp && apt-get download --print-uris "$@" 2>&1)
	} || die "apt-get download --print-uris failed: $(grep -v "^'" <<<"$URIS")"
	URIS=$(grep "^'" <<<"$URIS" | LC_ALL=C sort)
	[ "$(wc -l <<<"$URIS")" -eq "$#" ] || die "not every package resolved: $URIS"
}

# inputs_hash DIR FILE... -- TREE...: sha256 of the files, the trees (names,
# links, executable or not, contents) under DIR, $URIS and the rest of stdin
inputs_hash() {
	local dir=$1; shift
	(
		cd "$dir" || exit
		while [ "$1" != -- ]; do sha256sum "$1"; shift; done; shift
		find "$@" -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
			if [ -L "$f" ]; then echo "L $f $(readlink "$f")"
			elif [ -d "$f" ]; then echo "D $f"
			elif [ -x "$f" ]; then echo "X $f $(sha256sum < "$f")"
			else echo "F $f $(sha256sum < "$f")"; fi
		done
		echo "$URIS"
		cat
	) | sha256sum | cut -d' ' -f1
}

# fetch_debs REQ...: the .debs of $URIS into $DEBS (those not there yet with
# the right sha256), checked; REQ: what apt-get is asked for, NAME[=VERSION].
# Sets DEBFILE[pkg] and DEBSUM[pkg], and NEW (how many were downloaded).
declare -A DEBFILE DEBSUM
fetch_debs() {
	local file sum pkg r need=()
	mkdir -p "$DEBS"
	while read -r _ file _ sum; do
		pkg=${file%%_*}
		DEBFILE[$pkg]=$file
		DEBSUM[$pkg]=${sum#SHA256:}
		[ -f "$DEBS/$file" ] && [ "$(sha256sum < "$DEBS/$file" | cut -d' ' -f1)" = "${sum#SHA256:}" ] && continue
		for r in "$@"; do [ "${r%%=*}" = "$pkg" ] && need+=("$r"); done
	done <<<"$URIS"
	if [ ${#need[@]} -gt 0 ]; then
		echo "$LIB_TAG: downloading ${#need[@]} packages into $DEBS"
		(cd "$DEBS" && apt-get download -q -o APT::Sandbox::User=root "${need[@]}" >/dev/null)
	fi
	for pkg in "${!DEBFILE[@]}"; do
		[ "$(sha256sum < "$DEBS/${DEBFILE[$pkg]}" | cut -d' ' -f1)" = "${DEBSUM[$pkg]}" ] ||
			die "checksum mismatch: $DEBS/${DEBFILE[$pkg]}"
	done
	# shellcheck disable=SC2034 # for the caller
	NEW=${#need[@]}
}
debver() { dpkg-deb -f "$DEBS/${DEBFILE[$1]}" Version; } # debver PKG: its version
docker_version() { debver docker.io | sed -e 's/^[0-9]*://' -e 's/[+~-].*//'; }

# make_work KEEP: a fresh $WORK (OUTDIR/.work), removed on exit unless KEEP is set
make_work() {
	WORK="$OUTDIR/.work"
	rm -rf "$WORK"
	mkdir -p "$WORK"
	[ -n "$1" ] || trap 'rm -rf "$WORK"' EXIT
	ROOT="$WORK/root"
	mkdir -p "$ROOT"
}

# unpack_debs BOOTDIR PKG...: dpkg-deb -x of each into $ROOT, two at a time (the
# big ones, kernel, docker, containerd, dominate); isolinux and syslinux-common
# into BOOTDIR. Sets BB (busybox) and KVER (the one kernel's version).
unpack_debs() {
	local boot=$1 pkg dir; shift
	for pkg in "$@"; do
		case $pkg in isolinux|syslinux-common) dir=$boot ;; *) dir=$ROOT ;; esac
		"${NICE[@]}" dpkg-deb -x "$DEBS/${DEBFILE[$pkg]}" "$dir" &
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
}

# modules LIST...: $WORK/vmlinuz, and in $ROOT/usr/lib/modules/$KVER the
# modules the LIST files name (NAME or dir:PATH) with everything they depend
# on, decompressed (.ko.xz, .ko.zst -> .ko) for busybox modprobe. Sets WANT.
modname() { local n=${1##*/}; n=${n%.xz}; n=${n%.zst}; n=${n%.ko}; echo "${n//-/_}"; }
declare -A MODPATH WANT
modules() {
	local src="$WORK/modules-full" dst="$ROOT/usr/lib/modules/$KVER" queue=() new m p d
	cp "$ROOT/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
	mv "$MODBASE/$KVER" "$src"
	rm -rf "${ROOT:?}/boot" "$ROOT/lib/modules" "$ROOT/usr/lib/modules"
	mkdir -p "$dst"
	while IFS= read -r p; do MODPATH[$(modname "$p")]=$p; done < <(cd "$src" && find kernel -name '*.ko*')
	while read -r m; do
		case $m in
		dir:*) while IFS= read -r p; do queue+=("$(modname "$p")"); done < <(cd "$src" && find "kernel/${m#dir:}" -name '*.ko*') ;;
		*) queue+=("${m//-/_}") ;;
		esac
	done < <(list "$@")
	while [ ${#queue[@]} -gt 0 ]; do # breadth first: the depends= of each module's .modinfo
		new=()
		for m in "${queue[@]}"; do
			[ -n "${WANT[$m]:-}" ] && continue
			if [ -z "${MODPATH[$m]:-}" ]; then
				grep -q -e "/$m.ko\$" -e "/${m//_/-}.ko\$" "$src/modules.builtin" || die "no module $m"
				continue # built into the kernel
			fi
			p=${MODPATH[$m]}
			WANT[$m]=${p%.ko*}.ko
			mkdir -p "$dst/${p%/*}"
			case $p in
			*.xz) xz -dc "$src/$p" ;;
			*.zst) zstd -qdc "$src/$p" ;;
			*) cat "$src/$p" ;;
			esac > "$dst/${WANT[$m]}"
			new+=("$dst/${WANT[$m]}")
		done
		queue=()
		[ ${#new[@]} -gt 0 ] || break
		while IFS= read -r d; do
			[ -n "$d" ] && queue+=("${d//-/_}")
		done < <(awk -v RS='\0' '/^depends=/ { print substr($0, 9) }' "${new[@]}" | tr ',' '\n' | sort -u)
	done
	cp "$src/modules.builtin" "$src/modules.order" "$dst/"
	rm -rf "$src"
}

# trim [PATH...] [-- TOOL...]: removes from $ROOT what a boot2docker guest does
# not use, the PATHs and the TOOLs (names in the bin and libexec directories) too;
# pzstd (C++) would need libstdc++, which neither image has
trim() ( # PATHs may be patterns, expanded in $ROOT
	paths=() tools=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do paths+=("$1"); shift; done
	[ $# -eq 0 ] || { shift; tools=("$@"); }
	cd "$ROOT" || exit
	for d in . usr; do
		rm -rf $d/share/doc $d/share/man $d/share/info $d/share/locale $d/share/lintian \
			$d/share/bug $d/share/bash-completion $d/share/zsh $d/share/fish \
			$d/share/common-licenses $d/share/gcc $d/share/gdb $d/share/menu $d/share/i18n \
			$d/lib/systemd $d/lib/udev $d/lib/x86_64-linux-gnu/gconv
	done
	# shellcheck disable=SC2068
	rm -rf etc/systemd etc/init.d etc/default ${paths[@]}
	for d in bin sbin usr/bin usr/sbin usr/libexec usr/lib/openssh; do
		for f in ctr containerd-shim containerd-shim-runc-v1 containerd-stress dnet ovrouter tini \
			rpc.gssd rpc.svcgssd rpc.idmapd blkmapd nfsidmap nfnl_osf \
			xtables-nft-multi cfdisk nfsrahead start-statd sudo_logsrvd sudo_sendlog sudoreplay cvtsudoers \
			ssh-sk-helper ssh-keysign kmod depmod insmod lsmod modinfo modprobe rmmod pzstd "${tools[@]}"; do
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

# usrmerge: bin, sbin, lib, lib64 -> usr/ (links, as on a Debian system)
usrmerge() {
	local d
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
}

# applets: busybox applets where no real tool has the name, sh, legacy iptables, docker-init
applets() {
	local p a t s
	ln -sf bash "$ROOT/usr/bin/sh"
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
}

# os_release FILE VERSION PRETTY HOME [BUILD_ID]: /etc/os-release of boot2docker
os_release() {
	{
		printf 'NAME=Boot2Docker\nVERSION=%s\nID=boot2docker\nID_LIKE=tcl\nVERSION_ID=%s\n' "$2" "$2"
		printf 'PRETTY_NAME="%s"\n' "$3"
		[ -z "${5:-}" ] || printf 'BUILD_ID=%s\n' "$5"
		printf 'ANSI_COLOR="1;34"\nHOME_URL="%s"\n' "$4"
	} > "$1"
}

# finish_root: directories, devices, modes of $ROOT (after the overlay files), ld.so.cache, modules.dep
finish_root() {
	(
		cd "$ROOT" || exit
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
		chown 1000:50 home/docker
		chmod 0755 home home/docker
		chmod 0440 etc/sudoers
		chmod 0600 etc/shadow
		chmod u+s usr/bin/sudo
		# the harness guest's scripts are mode 0644 in git
		find etc/init.d usr/local/etc/init.d usr/bin/sethostname usr/sbin/start-statd usr/share/udhcpc \
			etc/acpi usr/lib/boot2docker init -type f -exec chmod 0755 {} +
		echo "$KVER" > etc/boot2docker/kernel-version
		printf 'include /etc/ld.so.conf.d/*.conf\n' > etc/ld.so.conf
		rm -f etc/ld.so.cache
	)
	ldconfig -r "$ROOT" 2>/dev/null || ldconfig -r "$ROOT"
	"$BB" depmod -b "$ROOT" "$KVER"
}

# check_libs PACKAGES: every ELF file of $ROOT must find its libraries inside
# the image (its own ld.so --list); else dies naming PACKAGES (the list to extend)
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
			echo "$LIB_TAG: missing libraries for ${f#.}:" >&2
			grep 'not found\|cannot open shared object' <<<"$out" >&2
			bad=1
		fi
	done < <(cd "$ROOT" && find . -type f -perm -u+x -print0 -o -type f -name '*.so*' -print0)
	[ $bad = 0 ] || die "library check failed (add the library packages to $1)"
}

# docker_payload TAROPT...: the docker binaries (190 MB) in two zstd tarballs of
# about the same size that rcS unpacks in parallel into a tmpfs on /opt/docker
# in the background: a 4x smaller initramfs boots faster, and the rootfs tmpfs
# (half the RAM) need not hold them. TAROPTs: more options for tar.
docker_payload() {
	local parts=("usr/sbin/dockerd usr/sbin/runc usr/sbin/docker-proxy usr/bin/tini-static"
		"usr/bin/containerd usr/bin/containerd-shim-runc-v2 usr/bin/docker") i f payload
	for i in "${!parts[@]}"; do
		payload="$WORK/docker-payload-$i"
		for f in ${parts[$i]}; do
			[ -f "$ROOT/$f" ] && [ ! -L "$ROOT/$f" ] || die "missing $f"
			install -D -m 0755 "$ROOT/$f" "$payload/$f"
			rm -f "$ROOT/$f"
			ln -s "/opt/docker/$f" "$ROOT/$f"
		done
		tar -C "$payload" "$@" --owner=0 --group=0 --numeric-owner -cf - . |
			"${NICE[@]}" zstd -q -T0 -"$ZSTD_LEVEL" > "$ROOT/usr/lib/boot2docker/docker-$i.tar.zst"
	done
	# dockerd is /usr/local/bin/dockerd, started by that path, as in boot2docker (pgrep -f $(which dockerd))
	rm -f "$ROOT/usr/sbin/dockerd" && ln -s /opt/docker/usr/sbin/dockerd "$ROOT/usr/local/bin/dockerd"
}

# initramfs OUT CPIO...: $ROOT as a sorted newc archive (written by the command
# CPIO..., reading the names on stdin), zstd'ed into OUT (same bytes for any -T)
mkcpio() { (cd "$1" && find . | LC_ALL=C sort | "${@:2}"); } # mkcpio DIR CPIO...
initramfs() {
	mkcpio "$ROOT" "${@:2}" | "${NICE[@]}" zstd -q -T0 -"$ZSTD_LEVEL" > "$1"
	du -sm "$ROOT" | awk -v p="$LIB_TAG" '{printf "%s: root file system %d MB, ", p, $1}'
	stat -c '%s' "$1" | awk '{printf "initramfs %d MB (zstd -'"$ZSTD_LEVEL"')\n", $1/1048576}'
}

# isolinux_cfg DIR KERNEL MESSAGE: DIR/isolinux.cfg (boots /boot/KERNEL with
# /boot/initrd.img and $APPEND) and DIR/boot.msg
isolinux_cfg() {
	mkdir -p "$1"
	cat > "$1/isolinux.cfg" <<-EOF
		serial 0 115200
		display boot.msg
		default boot2docker
		label boot2docker
		  kernel /boot/$2
		  initrd /boot/initrd.img
		  append $APPEND
		implicit 0
		prompt 1
		timeout 1
		F1 boot.msg
	EOF
	printf '\n  %s\n\n' "$3" > "$1/boot.msg"
}

# master_iso OUT VERSION DIR XORRISOOPT...: the ISO of DIR into OUT (through
# OUT.tmp), volume id b2d-vVERSION (what docker-machine reads at 0x8028)
master_iso() {
	local out=$1 version=$2 dir=$3; shift 3
	rm -f "$out.tmp"
	"${NICE[@]}" xorriso -as mkisofs -quiet -V "b2d-v$version" -A "Boot2Docker-v$version" "$@" \
		-o "$out.tmp" "$dir" 2>&1 | grep -v -e '^xorriso' -e '^$' >&2 || true
	[ -s "$out.tmp" ] || die "xorriso failed for $out"
	[ "$(dd if="$out.tmp" bs=1 skip=$((0x8028)) count=32 2>/dev/null | tr -d ' ')" = "b2d-v$version" ] ||
		die "volume id at 0x8028 is not b2d-v$version"
	mv -f "$out.tmp" "$out"
}
