# Shared helpers of the boot scripts (sourced).

# b2d_log MSG: progress line on the serial console (the driver captures it)
# and in /var/log/boot2docker.log, with the seconds since boot.
b2d_log() {
	local up
	up=$(cut -d' ' -f1 /proc/uptime 2>/dev/null)
	echo "boot2docker: $* [${up}s]" > /dev/ttyS0 2>/dev/null
	echo "boot2docker: $* [${up}s]" >> /var/log/boot2docker.log 2>/dev/null
	return 0
}

# b2d_disks: names of the candidate data disks (no partitions, no CD-ROMs)
b2d_disks() {
	local d
	for d in /sys/block/vd* /sys/block/sd* /sys/block/hd* /sys/block/xvd* /sys/block/nvme*n*; do
		[ -e "$d" ] || continue
		[ "$(cat "$d/removable" 2>/dev/null)" = 1 ] && continue
		echo "${d##*/}"
	done
}

# b2d_part DISK N: device name of partition N of DISK (vda 1 -> vda1, nvme0n1 1 -> nvme0n1p1)
b2d_part() {
	case $1 in
	*[0-9]) echo "${1}p$2" ;;
	*) echo "$1$2" ;;
	esac
}
