#!/bin/bash
# smoke.sh OUTDIR: boots the guest built by build.sh with QEMU (TCG), the way the
# xhyve driver does (kernel + initrd + the isolinux.cfg append line taken out of
# the ISO, a sparse 20 GB raw disk that starts with docker-machine's
# "format-me" userdata tar), and checks what docker-machine and the driver
# rely on: the provisioning commands, TLS docker, docker run -p, persistence
# across reboot and ACPI power-off, the legacy ISO. Prints timings and ends
# with "N passed, M failed"; exits non-zero on any failure.
#
# Runs as root, in a private network namespace (QEMU user networking with host
# forwards on its 127.0.0.1 only); smoke-packages.txt via test/host-packages.sh.
# Environment: SMOKE_KEEP=1 keeps the work directory, SMOKE_MEM (MB, default 1024),
# SMOKE_SMP (default 2), SMOKE_DOCKER_MACHINE (docker-machine binary, default
# OUTDIR/../bin/docker-machine: when present a fourth boot on a fresh disk is
# provisioned by the real CLI with its generic driver), SMOKE_NFS=0 skips the NFS mounts (else an NFS server,
# nfs-ganesha + rpcbind from Debian packages unpacked into the work directory and
# cached in OUTDIR/../debs-nfs, runs in a private mount namespace).
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUTDIR=$(realpath "$1")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NFS_PKGS=(nfs-ganesha nfs-ganesha-vfs libntirpc4.3 liburcu8 libwbclient0 rpcbind libnfsidmap1
	libdbus-1-3 libacl1 libtirpc3 libjemalloc2)
NFS_DEBS=$(realpath -m "${SMOKE_NFS_DEBS:-$OUTDIR/../debs-nfs}")
if [ -z "${SMOKE_IN_NETNS:-}" ]; then
	# NFS server packages: downloaded here, the network namespace below has no network
	if [ "${SMOKE_NFS:-1}" = 1 ]; then
		mkdir -p "$NFS_DEBS"
		for file in $(cd /tmp && apt-get download --print-uris "${NFS_PKGS[@]}" 2>/dev/null | awk "/^'/ {print \$2}"); do
			[ -f "$NFS_DEBS/$file" ] || (cd "$NFS_DEBS" && apt-get download -q -o APT::Sandbox::User=root "${file%%_*}" >/dev/null 2>&1) || true
		done
	fi
	"$HERE/../host-packages.sh" "$HERE/smoke-packages.txt" || exit 1
	exec unshare --net env SMOKE_IN_NETNS=1 "$HERE/smoke.sh" "$@"
fi
ip link set lo up

