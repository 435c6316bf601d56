#!/bin/bash
# iso/check.sh: `make iso-check`, the proof of the product ISO (iso/README.md).
#
# 1. Reproducibility: builds the ISO twice, into two fresh directories
#    ($CHECK/a and $CHECK/b, both with ISO_FORCE=1 and the shared .deb cache),
#    the second pinned to the first one's manifest (ISO_PIN, no apt-get
#    update, so that a mirror update between the two cannot change the
#    inputs), and compares the two sha256 values. It does not compare with
#    .cache/iso/boot2docker.iso (`make iso`), whose inputs may be older.
# 2. Boots $CHECK/a/boot2docker.iso twice in QEMU (TCG, 2 vCPUs, 1024 MB):
#    (a) from CD by BIOS (SeaBIOS -> El Torito -> isolinux; no -kernel), the
#        way VirtualBox boots it: CD and disk on AHCI, an e1000 NIC;
#    (b) kexec-style, -kernel/-initrd with the append line of the ISO's
#        isolinux.cfg, the way this driver boots it: virtio-net, virtio-blk,
#        virtio-rng, the ISO on AHCI.
#    Each boot gets a fresh 4 GB sparse disk that starts with a userdata tar
#    made like docker-machine's (member "boot2docker, please format-me",
#    .ssh/, .ssh/authorized_keys; internal/disk) and user-mode networking
#    with a forwarded SSH port; then asserts, over SSH as `docker` with the
#    userdata key: /etc/os-release (ID=boot2docker, VERSION = the volume id's
#    version), the boot2docker-data disk, `docker version` server >= 26,
#    `runc --version` >= 1.1.12, `docker run` of a busybox image imported
#    from a tar made here (from the ISO's busybox-static .deb; no registry),
#    and finally the ACPI power button (QEMU's system_powerdown) powering the
#    guest off with its disks unmounted.
# Timings are printed for each step. Logs stay in $CHECK (serial consoles).
#
# Environment: ISO_CHECK_DIR (default .cache/iso/check), ISO_CHECK_SKIP_BUILD=1
# (boot the ISO already in $CHECK/a, no reproducibility builds).
# Runs as root (the builds need it); QEMU runs at nice 10.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
CHECK=$(realpath -m "${ISO_CHECK_DIR:-$REPO/.cache/iso/check}")
SSH_DEADLINE=300    # seconds from QEMU start to the first SSH answer
DOCKER_DEADLINE=300 # seconds from SSH to the docker API
MIN_DOCKER=26
MIN_RUNC=1.1.12

