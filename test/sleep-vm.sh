#!/bin/sh
# sleep-vm.sh MACHINE SECONDS
#
# Freezes MACHINE's VM for SECONDS the way a Mac's sleep freezes xhyve's
# guests, then lets it go on: the stand-in stops the VM (QMP stop, on
# SIGUSR1) and resumes it (QMP cont, on SIGUSR2). QEMU's virtual clock
# stands still meanwhile, so the guest wakes up behind by SECONDS. Run it in
# the sandbox (make sandbox CMD='test/sleep-vm.sh dev 30'); the driver's
# time sync then puts the guest's clock right (see README, --xhyve-time-sync).
set -eu
[ $# -eq 2 ] || { echo "usage: sleep-vm.sh MACHINE SECONDS" >&2; exit 2; }
pidfile="${MACHINE_STORAGE_PATH:?not set: run this in the sandbox}/machines/$1/hypervisor.pid"
[ -r "$pidfile" ] || { echo "sleep-vm.sh: $1 is not running (no $pidfile)" >&2; exit 1; }
pid=$(cat "$pidfile")
kill -USR1 "$pid"
trap 'kill -USR2 "$pid"' EXIT INT TERM
sleep "$2"