MEM=${SMOKE_MEM:-1024}
SMP=${SMOKE_SMP:-2}
WORK=$(mktemp -d /tmp/b2d-smoke.XXXXXX)
QPID=
cleanup() {
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null
	for f in "$WORK/nfs/ganesha.pid" "$WORK/nfs/rpcbind.pid"; do
		[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	if [ -n "${SMOKE_KEEP:-}" ]; then echo "smoke: work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

PASS=0
FAIL=0
TIMINGS=()
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
ok() { PASS=$((PASS + 1)); echo "smoke: PASS: $*"; }
bad() { FAIL=$((FAIL + 1)); echo "smoke: FAIL: $*"; }
timing() { TIMINGS+=("$(printf '%-44s %6ss' "$1" "$2")"); echo "smoke: time: $1: $2 s"; }
check() { # check DESCRIPTION CMD...: PASS when CMD succeeds
	local d=$1; shift
	if "$@" >"$WORK/check.out" 2>&1; then ok "$d"; else bad "$d"; sed 's/^/    | /' "$WORK/check.out" | tail -20; fi
}
fatal() { bad "$*"; echo "smoke: console log:"; { tail -40 "$WORK/console.log" 2>/dev/null || true; } | sed 's/^/    | /'; summary; exit 1; }
summary() {
	echo "smoke: ---- timings (TCG, ${SMP} vCPU, ${MEM} MB) ----"
	printf 'smoke:   %s\n' "${TIMINGS[@]}"
	echo "smoke: $PASS passed, $FAIL failed"
}

# --- fixtures: ssh key, userdata tar, disk, client certificates -------------------
cd "$WORK"
ssh-keygen -q -t rsa -b 2048 -N '' -C smoke -f id_rsa
mkdir ud
(
	cd ud
	printf '%s' "boot2docker, please format-me" > "boot2docker, please format-me"
	mkdir -m 0700 .ssh
	cp ../id_rsa.pub .ssh/authorized_keys
	tar -b 8 --no-recursion -cf ../userdata.tar "boot2docker, please format-me" .ssh .ssh/authorized_keys
)
[ "$(stat -c %s userdata.tar)" -le 4096 ] || fatal "userdata tar over 4096 bytes"
truncate -s 20G disk.img
dd if=userdata.tar of=disk.img conv=notrunc status=none

mkdir certs
(
	cd certs
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -days 30 -subj /O=smoke/CN=ca -out ca.pem 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -subj /O=smoke/CN=server -out s.csr 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1,IP:10.0.2.15,DNS:localhost\nextendedKeyUsage=serverAuth\n' > s.ext
	openssl x509 -req -in s.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 30 -extfile s.ext -out server.pem 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout key.pem -subj /O=smoke/CN=client -out c.csr 2>/dev/null
	printf 'extendedKeyUsage=clientAuth\n' > c.ext
	openssl x509 -req -in c.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 30 -extfile c.ext -out cert.pem 2>/dev/null
)

SSHOPTS=(-q -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
	-o ConnectTimeout=5 -o BatchMode=yes -i "$WORK/id_rsa" -p 2222)
vm() { ssh "${SSHOPTS[@]}" docker@127.0.0.1 "$@"; }
dk() { "$OUTDIR/docker" --tlsverify --tlscacert="$WORK/certs/ca.pem" --tlscert="$WORK/certs/cert.pem" \
	--tlskey="$WORK/certs/key.pem" -H tcp://127.0.0.1:2376 "$@"; }
http_get() { # http_get PORT: body of GET / on 127.0.0.1:PORT
	exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
	printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
	timeout 10 cat <&3 | sed '1,/^\r$/d'
	exec 3<&-
}

# --- booting -----------------------------------------------------------------------
BOOT_T0=
boot() { # boot ISO: start QEMU like the driver (kexec of the ISO's kernel)
	local iso=$1 dir
	dir="$WORK/iso-$(basename "$iso" .iso)"
	if [ ! -d "$dir" ]; then
		mkdir -p "$dir"
		# 18.09+ layout first, then the old one (like the driver)
		xorriso -osirrox on -indev "$iso" -extract /boot/vmlinuz "$dir/vmlinuz" \
			-extract /isolinux/isolinux.cfg "$dir/isolinux.cfg" >/dev/null 2>&1 || true
		if [ ! -s "$dir/vmlinuz" ]; then
			xorriso -osirrox on -indev "$iso" -extract /boot/vmlinuz64 "$dir/vmlinuz" \
				-extract /boot/isolinux/isolinux.cfg "$dir/isolinux.cfg" >/dev/null 2>&1 || true
		fi
		xorriso -osirrox on -indev "$iso" -extract /boot/initrd.img "$dir/initrd.img" >/dev/null 2>&1 || true
		[ -s "$dir/vmlinuz" ] && [ -s "$dir/initrd.img" ] && [ -s "$dir/isolinux.cfg" ] || fatal "cannot extract the kernel from $iso"
	fi
	APPEND=$(sed -n 's/^[[:space:]]*append[[:space:]]*//p' "$dir/isolinux.cfg")
	: > "$WORK/console.log"
	BOOT_T0=$(now)
	qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp "$SMP" -m "$MEM" -no-reboot \
		-display none -monitor none -serial "file:$WORK/console.log" \
		-qmp "unix:$WORK/qmp.sock,server,nowait" \
		-kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" -append "$APPEND" \
		-drive "file=$WORK/disk.img,format=raw,if=virtio" \
		-drive "file=$iso,media=cdrom,if=none,id=cd,readonly=on" -device ahci,id=ahci -device ide-cd,drive=cd,bus=ahci.0 \
		-device virtio-rng-pci \
		-netdev user,id=n0,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=tcp:127.0.0.1:2376-:2376,hostfwd=tcp:127.0.0.1:8080-:8080 \
		-device virtio-net-pci,netdev=n0 >"$WORK/qemu.out" 2>&1 &
	QPID=$!
}
wait_ssh() { # wait_ssh LABEL
	local i
	wait_console "boot2docker: ssh started" 120 || true
	for i in $(seq 240); do
		kill -0 "$QPID" 2>/dev/null || fatal "QEMU exited before ssh answered"
		if ssh "${SSHOPTS[@]}" -o ConnectTimeout=2 docker@127.0.0.1 'exit 0' 2>/dev/null; then
			timing "$1: boot to ssh" "$(since "$BOOT_T0")"
			SSH_UP=$(awk '/boot2docker: ssh started/ { gsub(/[\[\]s]/, "", $NF); print $NF; exit }' "$WORK/console.log")
			NET_UP=$(awk '/boot2docker: network up/ { gsub(/[\[\]s]/, "", $NF); print $NF; exit }' "$WORK/console.log")
			timing "$1: guest uptime at DHCP lease / ssh start" "${NET_UP:-?} / ${SSH_UP:-?}"
			return 0
		fi
		sleep 0.5
	done
	fatal "$1: no ssh after 120 s"
}
wait_console() { # wait_console PATTERN SECONDS: grep the serial console
	local i
	for i in $(seq $(($2 * 4))); do
		grep -q "$1" "$WORK/console.log" && return 0
		sleep 0.25
	done
	return 1
}
wait_exit() { # wait_exit SECONDS: QEMU ends (poweroff/reboot with -no-reboot)
	local i
	for i in $(seq $(($1 * 10))); do
		if ! kill -0 "$QPID" 2>/dev/null; then
			wait "$QPID" 2>/dev/null || true
			QPID=
			return 0
		fi
		sleep 0.1
	done
	return 1
}
qmp() { printf '{"execute":"qmp_capabilities"}\n{"execute":"%s"}\n' "$1" | socat -t 2 - "UNIX-CONNECT:$WORK/qmp.sock" >/dev/null; }
netstat_2376() { vm 'if ! type netstat 1>/dev/null; then ss -tln; else netstat -tln; fi' | grep -Eq ':2376[[:space:]]+.*:.*'; }
wait_2376() { # wait_2376 SECONDS: docker-machine's WaitForDocker (netstat over ssh)
	local i
	for i in $(seq "$1"); do netstat_2376 && return 0; sleep 1; done
	return 1
}

# the NFS server for the mount checks (nfs_server_start)
. "$HERE/smoke-nfs.sh"

MAIN_VERSION=$(awk '$1 == "boot2docker.iso" {sub(/^b2d-v/, "", $2); print $2}' "$OUTDIR/versions.txt")
LEGACY_VERSION=$(awk '$1 == "boot2docker-legacy.iso" {sub(/^b2d-v/, "", $2); print $2}' "$OUTDIR/versions.txt")
check "volume id of boot2docker.iso is b2d-v$MAIN_VERSION" \
	test "$(dd if="$OUTDIR/boot2docker.iso" bs=1 skip=$((0x8028)) count=32 status=none | tr -d ' ')" = "b2d-v$MAIN_VERSION"
check "volume id of boot2docker-legacy.iso is b2d-v$LEGACY_VERSION" \
	test "$(dd if="$OUTDIR/boot2docker-legacy.iso" bs=1 skip=$((0x8028)) count=32 status=none | tr -d ' ')" = "b2d-v$LEGACY_VERSION"

# ============ boot 1: fresh disk ===================================================
echo "smoke: boot 1: boot2docker.iso, fresh disk"
boot "$OUTDIR/boot2docker.iso"
wait_ssh "boot 1 (first boot, formats the disk)"
wait_console "boot2docker: network up" 1 && ok "console: network up line" || bad "console: network up line"
grep -q "boot2docker: formatting /dev/vda" "$WORK/console.log" && ok "first boot formats /dev/vda" || bad "first boot formats /dev/vda"
check "ssh: exit 0" vm 'exit 0'
check "ssh-rsa (SHA-1) client signatures accepted (old Go x/crypto clients)" \
	ssh "${SSHOPTS[@]}" -o PubkeyAcceptedAlgorithms=ssh-rsa docker@127.0.0.1 true
chk_rsa_hostkey_made() { # in the background at the first boot: up to 90 s
	local i
	for i in $(seq 90); do
		vm 'test -s /var/lib/boot2docker/ssh/ssh_host_rsa_key' && return 0
		sleep 1
	done
	return 1
}
t=$(now)
check "RSA host key made in the background (sshd offers it from the next boot)" chk_rsa_hostkey_made
timing "RSA host key made" "$(since "$t")"
# the host's OpenSSH (9.x) scp speaks SFTP: the guest's sshd needs sftp-server
chk_scp_sftp() {
	scp -q -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes \
		-i "$WORK/id_rsa" -P 2222 "$WORK/id_rsa.pub" docker@127.0.0.1:/home/docker/scp-test &&
		[ "$(vm 'cat /home/docker/scp-test')" = "$(cat "$WORK/id_rsa.pub")" ]
}
check "scp (SFTP protocol) to the guest" chk_scp_sftp
check "procps: pgrep finds sshd" vm 'pgrep -x sshd >/dev/null'
OSR=$(vm 'cat /etc/os-release')
chk_osr() { grep -qx 'ID=boot2docker' <<<"$OSR" && grep -qx 'NAME=Boot2Docker' <<<"$OSR" && grep -qx "VERSION=$MAIN_VERSION" <<<"$OSR"; }
check "os-release: ID=boot2docker, NAME=Boot2Docker, VERSION=$MAIN_VERSION" chk_osr
check "userdata: authorized_keys owned by docker" vm 'test "$(stat -c %U:%a ~/.ssh/authorized_keys)" = docker:644 && test -f /var/lib/boot2docker/userdata.tar'
chk_tty() { ssh "${SSHOPTS[@]}" -tt docker@127.0.0.1 tty </dev/null | grep -q /dev/pts/; }
check "tty allocation (interactive docker-machine ssh)" chk_tty
# docker-machine provisioning, command by command (libmachine/provision v0.16.2)
check "sethostname + tee /var/lib/boot2docker/etc/hostname" \
	vm 'sudo /usr/bin/sethostname smoke-vm && echo "smoke-vm" | sudo tee /var/lib/boot2docker/etc/hostname'
check "hostname, /etc/hostname, /etc/hosts" vm 'test "$(hostname)" = smoke-vm && grep -qx smoke-vm /etc/hostname && grep -q "127.0.1.1 smoke-vm" /etc/hosts'
chk_sudo_quiet() { [ -z "$(vm 'sudo true' 2>&1)" ]; }
check "sudo prints no warnings" chk_sudo_quiet
# like docker-machine: provisioning goes on as soon as netstat lists :2376, the
# daemon started at boot may still be initialising when it is stopped
if wait_2376 90; then
	ok "netstat -tln shows :2376 (first boot, auto TLS)"
	timing "boot 1: QEMU start to :2376 in netstat" "$(since "$BOOT_T0")"
else
	bad "netstat -tln shows :2376 (first boot, auto TLS)"
fi
check "sudo mkdir -p /var/lib/boot2docker" vm 'sudo mkdir -p /var/lib/boot2docker'
t=$(now)
check "sudo /etc/init.d/docker stop" vm 'sudo /etc/init.d/docker stop'
timing "docker stop" "$(since "$t")"
chk_stopped() { ! vm 'sudo /etc/init.d/docker status' && ! netstat_2376; }
check "docker is stopped (status 1, no :2376)" chk_stopped
check "ip link delete docker0" vm 'if [ ! -z "$(ip link show docker0)" ]; then sudo ip link delete docker0; fi'
for f in ca.pem server.pem server-key.pem; do
	check "tee /var/lib/boot2docker/$f" vm "printf '%s' '$(cat "certs/$f")' | sudo tee /var/lib/boot2docker/$f"
done
PROFILE="
EXTRA_ARGS='
--label provider=xhyve

'
CACERT=/var/lib/boot2docker/ca.pem
DOCKER_HOST='-H tcp://0.0.0.0:2376'
DOCKER_STORAGE=overlay2
DOCKER_TLS=auto
SERVERKEY=/var/lib/boot2docker/server-key.pem
SERVERCERT=/var/lib/boot2docker/server.pem

"
check "tee /var/lib/boot2docker/profile" vm "sudo mkdir -p /var/lib/boot2docker && printf %s \"$PROFILE\" | sudo tee /var/lib/boot2docker/profile"
t=$(now)
check "sudo /etc/init.d/docker start (returns when the API answers)" vm 'sudo /etc/init.d/docker start'
timing "docker start (TLS, provisioned)" "$(since "$t")"
check "netstat -tln shows :2376 after start" netstat_2376
check "TLS docker API from the host, machine certificates" dk version
chk_label() { dk info --format '{{.Driver}} {{.Labels}}' | grep -q 'overlay2 \[provider=xhyve\]'; }
check "daemon label provider=xhyve, storage overlay2" chk_label
check "docker import image.tar" dk import "$OUTDIR/image.tar" smoke:img
t=$(now)
check "docker run -d -p 8080:80 (busybox httpd)" dk run -d --name web -p 8080:80 smoke:img httpd -f -p 80 -h /www
timing "docker run -d -p" "$(since "$t")"
BODY=""
for i in $(seq 20); do BODY=$(http_get 8080 2>/dev/null || true); [ -n "$BODY" ] && break; sleep 0.5; done
check "published port answers from the host (iptables DNAT)" test "$BODY" = "hello from the boot2docker test image"
chk_run_rm() { [ "$(dk run --rm smoke:img sh -c 'echo ok')" = ok ]; }
check "docker run --rm (exit status, output)" chk_run_rm
check "docker in the guest works for the docker user (unix socket)" vm 'docker ps -q | grep -q .'
if nfs_server_start; then
	N="$WORK/nfs/export"
	check "NFSv3 mount (docker-machine's options; rpc.statd started on demand)" \
		vm "sudo mkdir -p /mnt/nfs3 && sudo mount -t nfs -o noacl,async,nfsvers=3 10.0.2.2:$N /mnt/nfs3 && pidof rpc.statd"
	check "NFSv3: read a host file, write one" vm 'grep -qx "hello over nfs" /mnt/nfs3/from-host && echo from-guest > /mnt/nfs3/from-guest'
	check "NFSv3: the host sees the guest's file" grep -qx from-guest "$N/from-guest"
	check "NFSv4 mount" vm "sudo mkdir -p /mnt/nfs4 && sudo mount -t nfs -o nfsvers=4 10.0.2.2:$N /mnt/nfs4 && grep -qx 'hello over nfs' /mnt/nfs4/from-host"
	check "NFS umount" vm 'sudo umount /mnt/nfs3 && sudo umount /mnt/nfs4'
else
	echo "smoke: SKIP: NFS mounts (no NFS server)"
	check "NFS client: mount.nfs via util-linux mount" vm 'sudo mkdir -p /mnt/nfs && ! sudo mount -t nfs -o noacl,async,nfsvers=3,retry=0,soft,timeo=10 10.0.2.2:/nowhere /mnt/nfs 2>&1 | grep -qi busybox; test -x /sbin/mount.nfs'
fi
check "nfs-client start|status: rpcbind + rpc.statd registered" vm 'sudo /usr/local/etc/init.d/nfs-client start && /usr/local/etc/init.d/nfs-client status && rpcinfo -p 127.0.0.1 | grep -q status'
check "modules: overlay br_netfilter xt_tcpudp nfsv3 9pnet_virtio loaded" \
	vm 'for m in overlay br_netfilter xt_tcpudp nfsv3 9pnet_virtio; do grep -q "^$m " /proc/modules || exit 1; done'
check "acpid running" vm 'pidof acpid'
MEMINFO=$(vm "free -m | awk '/^Mem:/ {print \$2, \$7}'")
echo "smoke: memory (MB total, available) with docker and one container: $MEMINFO"
check "a quarter of the memory still available with docker and a container" test $((${MEMINFO#* } * 4)) -ge "${MEMINFO% *}"
check "write persistent data, bootsync.sh, bootlocal.sh" vm '
	echo persisted | sudo tee /var/lib/boot2docker/marker >/dev/null &&
	printf "%s\n" "pidof dockerd >/dev/null && echo docker-was-running > /run/bootsync.ran || echo before-docker > /run/bootsync.ran" | sudo tee /var/lib/boot2docker/bootsync.sh >/dev/null &&
	printf "%s\n" "echo ran > /run/bootlocal.ran" | sudo tee /var/lib/boot2docker/bootlocal.sh >/dev/null'
t=$(now)
vm 'sudo reboot' || true
if wait_exit 90; then ok "sudo reboot ends the VM"; timing "sudo reboot to VM exit" "$(since "$t")"; else bad "sudo reboot ends the VM"; kill "$QPID"; wait_exit 10 || true; fi
grep -q "boot2docker: disks unmounted" "$WORK/console.log" && ok "reboot: disks unmounted cleanly" || bad "reboot: disks unmounted cleanly"

# ============ boot 2: same disk =======================================================
echo "smoke: boot 2: boot2docker.iso, same disk"
boot "$OUTDIR/boot2docker.iso"
wait_ssh "boot 2 (existing disk)"
grep -q "formatting" "$WORK/console.log" && bad "disk reused, not reformatted" || ok "disk reused, not reformatted"
check "data from boot 1 is there" vm 'grep -qx persisted /var/lib/boot2docker/marker'
check "hostname from /var/lib/boot2docker/etc/hostname" vm 'test "$(hostname)" = smoke-vm'
check "RSA host key from boot 1 offered" ssh "${SSHOPTS[@]}" -o HostKeyAlgorithms=rsa-sha2-256 docker@127.0.0.1 true
t=$BOOT_T0
if wait_console "boot2docker: docker started" 120; then
	DOCKER_UP=$(awk '/boot2docker: docker started/ { gsub(/[\[\]s]/, "", $NF); print $NF; exit }' "$WORK/console.log")
	timing "boot 2: guest uptime when the docker API answered" "$DOCKER_UP"
	timing "boot 2: QEMU start to TLS docker API from the host" "$(for i in $(seq 120); do dk version >/dev/null 2>&1 && break; sleep 0.5; done; since "$t")"
else
	bad "docker started at boot 2"
fi
check "TLS docker with the provisioned certificates" dk version
check "image from boot 1 still there" dk image inspect smoke:img
check "bootsync.sh ran before docker" vm 'grep -qx before-docker /run/bootsync.ran'
chk_bootlocal() { local i; for i in $(seq 20); do vm 'test -f /run/bootlocal.ran' && return 0; sleep 0.5; done; return 1; }
check "bootlocal.sh ran" chk_bootlocal
check "docker start web (port mapping after reboot)" dk start web
BODY=""
for i in $(seq 20); do BODY=$(http_get 8080 2>/dev/null || true); [ -n "$BODY" ] && break; sleep 0.5; done
check "published port answers after reboot" test "$BODY" = "hello from the boot2docker test image"
check "no ext4 journal recovery (clean unmount before)" vm 'sudo dmesg | grep -q "EXT4-fs (vda1): mounted" && ! sudo dmesg | grep -qi "recovery complete"'
t=$(now)
qmp system_powerdown
if wait_exit 90; then ok "ACPI power button (QMP system_powerdown) powers off"; timing "ACPI power button to VM exit (container running)" "$(since "$t")"
else bad "ACPI power button powers off"; kill "$QPID"; wait_exit 10 || true; fi
grep -q "boot2docker: disks unmounted" "$WORK/console.log" && ok "power button: disks unmounted cleanly" || bad "power button: disks unmounted cleanly"

# ============ boot 3: legacy ISO, same disk ==============================================
echo "smoke: boot 3: boot2docker-legacy.iso, same disk"
boot "$OUTDIR/boot2docker-legacy.iso"
wait_ssh "boot 3 (legacy ISO)"
check "legacy os-release VERSION=$LEGACY_VERSION" vm "grep -qx 'VERSION=$LEGACY_VERSION' /etc/os-release"
grep -q "formatting" "$WORK/console.log" && bad "legacy: disk reused" || ok "legacy: disk reused"
check "no ext4 journal recovery after the power button" vm 'sudo dmesg | grep -q "EXT4-fs (vda1): mounted" && ! sudo dmesg | grep -qi "recovery complete"'
check "data still there" vm 'grep -qx persisted /var/lib/boot2docker/marker'
wait_console "boot2docker: docker started" 120 && ok "legacy: docker started" || bad "legacy: docker started"
check "legacy: TLS docker API" dk version
t=$(now)
vm 'sudo poweroff' || true
if wait_exit 90; then ok "sudo poweroff ends the VM"; timing "sudo poweroff to VM exit (idle docker)" "$(since "$t")"
else bad "sudo poweroff ends the VM"; kill "$QPID"; wait_exit 10 || true; fi
grep -q "boot2docker: disks unmounted" "$WORK/console.log" && ok "poweroff: disks unmounted cleanly" || bad "poweroff: disks unmounted cleanly"
echo "smoke: disk image uses $(du -m "$WORK/disk.img" | cut -f1) MB of 20 GB"

# ============ boot 4: the real docker-machine CLI provisions a fresh VM (generic driver) ======
DM_BIN=${SMOKE_DOCKER_MACHINE:-$OUTDIR/../bin/docker-machine}
if [ -x "$DM_BIN" ]; then
	echo "smoke: boot 4: boot2docker.iso, fresh disk, docker-machine create -d generic"
	rm -f disk.img
	truncate -s 20G disk.img
	dd if=userdata.tar of=disk.img conv=notrunc status=none
	mkdir -p "$WORK/machine"
	touch "$WORK/machine/no-error-report"
	dm() { env MACHINE_STORAGE_PATH="$WORK/machine" PATH="$OUTDIR:$PATH" "$DM_BIN" "$@"; }
	boot "$OUTDIR/boot2docker.iso"
	wait_ssh "boot 4 (docker-machine)"
	t=$(now)
	check "docker-machine create -d generic (boot2docker provisioner)" dm create -d generic \
		--generic-ip-address 127.0.0.1 --generic-ssh-port 2222 --generic-ssh-key "$WORK/id_rsa" \
		--generic-ssh-user docker smoke-dm
	timing "docker-machine create (ssh up to docker up, TLS checked)" "$(since "$t")"
	check "docker-machine ls: Running, docker v20.10" bash -c "MACHINE_STORAGE_PATH='$WORK/machine' '$DM_BIN' ls | grep smoke-dm | grep Running | grep -q 'v20.10'"
	check "docker-machine ssh (external ssh)" dm ssh smoke-dm 'test "$(hostname)" = smoke-dm && docker ps'
	check "docker-machine --native-ssh ssh (Go x/crypto client)" dm --native-ssh ssh smoke-dm 'sudo /etc/init.d/docker status'
	chk_dm_env() {
		local env
		env=$(dm env --shell bash smoke-dm) || return 1
		( eval "$env"; "$OUTDIR/docker" version >/dev/null )
	}
	check "docker-machine env + docker" chk_dm_env
	t=$(now)
	check "docker-machine regenerate-certs -f (docker restart)" dm regenerate-certs -f smoke-dm
	timing "docker-machine regenerate-certs" "$(since "$t")"
	check "TLS docker after regenerate-certs" chk_dm_env
	t=$(now)
	qmp system_powerdown
	if wait_exit 90; then ok "boot 4: power button"; timing "boot 4: ACPI power button to VM exit (idle)" "$(since "$t")"
	else bad "boot 4: power button"; kill "$QPID"; wait_exit 10 || true; fi
else
	echo "smoke: SKIP: docker-machine create (no $DM_BIN)"
fi

summary
[ "$FAIL" = 0 ]
