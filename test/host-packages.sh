#!/bin/sh
# host-packages.sh LIST...: makes sure the Debian packages named in the LIST
# files are installed on this host, so that a newcomer's first `make demo` or
# `make test` works on a fresh Debian/Ubuntu machine.
#
# A LIST has one package per line; '#' starts a comment. The lists:
#   test/unit-packages.txt          make test (cgo for go test -race)
#   test/tools/host-packages.txt    make tools (HTTPS to the Go module proxy)
#   test/guest/host-packages.txt    test/guest/build.sh (make guest)
#   test/sandbox/host-packages.txt  test/sandbox/sandbox.sh and what runs in it
#   test/bench-packages.txt         make bench
# The Makefile, build.sh, sandbox.sh and .ci/run all go through this
# script: one way of checking and installing.
#
# Installed state comes from dpkg-query (trying commands would miss packages
# whose files are not commands, e.g. nfs-ganesha-vfs or libc6-dev). Nothing
# missing: silent, exit 0. Missing, and root with apt-get: prints what it
# installs, then `apt-get update` + `apt-get install --no-install-recommends`
# (waiting up to 5 minutes for another apt to release the dpkg lock).
# Missing otherwise (not root, no apt-get, or HOST_PACKAGES=check): ONE line
# on stderr with the exact command to run, exit 1. Not a Debian system (no
# dpkg-query): one line naming the packages, exit 1.
set -eu

me=host-packages
[ $# -gt 0 ] || { echo "usage: $0 LIST..." >&2; exit 2; }

# The wanted packages, deduplicated, in list order. Each name is checked
# against Debian's package name syntax, so splitting $wanted into words is
# safe (no spaces, no glob characters) and no command is built from it.
for list in "$@"; do
	[ -r "$list" ] || { echo "$me: cannot read the package list $list" >&2; exit 2; }
done
wanted=$(sed -e 's/#.*//' "$@" | tr -s ' \t' '\n\n' | awk 'NF && !seen[$0]++')
for p in $wanted; do
	# Debian policy: lower case letters, digits, + - . (at least two characters)
	case $p in
	[a-z0-9]*[a-z0-9+.-]) ;;
	*) echo "$me: bad package name '$p' in $*" >&2; exit 2 ;;
	esac
	case $p in *[!a-z0-9+.-]*) echo "$me: bad package name '$p' in $*" >&2; exit 2 ;; esac
done
[ -n "$wanted" ] || exit 0

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "$me: not a Debian/Ubuntu system (no dpkg-query): install the equivalents of:" $wanted >&2
	exit 1
fi

# missing: the wanted packages dpkg does not list as installed
missing() {
	# shellcheck disable=SC2086 # one argument per package name
	installed=$(dpkg-query -W -f='${db:Status-Status} ${Package}\n' $wanted 2>/dev/null |
		awk '$1 == "installed" { print $2 }' || true)
	for p in $wanted; do
		printf '%s\n' "$installed" | grep -qxF "$p" || printf '%s ' "$p"
	done
}

need=$(missing)
[ -n "$need" ] || exit 0
need=${need% }

if [ "${HOST_PACKAGES:-}" = check ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	why="missing"
	command -v apt-get >/dev/null 2>&1 || why="missing (and no apt-get here)"
	echo "$me: $why: $need; run: sudo apt-get update && sudo apt-get install -y --no-install-recommends $need" >&2
	exit 1
fi

echo "$me: installing $need (for $*)" >&2
export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes
# A fresh machine has no package lists yet; an old one may have stale ones.
apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
# shellcheck disable=SC2086 # one argument per package name
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $need >/dev/null
left=$(missing)
if [ -n "$left" ]; then
	echo "$me: still missing after apt-get install: $left" >&2
	exit 1
fi
echo "$me: installed $need" >&2
