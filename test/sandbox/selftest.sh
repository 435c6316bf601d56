#!/bin/bash
# selftest.sh: proves the xhyve/hyperkit stand-in and the sandbox together,
# with a tiny Debian-kernel + busybox guest (testguest.sh), no boot2docker
# and no driver involved. Run it from anywhere as root:
#
#   test/sandbox/selftest.sh            # builds the stand-in and the test guest,
#                                       # then re-runs itself inside sandbox.sh
#   SELFTEST_ONLY="boot reboot" test/sandbox/selftest.sh   # a subset
#
# Checks (each prints its timings):
#   sandbox   (outside) setup time, exit status, what is inside, two sandboxes
#             at once with a VM and a lease each, Ctrl-C and SIGTERM teardown
#   cli       -v/-h/-M output and exit statuses, rejected command lines
#   boot      the documented xhyve command line boots: COM1 pty line, pidfile
#             with the stand-in's pid, DHCP lease in /var/db/dhcpd_leases in
#             bootpd format with the -M MAC, a pty reader sees the console and
#             can type into it; SIGTERM -> ACPI poweroff -> exit 1, pidfile,
#             tap and QEMU gone
#   hyperkit  hyperkit dialect, autopty=PATH symlink + log=PATH; SIGTERM -> 0
#   reboot    guest reboot ends the process: xhyve 0, hyperkit 2
#   halt      guest halt: xhyve 2, hyperkit 0
#   crash     guest panic (pvpanic): 3; triple fault (reboot=t): 3
#   pidfile   stale pidfile: startup fails with 1 and leaves it alone
#   sigkill   SIGKILL leaves the pidfile, QEMU and the tap go away
#   early     SIGTERM before the guest enabled ACPI kills at once (by signal)
#   noacpi    without -A, SIGTERM kills at once too
#   two       two VMs at once get different addresses
#   disks     virtio-blk, ahci-hd and ahci-cd show up in the guest
#   nfs       the NFS server side, no VM: /etc/exports and /sbin/nfsd inside
#             only, checkexports, restart adding/dropping exports as mountd
#             lists them, stable export ids, stop/start/update (timings)
#   dhcppin   a MAC pinned in dhcp-hosts (+ SIGHUP) gets that address at the
#             VM's next boot
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
GUEST=${SELFTEST_GUEST:-$ROOT/.cache/testguest}

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2fs", b - a }'; }
want() { [ -z "${SELFTEST_ONLY:-}" ] || [[ " $SELFTEST_ONLY " == *" $1 "* ]]; }

