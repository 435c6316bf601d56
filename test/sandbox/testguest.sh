#!/bin/sh
# testguest.sh OUTDIR: builds a tiny Linux guest for the stand-in/sandbox selftest
# (NOT the boot2docker guest: that is test/guest/). Writes OUTDIR/vmlinuz and
# OUTDIR/initrd.img from the Debian bookworm kernel package and busybox-static.
# Reuses the result when the kernel package and this script are unchanged.
#
# The guest: loads virtio/ahci/acpi-button/evdev/pvpanic modules, runs
# `udhcpc -x hostname:boot2docker` on eth0, busybox acpid (power button ->
# /etc/acpi/PWRF/00000080 -> poweroff), and a root shell on ttyS0 via busybox
# init. It prints "STANDIN-GUEST-READY ip=<addr>" on the console once it has
# a lease.
set -eu
OUT=${1:?usage: testguest.sh OUTDIR}
mkdir -p "$OUT/cache"
OUT=$(cd "$OUT" && pwd)
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && file -L "$BUSYBOX" | grep -q 'statically linked' || {
	echo "testguest: busybox-static is required (apt-get install busybox-static)" >&2; exit 1; }

# The kernel: the current linux-image-6.1.0-*-amd64 that linux-image-amd64 depends on.
PKG=${TESTGUEST_KERNEL_PKG:-$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-6/{print $2; exit}')}
[ -n "$PKG" ] || { echo "testguest: cannot resolve the linux-image-amd64 dependency (apt-get update?)" >&2; exit 1; }
DEB=$(ls "$OUT"/cache/"$PKG"_*.deb 2>/dev/null | head -n1 || true)
if [ -z "$DEB" ]; then
	(cd "$OUT/cache" && apt-get download "$PKG" >/dev/null 2>&1) || {
		echo "testguest: apt-get download $PKG failed" >&2; exit 1; }
	DEB=$(ls "$OUT"/cache/"$PKG"_*.deb | head -n1)
fi

STAMP="$(basename "$DEB") $(sha256sum "$SELF" | cut -c1-16) $(sha256sum "$BUSYBOX" | cut -c1-16)"
if [ -f "$OUT/vmlinuz" ] && [ -f "$OUT/initrd.img" ] && [ "$(cat "$OUT/stamp" 2>/dev/null)" = "$STAMP" ]; then
	exit 0
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
dpkg-deb -x "$DEB" "$W/k"
KVER=$(ls "$W/k/lib/modules" | head -n1)
KMOD="$W/k/lib/modules/$KVER"
# The package ships no modules.dep: generate it to resolve dependencies.
busybox depmod -b "$W/k" "$KVER"

R="$W/root"
mkdir -p "$R"/bin "$R"/sbin "$R"/usr/bin "$R"/usr/sbin "$R"/etc/acpi/PWRF "$R"/proc "$R"/sys "$R"/dev "$R"/tmp "$R"/run "$R"/root "$R"/var/log "$R"/var/run "$R/lib/modules/$KVER"
chmod 0755 "$R"
cp "$BUSYBOX" "$R/bin/busybox"
for a in $("$BUSYBOX" --list-full); do
	[ -e "$R/$a" ] || ln -s /bin/busybox "$R/$a"
done

MODS="virtio_pci virtio_net virtio_blk virtio-rng ahci sr_mod sd_mod crct10dif_generic button evdev pvpanic-mmio"
for m in $MODS; do
	line=$(grep -E "(^|/)$m\.ko:" "$KMOD/modules.dep" || true)
	[ -n "$line" ] || { echo "testguest: module $m not found" >&2; exit 1; }
	for f in $(echo "$line" | tr -d ':'); do
		mkdir -p "$R/lib/modules/$KVER/$(dirname "$f")"
		cp "$KMOD/$f" "$R/lib/modules/$KVER/$f"
	done
done
busybox depmod -b "$R" "$KVER"

cat > "$R/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
for m in virtio_pci virtio_net virtio_blk virtio-rng ahci sr_mod crct10dif_generic sd_mod button evdev pvpanic-mmio; do
	modprobe "$m" 2>/dev/null
done
exec /sbin/init
INIT
chmod 0755 "$R/init"

cat > "$R/etc/inittab" <<'TAB'
::sysinit:/etc/rc
ttyS0::respawn:/bin/sh -l
::shutdown:/bin/echo STANDIN-GUEST-SHUTDOWN
TAB

cat > "$R/etc/rc" <<'RC'
#!/bin/sh
hostname boot2docker
ip link set lo up
ip link set eth0 up 2>/dev/null
acpid -c /etc/acpi -l /var/log/acpid.log -p /var/run/acpid.pid
udhcpc -b -i eth0 -x hostname:boot2docker -s /etc/udhcpc.script -t 20 -T 1
ip=$(ip -4 -o addr show dev eth0 2>/dev/null | awk '{print $4}')
echo "STANDIN-GUEST-READY ip=${ip%/*}" >/dev/console
RC
chmod 0755 "$R/etc/rc"

cat > "$R/etc/udhcpc.script" <<'DH'
#!/bin/sh
case "$1" in
deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
bound|renew) ip -4 addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface" ;;
esac
exit 0
DH
chmod 0755 "$R/etc/udhcpc.script"

printf '#!/bin/sh\necho STANDIN-GUEST-POWERBUTTON >/dev/console\npoweroff\n' > "$R/etc/acpi/PWRF/00000080"
chmod 0755 "$R/etc/acpi/PWRF/00000080"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd"
printf 'root:x:0:\n' > "$R/etc/group"
printf 'export PS1="guest# "\nexport PATH=/bin:/sbin:/usr/bin:/usr/sbin\n' > "$R/etc/profile"

cp "$W/k/boot/vmlinuz-$KVER" "$OUT/vmlinuz.tmp"
(cd "$R" && find . | cpio -o -H newc --quiet) | gzip -6 > "$OUT/initrd.img.tmp"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
mv "$OUT/initrd.img.tmp" "$OUT/initrd.img"
echo "$STAMP" > "$OUT/stamp"