T0=$(date +%s.%N)
TLAST=$T0
now() { date +%s.%N; }
step() { # step NAME: prints the time spent since the previous step
	local n; n=$(now)
	awk -v n="$n" -v l="$TLAST" -v t="$T0" -v s="$1" \
		'BEGIN { printf "iso-check: %-44s %6.1fs  (total %6.1fs)\n", s, n - l, n - t }'
	TLAST=$n
}
die() { echo "iso-check: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (the ISO builds need it)"
"$REPO/test/host-packages.sh" "$HERE/host-packages.txt" "$HERE/check-packages.txt" || exit 1
mkdir -p "$CHECK"

# --- 1. two builds, same bytes -------------------------------------------------------
if [ -z "${ISO_CHECK_SKIP_BUILD:-}" ]; then
	rm -rf "$CHECK/a" "$CHECK/b"
	ISO_FORCE=1 "$HERE/build.sh" "$CHECK/a" > "$CHECK/build-a.log" 2>&1 ||
		{ tail -n 30 "$CHECK/build-a.log" >&2; die "first build failed (see $CHECK/build-a.log)"; }
	step "build a"
	ISO_FORCE=1 ISO_APT_UPDATE=0 ISO_PIN="$CHECK/a/manifest.txt" "$HERE/build.sh" "$CHECK/b" > "$CHECK/build-b.log" 2>&1 ||
		{ tail -n 30 "$CHECK/build-b.log" >&2; die "second build failed (see $CHECK/build-b.log)"; }
	step "build b (pinned to a's manifest)"
	SUM_A=$(cut -d' ' -f1 "$CHECK/a/boot2docker.iso.sha256")
	SUM_B=$(cut -d' ' -f1 "$CHECK/b/boot2docker.iso.sha256")
	echo "iso-check: a $SUM_A"
	echo "iso-check: b $SUM_B"
	[ "$SUM_A" = "$SUM_B" ] || die "the two builds differ (compare $CHECK/a and $CHECK/b with diffoscope)"
	cmp -s "$CHECK/a/manifest.txt" "$CHECK/b/manifest.txt" || die "the two manifests differ"
	echo "iso-check: reproducible: both builds are $SUM_A"
fi
ISO=$CHECK/a/boot2docker.iso
[ -s "$ISO" ] || die "no $ISO"
grep '^# volume id' "$CHECK/a/manifest.txt" | sed 's/^# /iso-check: /'

# --- what the guest must report ----------------------------------------------------------
VOLID=$(dd if="$ISO" bs=1 skip=$((0x8028)) count=32 2>/dev/null | tr -d ' ')
case $VOLID in b2d-v[0-9]*) ;; *) die "volume id at 0x8028 is '$VOLID', not b2d-vVERSION" ;; esac
VERSION=${VOLID#b2d-v}
BOOTFILES=$CHECK/bootfiles
rm -rf "$BOOTFILES"
mkdir -p "$BOOTFILES"
xorriso -osirrox on -indev "$ISO" -extract /boot "$BOOTFILES/boot" \
	-extract /isolinux/isolinux.cfg "$BOOTFILES/isolinux.cfg" >/dev/null 2>&1 || die "cannot extract the boot files"
# the driver's way: the append line of the default label
APPEND=$(awk '$1 == "append" { sub(/^[ \t]*append[ \t]+/, ""); print; exit }' "$BOOTFILES/isolinux.cfg")
[ -n "$APPEND" ] || die "no append line in isolinux.cfg"

# --- the userdata key and tar, the busybox image -------------------------------------------------
KEY=$CHECK/id_rsa
rm -f "$KEY" "$KEY.pub"
ssh-keygen -q -t rsa -b 2048 -N '' -C iso-check -f "$KEY" # docker-machine makes RSA keys
STAGE=$CHECK/userdata
rm -rf "$STAGE"
mkdir -p "$STAGE/.ssh"
MAGIC="boot2docker, please format-me"
printf '%s' "$MAGIC" > "$STAGE/$MAGIC"
cp "$KEY.pub" "$STAGE/.ssh/authorized_keys"
chmod 0700 "$STAGE/.ssh"
chmod 0600 "$STAGE/.ssh/authorized_keys"
tar -C "$STAGE" --format=ustar -b 1 --owner=0 --group=0 --numeric-owner --no-recursion \
	-cf "$CHECK/userdata.tar" "$MAGIC" .ssh .ssh/authorized_keys
[ "$(stat -c %s "$CHECK/userdata.tar")" -le 4096 ] || die "userdata tar over 4096 bytes"

IMG=$CHECK/image
rm -rf "$IMG"
mkdir -p "$IMG/bin"
BBDEB=$(ls "${ISO_CACHE:-$REPO/.cache/iso}"/debs/busybox-static_*.deb | head -n1)
dpkg-deb --fsys-tarfile "$BBDEB" | tar -x -O --wildcards '*bin/busybox' > "$IMG/bin/busybox"
chmod 0755 "$IMG/bin/busybox"
for a in sh echo cat uname; do ln -s busybox "$IMG/bin/$a"; done
tar -C "$IMG" --sort=name --owner=0 --group=0 --numeric-owner -cf "$CHECK/busybox.tar" .
step "boot files, userdata, busybox image"

# --- boot and check ------------------------------------------------------------------------------
free_port() {
	local p
	for p in $(seq $((20000 + RANDOM % 20000)) 40999); do
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
	die "no free TCP port"
}

boot() { # boot cd|kernel
	local mode=$1 dir=$CHECK/boot-$1 port pid t_start t_ssh t_docker i out
	rm -rf "$dir"
	mkdir -p "$dir"
	truncate -s 4G "$dir/disk.raw"
	dd if="$CHECK/userdata.tar" of="$dir/disk.raw" conv=notrunc status=none
	mkfifo "$dir/mon.in" "$dir/mon.out"
	port=$(free_port)
	local args=(-accel tcg -machine pc -m 1024 -smp 2 -no-reboot -display none -vga std
		-serial "file:$dir/serial.log" -monitor "pipe:$dir/mon" -device ahci,id=ahci
		-drive "if=none,id=cd,media=cdrom,readonly=on,format=raw,file=$ISO"
		-device ide-cd,bus=ahci.0,drive=cd)
	if [ "$mode" = cd ]; then # VirtualBox-like: AHCI disk, e1000; the BIOS boots the CD
		args[-1]+=,bootindex=0
		args+=(-drive "if=none,id=hd,format=raw,file=$dir/disk.raw" -device ide-hd,bus=ahci.1,drive=hd
			-nic "user,model=e1000,hostfwd=tcp:127.0.0.1:$port-:22")
	else # xhyve/hyperkit-like: virtio devices, kernel and initrd given to the VM
		args+=(-kernel "$BOOTFILES/boot/vmlinuz" -initrd "$BOOTFILES/boot/initrd.img" -append "$APPEND"
			-drive "if=virtio,format=raw,file=$dir/disk.raw"
			-nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-rng-pci)
	fi
	t_start=$(now)
	nice -n 10 qemu-system-x86_64 "${args[@]}" > "$dir/qemu.log" 2>&1 &
	pid=$!
	# keep the monitor's output drained
	cat "$dir/mon.out" > "$dir/monitor.log" &
	local catpid=$!
	# shellcheck disable=SC2064
	trap "kill $pid $catpid 2>/dev/null || true" EXIT
	echo "iso-check: ($mode) QEMU pid $pid, ssh port $port, console $dir/serial.log"
	gssh() {
		ssh -p "$port" -i "$KEY" -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
			-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10 docker@127.0.0.1 "$@"
	}
	i=0
	until gssh true 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || die "($mode) QEMU exited: $(tail -n 5 "$dir/qemu.log")"
		[ "$(awk -v s="$t_start" -v n="$(now)" 'BEGIN{print int(n - s)}')" -lt $SSH_DEADLINE ] ||
			die "($mode) no SSH with the userdata key after ${SSH_DEADLINE}s (see $dir/serial.log)"
		sleep 2
	done
	t_ssh=$(now)
	step "($mode) boot to SSH with the userdata key"

	out=$(gssh cat /etc/os-release)
	grep -qx 'ID=boot2docker' <<<"$out" || die "($mode) os-release has no ID=boot2docker"
	grep -qx "VERSION=$VERSION" <<<"$out" || die "($mode) os-release VERSION is not $VERSION"
	gssh 'sudo findfs LABEL=boot2docker-data && test -s /var/lib/boot2docker/userdata.tar && test -s .ssh/authorized_keys' >/dev/null ||
		die "($mode) no boot2docker-data disk or userdata"
	until out=$(gssh docker version --format "'{{.Server.Version}}'" 2>/dev/null) && [ -n "$out" ]; do
		[ "$(awk -v s="$t_ssh" -v n="$(now)" 'BEGIN{print int(n - s)}')" -lt $DOCKER_DEADLINE ] ||
			die "($mode) no docker API ${DOCKER_DEADLINE}s after SSH"
		sleep 2
	done
	step "($mode) SSH to docker API (server $out)"
	[ "${out%%.*}" -ge $MIN_DOCKER ] || die "($mode) docker server $out, want $MIN_DOCKER or newer"
	out=$(gssh runc --version | awk '/^runc version/ {print $3}')
	[ "$(printf '%s\n%s\n' "$MIN_RUNC" "$out" | sort -V | head -n1)" = "$MIN_RUNC" ] ||
		die "($mode) runc $out, want $MIN_RUNC or newer"
	echo "iso-check: ($mode) os-release VERSION=$VERSION, docker $(gssh docker version --format "'{{.Server.Version}}'"), runc $out, kernel $(gssh uname -r)"
	gssh docker import - iso-check/busybox:latest < "$CHECK/busybox.tar" >/dev/null
	out=$(gssh docker run --rm iso-check/busybox:latest /bin/echo hello from a container)
	[ "$out" = "hello from a container" ] || die "($mode) docker run said: $out"
	step "($mode) docker import + docker run"

	echo system_powerdown > "$dir/mon.in" # the ACPI power button, as the driver's stop
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 120 ]; do sleep 0.5; i=$((i + 1)); done
	kill -0 "$pid" 2>/dev/null && die "($mode) still running 60s after the ACPI power button"
	grep -q 'boot2docker: disks unmounted' "$dir/serial.log" || die "($mode) no clean unmount on the console"
	kill "$catpid" 2>/dev/null || true
	trap - EXIT
	step "($mode) ACPI power button to power off"
}

boot cd
boot kernel
step "all checks passed"