# t_sandbox runs outside the sandbox: it starts sandboxes itself.
t_sandbox() {
	echo "== sandbox"
	local fails=0 t rc tok vm out
	sb() { XHYVE_SANDBOX_QUIET=1 "$HERE/sandbox.sh" "$@"; }
	okk() { echo "  ok   $*"; }
	badd() { echo "  FAIL $*"; fails=$((fails + 1)); }
	t=$(now); sb true; rc=$?
	[ $rc = 0 ] && okk "empty sandbox up and down in $(since "$t")" || badd "empty sandbox rc $rc"
	sb sh -c 'exit 7'; rc=$?
	[ $rc = 7 ] && okk "exit status is CMD's (7)" || badd "exit status $rc, want 7"
	out=$(sb sh -c 'set -e
		test "$(cat /proc/1/comm)" = sh
		ip -4 -o addr show dev "$XHYVE_STANDIN_BRIDGE" | grep -q "inet 192.168.64.1/24"
		test "$(ip route | grep -c default)" = 0
		test -f /var/db/dhcpd_leases
		grep -q "<string>192.168.64.1</string>" /Library/Preferences/SystemConfiguration/com.apple.vmnet.plist
		grep -q "<string>255.255.255.0</string>" /Library/Preferences/SystemConfiguration/com.apple.vmnet.plist
		test -f "$MACHINE_STORAGE_PATH/no-error-report"
		case "$PATH" in "'"$ROOT/bin:$ROOT/.cache/bin:"'"*) ;; *) exit 9;; esac
		command -v xhyve >/dev/null && command -v hyperkit >/dev/null
		test -x "$XHYVE_STANDIN_QEMU" && test -n "$XHYVE_E2E_GUEST"
		test ! -e /etc/exports && test -x /sbin/nfsd && test -s /run/xhyve-sandbox/nfsd.env
		test -f "$XHYVE_SANDBOX_STATE/dhcp-hosts" && touch /etc/xhyve-sandbox-probe /run/xhyve-sandbox-probe
		echo inside-ok' 2>&1)
	[ "$out" = inside-ok ] && okk "inside: pid 1, bridge, no default route, /var/db, plist, store, PATH, env, /sbin/nfsd, no /etc/exports, dhcp-hosts" || badd "inside checks: $out"
	[ ! -s /var/db/dhcpd_leases ] && [ ! -e /Library/Preferences ] && okk "/var/db and /Library untouched on the host" || badd "host /var/db or /Library modified"
	[ ! -e /etc/xhyve-sandbox-probe ] && [ ! -e /run/xhyve-sandbox-probe ] && [ ! -e /run/xhyve-sandbox ] && [ ! -e "$(readlink -f /sbin)/nfsd" ] &&
		okk "/etc, /run, /sbin written inside only (overlays): no probe files, no /sbin/nfsd on the host" || badd "sandbox writes reached the host's /etc, /run or /sbin"

	# two sandboxes at once, each with a VM that gets a lease
	vm='u=$(cat /proc/sys/kernel/random/uuid)
		xhyve -A -U $u -m 256 -s 0:0,hostbridge -s 31,lpc -s 2:0,virtio-net -F "$MACHINE_STORAGE_PATH/pid" -f "kexec,'"$GUEST/vmlinuz,$GUEST/initrd.img"',console=ttyS0" &
		for i in $(seq 1 90); do grep -q ip_address /var/db/dhcpd_leases && break; sleep 1; done
		grep -q ip_address /var/db/dhcpd_leases && echo lease-ok'
	t=$(now)
	sb sh -c "$vm" > "$W0/a" 2>&1 & local a=$!
	sb sh -c "$vm" > "$W0/b" 2>&1 & local b=$!
	wait $a; wait $b
	[ "$(cat "$W0/a" "$W0/b")" = "$(printf 'lease-ok\nlease-ok')" ] && okk "two sandboxes at once, a VM and a lease in each, in $(since "$t")" || badd "parallel sandboxes: $(cat "$W0/a" "$W0/b")"

	# Ctrl-C (SIGINT to the foreground process group) and SIGTERM tear everything down
	for sig in INT TERM; do
		tok=$RANDOM$RANDOM
		set -m
		XHYVE_SANDBOX_QUIET=1 "$HERE/sandbox.sh" sh -c "$vm; echo ready > $W0/ready.$tok; sleep 3$tok" > "$W0/$sig" 2>&1 &
		local p=$!
		set +m
		for i in $(seq 1 900); do [ -e "$W0/ready.$tok" ] && break; sleep 0.1; done
		t=$(now)
		if [ $sig = INT ]; then kill -INT -- -$p; else kill -TERM $p; fi
		rc=0; wait $p || rc=$?
		sleep 0.2
		if [ -e "$W0/ready.$tok" ] && [ -z "$(pgrep -f "sleep 3$tok")" ] && [ -z "$(pgrep -f "sandbox.sh sh -c u=")" ] &&
			[ -z "$(ls -A "$ROOT/.cache/sandbox")" ]; then
			okk "SIG$sig: sandbox rc $rc, all gone (VM, dnsmasq, state dir) in $(since "$t")"
		else
			badd "SIG$sig: leftovers: $(pgrep -af "sleep 3$tok|sandbox.sh") $(ls -A "$ROOT/.cache/sandbox")"
		fi
	done
	return $fails
}

if [ -z "${XHYVE_STANDIN_BRIDGE:-}" ]; then
	set -e
	mkdir -p "$ROOT/.cache/bin"
	(cd "$ROOT" && CGO_ENABLED=0 go build -o .cache/bin/xhyve ./test/xhyve)
	ln -sf xhyve "$ROOT/.cache/bin/hyperkit"
	"$HERE/testguest.sh" "$GUEST"
	export SELFTEST_GUEST="$GUEST"
	set +e
	sandbox_fails=0
	if want sandbox; then
		W0=$(mktemp -d /tmp/xhyve-selftest.XXXXXX)
		t_sandbox; sandbox_fails=$?
		rm -rf "$W0"
	fi
	if [ -n "${SELFTEST_ONLY:-}" ] && [ "$SELFTEST_ONLY" = sandbox ]; then
		exit "$sandbox_fails"
	fi
	"$HERE/sandbox.sh" "$HERE/selftest.sh" "$@"
	rc=$?
	[ "$sandbox_fails" = 0 ] || rc=1
	exit $rc
fi

W=$(mktemp -d /tmp/xhyve-selftest.XXXXXX)
trap 'rm -rf "$W"' EXIT
KERNEL=$GUEST/vmlinuz
INITRD=$GUEST/initrd.img
CMDLINE="console=ttyS0 panic=0"
FAILS=0
PASSES=0

ok() { PASSES=$((PASSES + 1)); echo "  ok   $*"; }
bad() { FAILS=$((FAILS + 1)); echo "  FAIL $*"; }
check() { # check DESCRIPTION COMMAND...
	local d=$1; shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}
newuuid() { cat /proc/sys/kernel/random/uuid; }
pingable() { busybox ping -q -c1 -W5 "$1" >/dev/null 2>&1; }

