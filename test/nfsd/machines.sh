#!/bin/bash
# machines.sh: the driver's NFS sharing end to end, with the real pieces: the
# real docker-machine CLI, the plugin (bin/), the xhyve stand-in, the guest
# ISO (.cache/guest) and this directory's nfsd in the sandbox. Run as root:
#
#   make build && test/nfsd/machines.sh        (about 5 minutes)
#
# Checks: create with --xhyve-nfs-share writes the driver's block to
# /etc/exports and the server serves it; the guest mounts it (NFSv3 as the
# driver mounts it, without nolock) and sees host files at once; a container
# sees it through -v; what the guest writes is owned on the host by the
# -mapall uid:gid (root's 0:0 here, and 1234:5678 through a hand-written
# line); NLM locks work (a conflicting lock is refused); NFSv4 mounts too;
# another VM is refused; a second machine sharing another directory keeps
# working after the first is removed; a pinned DHCP address (dhcp-hosts)
# moves the export to the VM's new address at its next start; rm removes the
# machine's block and the server drops the export.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

if [ -z "${XHYVE_STANDIN_BRIDGE:-}" ]; then
	[ -x "$ROOT/bin/docker-machine-driver-xhyve" ] || { echo "machines.sh: run make build first" >&2; exit 1; }
	(cd "$ROOT" && CGO_ENABLED=0 go build -o .cache/bin/nfs-locktest ./test/nfsd/locktest) || exit 1
	exec "$ROOT/test/sandbox/sandbox.sh" "$0" "$@"
