#!/bin/sh
# dnsmasq --dhcp-script for the sandbox: keeps /var/db/dhcpd_leases in macOS
# bootpd format (docs/facts.md §4), the file the driver reads to find a VM's IP:
#
#   {
#   	name=boot2docker
#   	ip_address=192.168.64.2
#   	hw_address=1,a:3b:4c:5d:6e:7f
#   	identifier=1,a:3b:4c:5d:6e:7f
#   	lease=0x5f1e2b3c
#   }
#
# Called as: ACTION MAC IP [HOSTNAME] with ACTION add|old|del (others ignored).
#  - add/old: replace every entry of that MAC (compared as bytes) by one
#    fresh entry, listed first (most recent first, like bootpd).
#  - del: keep the entry (bootpd never removes stale entries).
# The file is re-read on every call (the driver rewrites it too) and replaced
# atomically: written to a temporary file in the same directory, then renamed.
# Octets are written lowercase without zero padding; lease is the absolute
# expiry time in hex epoch seconds. An entry without a hostname has no name=.
# DHCPD_LEASES overrides the file (for tests).
set -eu

action=${1:-}
mac=${2:-}
ip=${3:-}
host=${4:-}
leases=${DHCPD_LEASES:-/var/db/dhcpd_leases}

case "$action" in
add|old) ;;
*) exit 0 ;;
esac

# Only Ethernet addresses (dnsmasq writes other hardware types as TYPE-xx-xx..).
case "$mac" in
*-*|'') exit 0 ;;
esac

# unpadded lowercase octets: 0a -> a, 00 -> 0
hw=$(printf '%s\n' "$mac" | tr 'A-F' 'a-f' | awk -F: '{
	out = ""
	for (i = 1; i <= NF; i++) {
		o = $i
		sub(/^0+/, "", o)
		if (o == "") o = "0"
		out = out (i > 1 ? ":" : "") o
	}
	print out
}')

now=$(date +%s)
expires=${DNSMASQ_LEASE_EXPIRES:-}
if [ -z "$expires" ] || [ "$expires" = 0 ]; then
	expires=$((now + ${DNSMASQ_TIME_REMAINING:-3600}))
fi
lease=$(printf '0x%x' "$expires")

dir=$(dirname "$leases")
tmp=$(mktemp "$dir/.dhcpd_leases.XXXXXX")
trap 'rm -f "$tmp"' EXIT

{
	printf '{\n'
	[ -n "$host" ] && [ "$host" != "*" ] && printf '\tname=%s\n' "$host"
	printf '\tip_address=%s\n' "$ip"
	printf '\thw_address=1,%s\n' "$hw"
	printf '\tidentifier=1,%s\n' "$hw"
	printf '\tlease=%s\n' "$lease"
	printf '}\n'
	if [ -f "$leases" ]; then
		# copy every block whose hw_address is not ours (bytewise compare:
		# octets normalised like above)
		awk -v want="$hw" '
		function norm(s,    n, parts, i, o, out) {
			n = split(tolower(s), parts, ":")
			out = ""
			for (i = 1; i <= n; i++) {
				o = parts[i]
				sub(/^0+/, "", o)
				if (o == "") o = "0"
				out = out (i > 1 ? ":" : "") o
			}
			return out
		}
		/^[ \t]*\{[ \t]*$/ { inblk = 1; blk = $0 "\n"; drop = 0; next }
		inblk && /^[ \t]*\}[ \t]*$/ {
			blk = blk $0 "\n"
			if (!drop) printf "%s", blk
			inblk = 0; blk = ""
			next
		}
		inblk {
			blk = blk $0 "\n"
			line = $0
			sub(/^[ \t]+/, "", line)
			if (line ~ /^hw_address=/) {
				v = substr(line, 12)
				if (v ~ /^1,/ && norm(substr(v, 3)) == want) drop = 1
			}
			next
		}
		{ print }
		' "$leases"
	fi
} > "$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$leases"
trap - EXIT