# vm_start NAME PROG ARGS... : runs the stand-in in the background.
# Files: $W/NAME.{out,err,pid,rc,console}; the pty reader appends to .console.
vm_start() {
	local name=$1 prog=$2; shift 2
	rm -f "$W/$name".*
	: > "$W/$name.console"
	(
		"$prog" "$@" > "$W/$name.out" 2> "$W/$name.err" &
		echo $! > "$W/$name.pid"
		wait $!
		echo $? > "$W/$name.rc"
	) 2>/dev/null &
	local i
	for i in $(seq 1 100); do [ -s "$W/$name.pid" ] && break; sleep 0.05; done
	eval "T0_$name=\$(now)"
}
vm_pid() { cat "$W/$1.pid"; }
# vm_pty NAME: waits for the "COM1 connected to" line, starts a reader.
vm_pty() {
	local name=$1 i pts=
	for i in $(seq 1 200); do
		pts=$(sed -n 's/^COM1 connected to //p' "$W/$name.out" 2>/dev/null)
		[ -n "$pts" ] && break
		[ -e "$W/$name.rc" ] && break
		sleep 0.05
	done
	[ -n "$pts" ] || return 1
	echo "$pts" > "$W/$name.pts"
	cat "$pts" >> "$W/$name.console" 2>/dev/null &
	echo $! > "$W/$name.reader"
}
vm_type() { printf '%s\n' "$2" > "$(cat "$W/$1.pts")"; }
# wait_for FILE PATTERN TIMEOUT
wait_for() {
	local i n=$(($3 * 10))
	for i in $(seq 1 $n); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# vm_wait_exit NAME TIMEOUT -> prints the exit status (or "timeout")
vm_wait_exit() {
	local i n=$(($2 * 10))
	for i in $(seq 1 $n); do
		if [ -e "$W/$1.rc" ]; then cat "$W/$1.rc"; return; fi
		sleep 0.1
	done
	echo timeout
}
vm_kill() { kill -KILL "$(vm_pid "$1")" 2>/dev/null; vm_wait_exit "$1" 10 >/dev/null; }
qemu_of() { pgrep -f -- "-uuid $1" || true; }
tap_of() { ip -o link show 2>/dev/null | grep -c "xh-" || true; }
lease_ip() { # lease_ip MAC(unpadded) -> ip address of the newest entry
	awk -v hw="1,$1" '
		/^\{/ { ip = ""; h = "" }
		/^\tip_address=/ { ip = substr($0, 13) }
		/^\thw_address=/ { h = substr($0, 13) }
		/^\}/ { if (h == hw && !found) { print ip; found = 1 } }
	' /var/db/dhcpd_leases
}
unpad() { echo "$1" | awk -F: '{ for (i = 1; i <= NF; i++) { o = $i; sub(/^0+/, "", o); if (o == "") o = "0"; printf "%s%s", (i > 1 ? ":" : ""), o } print "" }'; }
# boot_ready NAME PROG UUID [EXTRA...]: starts a standard VM, waits for the guest
boot_ready() {
	local name=$1 prog=$2 uuid=$3; shift 3
	vm_start "$name" "$prog" -A -U "$uuid" -c 2 -m 512 -u -s 0:0,hostbridge -s 31,lpc \
		-l com1,autopty -s 2:0,virtio-net -F "$W/$name.pidfile" "$@" \
		-f "kexec,$KERNEL,$INITRD,$CMDLINE"
	vm_pty "$name" || { bad "$name: no COM1 line ($(cat "$W/$name.err"))"; return 1; }
	wait_for "$W/$name.console" STANDIN-GUEST-READY 90 || { bad "$name: guest not ready"; return 1; }
	# the shell on ttyS0 may still be starting: wait for its prompt
	wait_for "$W/$name.console" 'guest# ' 30
	return 0
}

######################################################################## cli
t_cli() {
	echo "== cli"
	local u out rc t
	u=$(newuuid)
	t=$(now)
	out=$(xhyve -M -U "$u" -s 2:0,virtio-net -f kexec,/dev/null,, 2>&1); rc=$?
	check "xhyve -M: '$out' rc=$rc ($(since "$t"))" test $rc = 0 -a -n "$(echo "$out" | grep -E '^MAC: ([0-9a-f]{2}:){5}[0-9a-f]{2}$')"
	check "hyperkit -M gives the same MAC" test "$(hyperkit -M -U "$u" -s 2:0,virtio-net -f kexec,/dev/null,, 2>&1)" = "$out"
	check "-M with another UUID gives another MAC" test "$(xhyve -M -U "$(newuuid)" -s 2:0,virtio-net -f kexec,/dev/null,, 2>&1)" != "$out"
	out=$(xhyve -v 2>&1 >/dev/null); rc=$?
	check "xhyve -v on stderr, rc 0" test $rc = 0 -a "$(echo "$out" | head -n1)" = "xhyve: v0.2.0-standin"
	out=$(hyperkit -v 2>/dev/null); rc=$?
	check "hyperkit -v, rc 0" test $rc = 0 -a "$(echo "$out" | head -n1)" = "hyperkit: v0.20210107-standin"
	xhyve -h >/dev/null 2>&1; check "xhyve -h rc 0" test $? = 0
	local args
	while IFS='|' read -r want args; do
		[ -n "$want" ] || continue
		eval "set -- $args"
		xhyve "$@" >/dev/null 2>&1; rc=$?
		check "xhyve $args -> $rc (want $want)" test "$rc" = "$want"
	done <<-'EOF'
	1|-z -f kexec,/dev/null,,
	1|-U x
	1|-s 2 -f kexec,/dev/null,,
	1|-s 40,hostbridge -f kexec,/dev/null,,
	1|-s 2,virtio-9p -f kexec,/dev/null,,
	1|-s 2,virtio-net -s 2,virtio-blk,/x -f kexec,/dev/null,,
	1|-c 17 -f kexec,/dev/null,,
	1|-c 0 -f kexec,/dev/null,,
	1|-f kexec,/dev/null,
	1|-f linux,/dev/null,,
	1|-f kexec,/nonexistent,,
	1|-s 3,virtio-blk,/nonexistent -f kexec,/dev/null,,
	1|-s 3,ahci-cd,/nonexistent -f kexec,/dev/null,,
	1|-U not-a-uuid -f kexec,/dev/null,,
	1|-s 31,lpc -l com1,autopty=/tmp/x -f kexec,/dev/null,,
	64|-m 1.5G -f kexec,/dev/null,,
	64|-m lots -f kexec,/dev/null,,
	64|-l com3,stdio -f kexec,/dev/null,,
	EOF
	hyperkit -c 64 -M -U "$u" -s 2,virtio-net -s 3,virtio-9p,path=/x,tag=y -s 4,virtio-sock,guest_cid=3 -f kexec,/dev/null >/dev/null 2>&1
	check "hyperkit accepts -c 64, virtio-9p, virtio-sock, -f kexec,KERNEL" test $? = 0
}

####################################################################### boot
t_boot() {
	echo "== boot (xhyve, documented command line)"
	local u mac hw t ip rc pid entry
	u=$(newuuid)
	mac=$(xhyve -M -U "$u" -s 2:0,virtio-net -f kexec,/dev/null,, | sed 's/^MAC: //')
	hw=$(unpad "$mac")
	mkdir -p "$W/x"
	vm_start boot xhyve -A -U "$u" -c 2 -m 1024 -u -s 0:0,hostbridge -s 31,lpc -l com1,autopty \
		-s 2:0,virtio-net -F "$W/x/pid" -f "kexec,$KERNEL,$INITRD,$CMDLINE"
	t=$T0_boot
	vm_pty boot && ok "COM1 line '$(cat "$W/boot.out")' after $(since "$t")" || { bad "no COM1 line: $(cat "$W/boot.err")"; return; }
	wait_for "$W/x/pid" . 30
	pid=$(vm_pid boot)
	check "pidfile holds the stand-in's pid ($(cat "$W/x/pid" 2>/dev/null)) after $(since "$t")" test "$(cat "$W/x/pid" 2>/dev/null)" = "$pid"
	check "stdout has only the COM1 line" test "$(wc -l < "$W/boot.out")" = 1
	wait_for /var/db/dhcpd_leases "hw_address=1,$hw\$" 90 && ok "lease for $mac after $(since "$t")" || bad "no lease for $hw"
	entry=$(awk -v hw="$hw" 'BEGIN{RS="}\n"} index($0, "hw_address=1," hw "\n") { print $0 "}"; exit }' /var/db/dhcpd_leases)
	echo "$entry" | sed 's/^/       | /'
	check "lease entry in bootpd format" bash -c '[[ "$1" =~ ^\{$'"'"'\n\t'"'"'name=boot2docker$'"'"'\n\t'"'"'ip_address=192\.168\.64\.[0-9]+$'"'"'\n\t'"'"'hw_address=1,'"$hw"'$'"'"'\n\t'"'"'identifier=1,'"$hw"'$'"'"'\n\t'"'"'lease=0x[0-9a-f]+$'"'"'\n'"'"'\}$ ]]' _ "$entry"
	ip=$(lease_ip "$hw")
	wait_for "$W/boot.console" STANDIN-GUEST-READY 60 && ok "pty reader sees the console (guest ip $ip) after $(since "$t")" || bad "console not seen"
	check "tap interface on the bridge" test -n "$(ip -o link show master "$XHYVE_STANDIN_BRIDGE" | grep xh-)"
	wait_for "$W/boot.console" 'guest# ' 30
	vm_type boot "echo typed-\$((6*7))"
	wait_for "$W/boot.console" typed-42 20 && ok "typing into the pty reaches the guest shell" || bad "typed command not echoed"
	check "host reaches the guest ($ip)" pingable "$ip"
	t=$(now)
	kill -TERM "$pid"
	rc=$(vm_wait_exit boot 60)
	check "SIGTERM -> ACPI poweroff -> rc $rc (want 1) in $(since "$t")" test "$rc" = 1
	check "guest saw the power button" grep -q STANDIN-GUEST-POWERBUTTON "$W/boot.console"
	check "pidfile removed" test ! -e "$W/x/pid"
	check "QEMU gone" test -z "$(qemu_of "$u")"
	check "tap gone" test -z "$(ip -o link show | grep xh-)"
	check "lease kept after the VM stopped" grep -q "hw_address=1,$hw\$" /var/db/dhcpd_leases
}

################################################################### hyperkit
t_hyperkit() {
	echo "== hyperkit (autopty=PATH,log=PATH; SIGTERM)"
	local u t rc
	u=$(newuuid)
	ln -sf /nonexistent "$W/hk.tty" # a stale link to replace
	vm_start hk hyperkit -A -U "$u" -c 2 -m 512 -s 0:0,hostbridge -s 31,lpc \
		-l "com1,autopty=$W/hk.tty,log=$W/hk.log" -s 2:0,virtio-net -F "$W/hk.pidfile" \
		-f "kexec,$KERNEL,$INITRD,$CMDLINE"
	t=$T0_hk
	vm_pty hk || { bad "no COM1 line: $(cat "$W/hk.err")"; return; }
	check "autopty symlink -> $(readlink "$W/hk.tty")" test "$(readlink "$W/hk.tty")" = "$(cat "$W/hk.pts")"
	wait_for "$W/hk.log" STANDIN-GUEST-READY 90 && ok "log= file has the console after $(since "$t")" || bad "log file"
	wait_for "$W/hk.console" 'guest# ' 30
	t=$(now)
	kill -TERM "$(vm_pid hk)"
	rc=$(vm_wait_exit hk 60)
	check "hyperkit SIGTERM -> poweroff -> rc $rc (want 0) in $(since "$t")" test "$rc" = 0
	check "pidfile removed" test ! -e "$W/hk.pidfile"
}

##################################################################### reboot
t_reboot() {
	echo "== guest reboot"
	local prog want rc t
	for prog in xhyve hyperkit; do
		want=0; [ $prog = hyperkit ] && want=2
		boot_ready rb $prog "$(newuuid)" || { vm_kill rb; continue; }
		t=$(now)
		vm_type rb reboot
		rc=$(vm_wait_exit rb 60)
		check "$prog: guest reboot -> rc $rc (want $want) in $(since "$t")" test "$rc" = $want
		check "$prog: pidfile removed" test ! -e "$W/rb.pidfile"
		vm_kill rb
	done
}

####################################################################### halt
t_halt() {
	echo "== guest halt"
	local prog want rc t
	for prog in xhyve hyperkit; do
		want=2; [ $prog = hyperkit ] && want=0
		boot_ready hl $prog "$(newuuid)" || { vm_kill hl; continue; }
		t=$(now)
		vm_type hl halt
		rc=$(vm_wait_exit hl 60)
		check "$prog: guest halt -> rc $rc (want $want) in $(since "$t")" test "$rc" = $want
		vm_kill hl
	done
}

###################################################################### crash
t_crash() {
	echo "== guest crash"
	local rc t
	boot_ready cr xhyve "$(newuuid)" || { vm_kill cr; return; }
	t=$(now)
	vm_type cr 'echo c > /proc/sysrq-trigger'
	rc=$(vm_wait_exit cr 60)
	check "kernel panic (pvpanic) -> rc $rc (want 3) in $(since "$t")" test "$rc" = 3
	vm_kill cr
	CMDLINE="$CMDLINE reboot=t" boot_ready tf hyperkit "$(newuuid)" || { vm_kill tf; return; }
	t=$(now)
	vm_type tf reboot
	rc=$(vm_wait_exit tf 60)
	check "hyperkit: triple fault (reboot=t) -> rc $rc (want 3) in $(since "$t")" test "$rc" = 3
	vm_kill tf
}

#################################################################### pidfile
t_pidfile() {
	echo "== stale pidfile"
	local rc t
	echo 99999 > "$W/stale.pidfile"
	t=$(now)
	vm_start st xhyve -A -U "$(newuuid)" -m 256 -s 0:0,hostbridge -s 31,lpc -l com1,autopty \
		-s 2:0,virtio-net -F "$W/stale.pidfile" -f "kexec,$KERNEL,$INITRD,$CMDLINE"
	rc=$(vm_wait_exit st 30)
	check "stale pidfile -> rc $rc (want 1) in $(since "$t"): $(cat "$W/st.err")" test "$rc" = 1
	check "stale pidfile untouched" test "$(cat "$W/stale.pidfile")" = 99999
	check "no QEMU left" test -z "$(pgrep -f qemu-system | tr '\n' ' ')"
}

#################################################################### sigkill
t_sigkill() {
	echo "== SIGKILL"
	local u t
	u=$(newuuid)
	boot_ready sk xhyve "$u" || { vm_kill sk; return; }
	check "QEMU running" test -n "$(qemu_of "$u")"
	t=$(now)
	kill -KILL "$(vm_pid sk)"
	vm_wait_exit sk 10 >/dev/null
	local i
	for i in $(seq 1 50); do [ -z "$(qemu_of "$u")" ] && break; sleep 0.1; done
	check "QEMU gone $(since "$t") after SIGKILL" test -z "$(qemu_of "$u")"
	check "pidfile left behind" test -s "$W/sk.pidfile"
	for i in $(seq 1 50); do [ -z "$(ip -o link show | grep xh-)" ] && break; sleep 0.1; done
	check "tap gone" test -z "$(ip -o link show | grep xh-)"
}

###################################################################### early
t_early() {
	echo "== SIGTERM before the guest enabled ACPI"
	local rc t
	vm_start ea xhyve -A -U "$(newuuid)" -m 256 -s 0:0,hostbridge -s 31,lpc -l com1,autopty \
		-s 2:0,virtio-net -F "$W/ea.pidfile" -f "kexec,$KERNEL,$INITRD,$CMDLINE"
	wait_for "$W/ea.pidfile" . 30
	t=$(now)
	kill -TERM "$(vm_pid ea)"
	rc=$(vm_wait_exit ea 10)
	check "early SIGTERM kills at once: rc $rc (want 143 = killed by SIGTERM) in $(since "$t")" test "$rc" = 143
	check "pidfile left behind (like a killed xhyve)" test -s "$W/ea.pidfile"
	sleep 0.3
	check "no QEMU left" test -z "$(pgrep -f qemu-system | tr '\n' ' ')"

	echo "== no -A: SIGTERM kills at once"
	vm_start na xhyve -U "$(newuuid)" -m 256 -s 0:0,hostbridge -s 31,lpc -l com1,autopty \
		-s 2:0,virtio-net -f "kexec,$KERNEL,$INITRD,$CMDLINE"
	vm_pty na
	wait_for "$W/na.console" STANDIN-GUEST-READY 90 || bad "no -A guest not ready"
	t=$(now)
	kill -TERM "$(vm_pid na)"
	rc=$(vm_wait_exit na 10)
	check "no -A: SIGTERM -> rc $rc (want 143) in $(since "$t")" test "$rc" = 143
}

######################################################################## two
t_two() {
	echo "== two VMs at once"
	local u1 u2 ip1 ip2 m1 m2
	u1=$(newuuid); u2=$(newuuid)
	m1=$(unpad "$(xhyve -M -U "$u1" -s 2:0,virtio-net -f kexec,/dev/null,, | sed 's/^MAC: //')")
	m2=$(unpad "$(xhyve -M -U "$u2" -s 2:0,virtio-net -f kexec,/dev/null,, | sed 's/^MAC: //')")
	local t=$(now)
	vm_start v1 xhyve -A -U "$u1" -c 1 -m 256 -s 0:0,hostbridge -s 31,lpc -l com1,autopty -s 2:0,virtio-net -f "kexec,$KERNEL,$INITRD,$CMDLINE"
	vm_start v2 hyperkit -A -U "$u2" -c 1 -m 256 -s 0:0,hostbridge -s 31,lpc -l com1,autopty -s 2:0,virtio-net -f "kexec,$KERNEL,$INITRD,$CMDLINE"
	wait_for /var/db/dhcpd_leases "hw_address=1,$m1\$" 90
	wait_for /var/db/dhcpd_leases "hw_address=1,$m2\$" 90
	ip1=$(lease_ip "$m1"); ip2=$(lease_ip "$m2")
	check "two leases: $ip1 and $ip2 after $(since "$t")" test -n "$ip1" -a -n "$ip2" -a "$ip1" != "$ip2"
	check "two taps" test "$(ip -o link show master "$XHYVE_STANDIN_BRIDGE" | grep -c xh-)" = 2
	kill -TERM "$(vm_pid v1)" "$(vm_pid v2)"
	check "both power off (rc $(vm_wait_exit v1 60) / $(vm_wait_exit v2 60), want 1 / 0)" \
		test "$(cat "$W/v1.rc")/$(cat "$W/v2.rc")" = 1/0
}

###################################################################### disks
t_disks() {
	echo "== disks"
	truncate -s 64M "$W/disk.raw"
	truncate -s 16M "$W/ahci.raw"
	xorriso -as mkisofs -quiet -V STANDIN-ISO -o "$W/cd.iso" "$HERE" 2>/dev/null
	boot_ready dk xhyve "$(newuuid)" -s 3,ahci-cd,"$W/cd.iso" -s 4,virtio-blk,"$W/disk.raw" -s 5,ahci-hd,"$W/ahci.raw" -s 6,virtio-rnd || { vm_kill dk; return; }
	vm_type dk 'for d in /sys/block/*; do echo "blk ${d##*/} $(cat $d/size)"; done; cat /sys/class/misc/hw_random/rng_available; echo disks-$((40+2))'
	wait_for "$W/dk.console" disks-42 30
	echo "       | $(grep -a '^blk ' "$W/dk.console" | tr -d '\r' | tr '\n' ' ')"
	check "virtio-blk is vda (64M)" grep -q 'blk vda 131072' "$W/dk.console"
	check "ahci-cd is sr0" grep -q 'blk sr0 ' "$W/dk.console"
	check "ahci-hd is sda (16M)" grep -q 'blk sda 32768' "$W/dk.console"
	check "virtio-rnd is a hw_random source" grep -q 'virtio_rng' "$W/dk.console"
	kill -TERM "$(vm_pid dk)"
	vm_wait_exit dk 60 >/dev/null
}

######################################################################## nfs
# Server side of NFS, no VM: /etc/exports and /sbin/nfsd as on a Mac,
# checkexports, restart adding and dropping exports (as mountd lists them),
# stable export ids, several clients of one directory, stop/start/update.
t_nfs() {
	echo "== nfs (server side: /etc/exports, /sbin/nfsd, ganesha)"
	local t out rc d=$W/nfs ids
	mkdir -p "$d/a" "$d/b" "$d/c/sub" "$d/space dir"
	check "/etc/exports absent at start (fresh Mac)" test ! -e /etc/exports
	check "/sbin/nfsd is the stand-in" sh -c '/sbin/nfsd -v 2>&1 | grep -q "usage: nfsd"'
	check "nfsd status: not running" sh -c 'nfsd status | grep -q "nfsd is not running"'
	check "nfsd update fails when not running" sh -c '! nfsd update 2>/dev/null'
	# checkexports (exit status and the line in the message)
	printf '# c\n%s -alldirs -mapall=0:0 192.168.64.2\n"%s" -ro 192.168.64.3 \\\n  192.168.64.4\n' "$d/a" "$d/space dir" > "$d/good"
	check "checkexports: comments, quotes, continuation -> 0" nfsd -F "$d/good" checkexports
	while IFS='|' read -r want line; do
		[ -n "$want" ] || continue
		printf '# line 1\n%s\n' "$line" | sed "s#@#$d#g" > "$d/bad"
		out=$(nfsd -F "$d/bad" checkexports 2>&1); rc=$?
		check "checkexports rejects: $line -> '$(echo "$out" | tr "\n" " ")'" sh -c '[ "$1" = 1 ] && echo "$2" | grep -q "^exports:2: .*$3"' _ "$rc" "$out" "$want"
	done <<-'EOF'
	got host/group with no directory|relative/dir 192.168.64.2
	non-existent components|@/missing 192.168.64.2
	unrecognized export option|@/a -bogus 192.168.64.2
	Unknown user|@/a -mapall=no-such-user 192.168.64.2
	no groups found|@/a -mapall=0: 192.168.64.2
	mutually exclusive|@/a -mapall=0:0 -maproot=0:0 192.168.64.2
	both network and hosts|@/a -network 10.0.0.0 -mask 255.0.0.0 192.168.64.2
	couldn't get address for host|@/a no-such-host.invalid
	Directories must be first|@/a 192.168.64.2 @/b
	EOF
	printf '%s -mapall=0:0 192.168.64.2\n%s -mapall=1:1 192.168.64.2\n' "$d/a" "$d/a" > "$d/bad"
	out=$(nfsd -F "$d/bad" checkexports 2>&1)
	check "checkexports rejects a host given twice for one directory: '$(echo "$out" | head -n1)'" sh -c 'echo "$1" | grep -q "^exports:2: conflicting exports for"' _ "$out"
	printf '%s 192.168.64.2\n%s 192.168.64.3\n' "$d/c" "$d/c/sub" > "$d/bad"
	out=$(nfsd -F "$d/bad" checkexports 2>&1)
	check "checkexports rejects nested exports: '$out'" sh -c 'echo "$1" | grep -q "^exports:2: .* conflicts with existing export"' _ "$out"
	# restart: starts rpcbind, rpc.statd, ganesha
	printf '%s -alldirs -mapall=0:0 192.168.64.2\n' "$d/a" > /etc/exports
	t=$(now)
	nfsd restart; rc=$?
	check "first nfsd restart (starts the server) rc $rc in $(since "$t")" test $rc = 0
	check "nfsd status: running" sh -c 'nfsd status | grep -q "nfsd is running"'
	out=$(nfsd exports)
	check "served: '$out'" test "$out" = "$d/a 192.168.64.2"
	out=$(rpcinfo -p 192.168.64.1 2>&1)
	for prog in "100003    3   tcp   2049" "100003    4   tcp   2049" "100005    3   tcp  20048" "100005    3   udp  20048" "100021    4   tcp  32803" "100024    1   udp"; do
		check "rpcbind on 192.168.64.1 lists $prog" sh -c 'echo "$1" | grep -q "$2"' _ "$out" "$prog"
	done
	check "NFS, MOUNT, NLM listen on 192.168.64.1 only" sh -c 'for p in 2049 20048 32803; do ss -Hltn | grep -q "192.168.64.1\]*:$p " && ! ss -Hltn | grep -Eq "(0.0.0.0|\*|\[::\]):$p " || exit 1; done'
	# reload: add an export and a second client of the same directory
	printf '%s -alldirs -mapall=0:0 192.168.64.2\n%s -alldirs -mapall=0:0 192.168.64.3\n%s -ro -network 192.168.64.0 -mask 255.255.255.0\n' "$d/a" "$d/a" "$d/b" >> /etc/exports
	sed -i 1d /etc/exports
	ids=$(cat "$XHYVE_SANDBOX_STATE/nfs/export-ids")
	t=$(now)
	nfsd restart; rc=$?
	out=$(nfsd exports | tr '\n' ';')
	check "restart adds (reload in $(since "$t")): '$out'" test "$rc;$out" = "0;$d/a 192.168.64.2,192.168.64.3;$d/b 192.168.64.0/24;"
	# drop one client, then a whole export
	printf '%s -alldirs -mapall=0:0 192.168.64.3\n' "$d/a" > /etc/exports
	t=$(now)
	nfsd restart; rc=$?
	out=$(nfsd exports | tr '\n' ';')
	check "restart drops a client and an export (in $(since "$t")): '$out'" test "$rc;$out" = "0;$d/a 192.168.64.3;"
	check "export ids stay (file handles survive): $(head -n1 "$XHYVE_SANDBOX_STATE/nfs/export-ids")" \
		test "$(head -n1 "$XHYVE_SANDBOX_STATE/nfs/export-ids")" = "$(echo "$ids" | head -n1)"
	check "ganesha was reloaded, not restarted" sh -c '[ "$(grep -c "started ganesha" "$1")" = 1 ]' _ "$XHYVE_SANDBOX_STATE/nfs/nfsd.log"
	# an entry with errors is not served; the rest is
	printf '%s -alldirs 192.168.64.3\n%s -bogus 192.168.64.4\n' "$d/a" "$d/b" > /etc/exports
	out=$(nfsd restart 2>&1); rc=$?
	check "restart with a bad entry: rc $rc, serves the rest, says which line" sh -c '[ "$1" = 0 ] && echo "$2" | grep -q "exports:2: " && [ "$(nfsd exports)" = "$3 192.168.64.3" ]' _ "$rc" "$out" "$d/a"
	rm /etc/exports
	nfsd restart; rc=$?
	check "no /etc/exports: nothing served (rc $rc)" test "$rc" = 0 -a -z "$(nfsd exports)"
	# stop / start / update
	nfsd stop
	check "nfsd stop: rpcbind, statd, ganesha gone" sh -c '! pgrep -x ganesha.nfsd && ! pgrep -x rpcbind && ! pgrep -x rpc.statd' 
	printf '%s 192.168.64.9\n' "$d/b" > /etc/exports
	t=$(now)
	nfsd start; rc=$?
	check "nfsd start (rc $rc) in $(since "$t"): '$(nfsd exports)'" test "$rc;$(nfsd exports)" = "0;$d/b 192.168.64.9"
	: > /etc/exports
	nfsd update; rc=$?
	check "nfsd update (rc $rc): nothing served" test "$rc" = 0 -a -z "$(nfsd exports)"
	nfsd stop
}

################################################################# dhcp pinning
# The recipe of sandbox.sh's header: MAC,IP in $XHYVE_SANDBOX_STATE/dhcp-hosts
# and SIGHUP to dnsmasq; the VM gets the pinned address at its next boot.
t_dhcppin() {
	echo "== dhcp pinning (a VM's address changes at its next boot)"
	local u mac hw ip1 ip2 t pin=192.168.64.200
	u=$(newuuid)
	mac=$(xhyve -M -U "$u" -s 2:0,virtio-net -f kexec,/dev/null,, | sed 's/^MAC: //')
	hw=$(unpad "$mac")
	boot_ready dp xhyve "$u" || { vm_kill dp; return; }
	wait_for /var/db/dhcpd_leases "hw_address=1,$hw\$" 60
	ip1=$(lease_ip "$hw")
	check "first boot: $ip1" test -n "$ip1" -a "$ip1" != "$pin"
	echo "$mac,$pin" >> "$XHYVE_SANDBOX_STATE/dhcp-hosts"
	kill -HUP "$(cat "$XHYVE_SANDBOX_STATE/dnsmasq.pid")"
	kill -TERM "$(vm_pid dp)"
	vm_wait_exit dp 60 >/dev/null
	t=$(now)
	boot_ready dp xhyve "$u" || { vm_kill dp; return; }
	local i
	for i in $(seq 1 60); do [ "$(lease_ip "$hw")" = "$pin" ] && break; sleep 1; done
	ip2=$(lease_ip "$hw")
	check "second boot: $ip2 (pinned $pin) after $(since "$t")" test "$ip2" = "$pin"
	check "one entry for the MAC in /var/db/dhcpd_leases" test "$(grep -c "hw_address=1,$hw\$" /var/db/dhcpd_leases)" = 1
	check "guest answers at $pin" pingable "$pin"
	kill -TERM "$(vm_pid dp)"
	vm_wait_exit dp 60 >/dev/null
	sed -i "/^$mac,/d" "$XHYVE_SANDBOX_STATE/dhcp-hosts"
	kill -HUP "$(cat "$XHYVE_SANDBOX_STATE/dnsmasq.pid")"
}

T=$(now)
want cli && t_cli
want boot && t_boot
want hyperkit && t_hyperkit
want reboot && t_reboot
want halt && t_halt
want crash && t_crash
want pidfile && t_pidfile
want sigkill && t_sigkill
want early && t_early
want two && t_two
want disks && t_disks
want nfs && t_nfs
want dhcppin && t_dhcppin
echo "== $PASSES passed, $FAILS failed in $(since "$T")"
[ "$FAILS" = 0 ]