fi

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
FAILS=0 PASSES=0
ok() { PASSES=$((PASSES + 1)); echo "  ok   $*"; }
bad() { FAILS=$((FAILS + 1)); echo "  FAIL $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
gssh() { docker-machine ssh "$@" 2>&1 | tr -d '\r'; }
block() { # block MACHINE PATH IP: the driver's exports block, exactly
	local id="docker-machine-driver-xhyve $MACHINE_STORAGE_PATH/machines/$1 $2"
	printf '# BEGIN: %s\n%s -alldirs -mapall=%s:%s %s\n# END: %s\n' "$id" "$2" "$(id -u)" "$(id -g)" "$3" "$id"
}

W=$(mktemp -d /tmp/xhyve-nfs.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/one" "$W/two" "$W/mapped"
chmod 0755 "$W"
echo hello-one > "$W/one/host.txt"
echo hello-two > "$W/two/host.txt"
chown 1234:5678 "$W/mapped"
cp "$ROOT/.cache/bin/nfs-locktest" "$W/one/locktest"
T=$(now)

echo "== create dev1 --xhyve-nfs-share $W/one"
t=$(now)
docker-machine create -d xhyve --xhyve-nfs-share "$W/one" dev1 > "$W/create1.log" 2>&1
rc=$?
check "create rc $rc in $(since "$t")" test $rc = 0
[ $rc = 0 ] || { tail -n 30 "$W/create1.log"; cat "$XHYVE_SANDBOX_STATE/nfs/nfsd.log"; exit 1; }
ip1=$(docker-machine ip dev1)
check "/etc/exports is exactly the driver's block for $ip1" test "$(cat /etc/exports)" = "$(block dev1 "$W/one" "$ip1")"
check "the server serves it: '$(nfsd exports)'" test "$(nfsd exports)" = "$W/one $ip1"
out=$(gssh dev1 "grep ' /nfsshares$W/one ' /proc/mounts")
check "guest mounted it over NFSv3 from 192.168.64.1, no nolock: $out" sh -c 'echo "$1" | grep -q "^192.168.64.1:$2 /nfsshares$2 nfs .*vers=3" && ! echo "$1" | grep -q nolock' _ "$out" "$W/one"
check "guest reads the host's file" test "$(gssh dev1 "cat /nfsshares$W/one/host.txt")" = hello-one
gssh dev1 "echo from-guest > /nfsshares$W/one/guest.txt; sudo sh -c 'echo from-root > /nfsshares$W/one/root.txt'" >/dev/null
check "guest's files on the host, owned by the -mapall uid:gid $(id -u):$(id -g): $(stat -c '%n %u:%g' "$W/one/guest.txt" "$W/one/root.txt" 2>&1 | tr '\n' ' ')" \
	test "$(stat -c %u:%g "$W/one/guest.txt" "$W/one/root.txt" 2>/dev/null | sort -u)" = "$(id -u):$(id -g)"
echo "later" > "$W/one/later.txt"
check "a file the host writes now is seen at once" test "$(gssh dev1 "cat /nfsshares$W/one/later.txt")" = later
out=$(gssh dev1 "cd /nfsshares$W/one && (./locktest lockfile hold 6 > held.out &) && sleep 3 && ./locktest lockfile try; sleep 5; ./locktest lockfile try; cat held.out")
check "NLM locks over NFSv3: held lock refuses another, then is free: $(echo $out)" test "$(echo $out)" = "busy locked locked"
eval "$(docker-machine env dev1)"
docker import "$XHYVE_E2E_GUEST/image.tar" nfs-img > /dev/null 2>&1
out=$(docker run --rm -v "/nfsshares$W/one:/data" nfs-img sh -c 'cat /data/host.txt && echo from-container > /data/container.txt' 2>&1)
check "a container sees the share with -v ($out) and writes to it" test "$out:$(cat "$W/one/container.txt" 2>&1)" = "hello-one:from-container"

echo "== create dev2 --xhyve-nfs-share $W/two"
t=$(now)
docker-machine create -d xhyve --xhyve-nfs-share "$W/two" dev2 > "$W/create2.log" 2>&1
rc=$?
check "create rc $rc in $(since "$t")" test $rc = 0
[ $rc = 0 ] || { tail -n 30 "$W/create2.log"; exit 1; }
ip2=$(docker-machine ip dev2)
check "/etc/exports holds both machines' blocks" test "$(cat /etc/exports)" = "$(block dev1 "$W/one" "$ip1"; block dev2 "$W/two" "$ip2")"
check "served: $(nfsd exports | tr '\n' ';')" test "$(nfsd exports | tr '\n' ';')" = "$W/one $ip1;$W/two $ip2;"
out=$(gssh dev1 "sudo mkdir -p /mnt/x && sudo mount -t nfs -o nfsvers=3,retry=0 192.168.64.1:$W/two /mnt/x && echo MOUNTED")
check "dev1 may not mount dev2's share: $out" sh -c 'echo "$1" | grep -q "access denied" && ! echo "$1" | grep -q MOUNTED' _ "$out"
out=$(gssh dev2 "sudo mkdir -p /nfsshares$W/two/sub/deeper && sudo mkdir -p /mnt/sub && sudo mount -t nfs -o nfsvers=3 192.168.64.1:$W/two/sub /mnt/sub && echo sub-ok; sudo umount /mnt/sub")
check "-alldirs: a subdirectory mounts ($out)" test "$out" = sub-ok

echo "== a hand-written line: $W/mapped -mapall=1234:5678 $ip2 (v3 and v4)"
printf '%s -mapall=1234:5678 %s\n' "$W/mapped" "$ip2" >> /etc/exports
nfsd -F /etc/exports checkexports && nfsd restart
check "served: $(nfsd exports | tr '\n' ';')" test "$(nfsd exports | tr '\n' ';')" = "$W/mapped $ip2;$W/one $ip1;$W/two $ip2;"
gssh dev2 "sudo mkdir -p /mnt/v3 /mnt/v4 && sudo mount -t nfs -o nfsvers=3 192.168.64.1:$W/mapped /mnt/v3 && sudo mount -t nfs -o nfsvers=4 192.168.64.1:$W/mapped /mnt/v4 && sudo sh -c 'echo 3 > /mnt/v3/v3.txt; echo 4 > /mnt/v4/v4.txt'; echo x > /mnt/v3/user.txt; grep ' /mnt/v[34] ' /proc/mounts; sudo umount /mnt/v3 /mnt/v4" > "$W/mapped.out"
check "NFSv3 and NFSv4 mounts ($(awk '{print $2, $3}' "$W/mapped.out" | tr '\n' ' '))" sh -c 'grep -q " /mnt/v3 nfs .*vers=3" "$1" && grep -q " /mnt/v4 nfs4 " "$1"' _ "$W/mapped.out"
check "every guest user maps to 1234:5678: $(stat -c '%n %u:%g' "$W/mapped"/*.txt 2>&1 | sed "s#$W/mapped/##" | tr '\n' ' ')" \
	test "$(stat -c %u:%g "$W/mapped/v3.txt" "$W/mapped/v4.txt" "$W/mapped/user.txt" 2>/dev/null | sort -u)" = 1234:5678

echo "== rm dev1: its block and export go, dev2 keeps working"
docker-machine rm -y dev1 > /dev/null 2>&1
check "/etc/exports: dev2's block and the hand-written line" test "$(cat /etc/exports)" = "$(block dev2 "$W/two" "$ip2"; printf '%s -mapall=1234:5678 %s' "$W/mapped" "$ip2")"
check "served: $(nfsd exports | tr '\n' ';')" test "$(nfsd exports | tr '\n' ';')" = "$W/mapped $ip2;$W/two $ip2;"
out=$(gssh dev2 "cat /nfsshares$W/two/host.txt && echo after > /nfsshares$W/two/after.txt && cat /nfsshares$W/two/after.txt")
check "dev2's mount still reads and writes: $(echo $out)" test "$(echo $out)" = "hello-two after"

echo "== dev2 pinned to another address (dhcp-hosts), stop and start"
mac=$(awk -v ip="$ip2" '/^\{/{h=""; i=""} /ip_address=/{i=substr($0, index($0,"=")+1)} /hw_address=1,/{h=substr($0, index($0,",")+1)} /^\}/{ if (i == ip) print h }' /var/db/dhcpd_leases |
	head -n1 | awk -F: '{ for (i = 1; i <= NF; i++) printf "%s%02s", (i > 1 ? ":" : ""), $i; print "" }' | tr ' ' 0)
pin=192.168.64.222
echo "$mac,$pin" >> "$XHYVE_SANDBOX_STATE/dhcp-hosts"
kill -HUP "$(cat "$XHYVE_SANDBOX_STATE/dnsmasq.pid")"
t=$(now)
docker-machine stop dev2 > /dev/null 2>&1 && docker-machine start dev2 > "$W/start2.log" 2>&1
rc=$?
check "stop + start rc $rc in $(since "$t"), address $(docker-machine ip dev2 2>&1) (pinned $mac -> $pin)" test "$rc:$(docker-machine ip dev2 2>&1)" = "0:$pin"
check "the export moved to $pin: $(nfsd exports | tr '\n' ';')" test "$(nfsd exports | grep "^$W/two ")" = "$W/two $pin"
check "the share is mounted again after the restart" test "$(gssh dev2 "cat /nfsshares$W/two/after.txt")" = after

echo "== rm dev2"
docker-machine rm -y dev2 > /dev/null 2>&1
check "/etc/exports: only the hand-written line" test "$(cat /etc/exports)" = "$(printf '%s -mapall=1234:5678 %s' "$W/mapped" "$ip2")"
check "served: $(nfsd exports | tr '\n' ';')" test "$(nfsd exports | tr '\n' ';')" = "$W/mapped $ip2;"
grep -E 'started ganesha|reload' "$XHYVE_SANDBOX_STATE/nfs/nfsd.log" | sed 's/^/       | /'
echo "== $PASSES passed, $FAILS failed in $(since "$T")"
[ "$FAILS" = 0 ]
