#!/usr/bin/env bash
# The whole lifecycle of one machine through the real docker-machine CLI,
# printing each command, its output and how long it took. `make demo` runs it
# inside the sandbox (test/sandbox/sandbox.sh).
set -euo pipefail
: "${MACHINE_STORAGE_PATH:?run me through make demo (the sandbox sets it)}"
name=${1:-dev}
guest=${XHYVE_E2E_GUEST:?}
total=$(date +%s%3N)

# secs START_MS: seconds since START_MS, with one decimal.
secs() { local ms=$(( $(date +%s%3N) - $1 )); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }

step() {
	printf '\n\033[1m$ %s\033[0m\n' "$*"
	local t0
	t0=$(date +%s%3N)
	"$@"
	printf '\033[2m(%ss)\033[0m\n' "$(secs "$t0")"
}

# docker talks to the machine the way a user's shell would after
# `eval $(docker-machine env NAME)`.
with_env() {
	eval "$(docker-machine env --shell bash "$name")"
	"$@"
}

cleanup() { docker-machine rm -y "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT

step docker-machine create -d xhyve "$name"
step docker-machine ls
step docker-machine env "$name"
step with_env docker version
step with_env docker import "$guest/image.tar" demo/busybox
step with_env docker run --rm demo/busybox sh -c 'echo "hello from a container on $(uname -r)"'
step docker-machine ssh "$name" 'uname -a; df -h /var/lib/docker | tail -1'
step docker-machine stop "$name"
step docker-machine status "$name"
step docker-machine start "$name"
step docker-machine ip "$name"
step docker-machine rm -y "$name"
trap - EXIT
printf '\n\033[1mdemo finished in %ss\033[0m\n' "$(secs "$total")"
