# Sourced by smoke.sh (bash): nfs_server_start, the NFS server for its mount
# checks. Uses smoke.sh's WORK, NFS_PKGS, NFS_DEBS and SMOKE_NFS.

# --- NFS server for the mount checks: nfs-ganesha (VFS) + rpcbind, unpacked from
# Debian packages, in a private mount namespace (rpcbind needs an _rpc user) -------
nfs_server_start() {
	local n="$WORK/nfs" file
	[ "${SMOKE_NFS:-1}" = 1 ] || return 1
	mkdir -p "$n/root" "$n/export" "$n/state/recovery"
	for file in $(cd /tmp && apt-get download --print-uris "${NFS_PKGS[@]}" 2>/dev/null | awk "/^'/ {print \$2}"); do
		[ -f "$NFS_DEBS/$file" ] || { echo "smoke: missing $NFS_DEBS/$file"; return 1; }
		dpkg-deb -x "$NFS_DEBS/$file" "$n/root"
	done
	echo "hello over nfs" > "$n/export/from-host"
	chmod 0777 "$n/export"
	cat > "$n/ganesha.conf" <<-EOF
		NFS_CORE_PARAM {
			Protocols = 3, 4;
			MNT_Port = 20048;
			NLM_Port = 32803;
			Rquota_Port = 875;
			Plugins_Dir = $n/root/usr/lib/x86_64-linux-gnu/ganesha;
		}
		NFSV4 {
			RecoveryRoot = $n/state/recovery;
			Grace_Period = 5;
			Lease_Lifetime = 5;
			Graceless = true;
			UseGetpwnam = true;
			Only_Numeric_Owners = true;
		}
		EXPORT {
			Export_Id = 1;
			Path = $n/export;
			Pseudo = $n/export;
			Access_Type = RW;
			Squash = No_Root_Squash;
			Protocols = 3, 4;
			Transports = TCP, UDP;
			SecType = sys;
			FSAL { Name = VFS; }
			CLIENT { Clients = *; Access_Type = RW; }
		}
		LOG { Default_Log_Level = WARN; }
	EOF
	cat > "$n/server.sh" <<-EOF
		set -e
		mount --make-rprivate /
		cp /etc/passwd $n/passwd
		grep -q '^_rpc:' $n/passwd || echo '_rpc:x:999:65534::/run/rpcbind:/usr/sbin/nologin' >> $n/passwd
		mount --bind $n/passwd /etc/passwd
		mount -t tmpfs tmpfs /run
		mkdir -p /run/rpcbind /run/ganesha
		$n/root/sbin/rpcbind -f -w &
		echo \$! > $n/rpcbind.pid
		sleep 0.5
		echo \$\$ > $n/ganesha.pid
		export LD_LIBRARY_PATH=$n/root/usr/lib/ganesha:$n/root/usr/lib/x86_64-linux-gnu:$n/root/lib/x86_64-linux-gnu
		exec $n/root/usr/bin/ganesha.nfsd -F -L $n/ganesha.log -f $n/ganesha.conf -p /run/ganesha/pid
	EOF
	unshare --mount bash "$n/server.sh" >"$n/server.out" 2>&1 &
	local i
	for i in $(seq 50); do
		ss -tln 2>/dev/null | grep -q ':2049 ' && ss -tln | grep -q ':20048 ' && return 0
		sleep 0.2
	done
	echo "smoke: NFS server did not start:"; tail -5 "$n/server.out" "$n/ganesha.log" 2>/dev/null
	return 1
}
