//go:build selftest

package selftest

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// The /var/lib/boot2docker/profile docker-machine v0.16.2 writes.
const smokeProfile = `
EXTRA_ARGS='
--label provider=xhyve

'
CACERT=/var/lib/boot2docker/ca.pem
DOCKER_HOST='-H tcp://0.0.0.0:2376'
DOCKER_STORAGE=overlay2
DOCKER_TLS=auto
SERVERKEY=/var/lib/boot2docker/server-key.pem
SERVERCERT=/var/lib/boot2docker/server.pem

`

const smokeBody = "hello from the boot2docker test image"

// TestGuestSmoke boots the guest four times: a fresh disk (provisioned
// command by command as docker-machine does, then rebooted), the same disk
// again (then the power button), the legacy ISO on it (through hyperkit's
// command line, then `sudo poweroff`), and a fresh disk that the real
// docker-machine CLI provisions with its generic driver. A boot that
// cannot reach SSH ends the test: the later ones build on it.
func TestGuestSmoke(t *testing.T) {
	versions := guestVersions(t)
	mainISO, legacyISO := harness.GuestFile("boot2docker.iso"), harness.GuestFile("boot2docker-legacy.iso")
	for _, iso := range []string{mainISO, legacyISO} {
		if got, want := harness.VolumeID(t, iso), versions[filepath.Base(iso)]; got != want || !strings.HasPrefix(got, "b2d-v") {
			t.Errorf("volume id of %s is %q, versions.txt says %q", filepath.Base(iso), got, want)
		}
	}
	mainVersion := strings.TrimPrefix(versions["boot2docker.iso"], "b2d-v")
	legacyVersion := strings.TrimPrefix(versions["boot2docker-legacy.iso"], "b2d-v")
	g := newGuestSmoke(t)
	defer func() { t.Logf("timings (TCG, 2 vCPU, 1024 MB):\n%s", harness.Indent(strings.Join(g.timings, "\n"))) }()

	for _, b := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"boot 1, fresh disk", func(t *testing.T) { smokeFirstBoot(t, g, mainISO, mainVersion) }},
		{"boot 2, same disk", func(t *testing.T) { smokeSecondBoot(t, g, mainISO) }},
		{"boot 3, legacy ISO", func(t *testing.T) { smokeLegacyBoot(t, g, legacyISO, legacyVersion) }},
		{"boot 4, docker-machine create -d generic", func(t *testing.T) { smokeDockerMachine(t, g, mainISO) }},
	} {
		finished := false
		t.Run(b.name, func(t *testing.T) { b.run(t); finished = true })
		if !finished {
			return
		}
	}
}

func smokeFirstBoot(t *testing.T, g *guestSmoke, iso, version string) {
	g.boot(t, "boot 1 (formats the disk)", iso, "xhyve")
	console := g.vm.console.String()
	if !strings.Contains(console, "boot2docker: network up") {
		t.Error("no network up line on the console")
	}
	if !strings.Contains(console, "boot2docker: formatting /dev/vda") {
		t.Error("the first boot did not format /dev/vda")
	}
	g.sshOK(t, "ssh exit 0", "exit 0")
	if out, err := g.ssh(t, "true", "-o", "PubkeyAcceptedAlgorithms=ssh-rsa"); err != nil {
		t.Errorf("ssh-rsa (SHA-1) client signatures refused (old Go x/crypto clients sign so): %v %s", err, out)
	}
	start := time.Now()
	if !waitFor(90*time.Second, func() bool {
		_, err := g.sshQuiet("test -s /var/lib/boot2docker/ssh/ssh_host_rsa_key")
		return err == nil
	}) {
		t.Error("no RSA host key made in the background within 90 s")
	}
	g.timing(t, "RSA host key made", time.Since(start))
	// the host's OpenSSH 9 scp speaks SFTP: the guest's sshd needs sftp-server
	pub := harness.ReadFile(t, g.key+".pub")
	if out, err := harness.Run(t, time.Minute, nil, "scp", append(g.sshArgs()[:len(g.sshArgs())-1], g.key+".pub", "docker@"+g.ip+":/home/docker/scp-test")...); err != nil {
		t.Errorf("scp (SFTP) to the guest: %v %s", err, out)
	} else if got := g.sshOK(t, "read the copy", "cat /home/docker/scp-test"); got != strings.TrimSpace(pub) {
		t.Errorf("scp copied %q", got)
	}
	g.sshOK(t, "procps: pgrep finds sshd", "pgrep -x sshd >/dev/null")
	osr := harness.OutLines(g.sshOK(t, "os-release", "cat /etc/os-release"))
	for _, want := range []string{"ID=boot2docker", "NAME=Boot2Docker", "VERSION=" + version} {
		if !slices.Contains(osr, want) {
			t.Errorf("/etc/os-release lacks %s: %q", want, osr)
		}
	}
	// sshd's StrictModes: the key must be docker's and not writable by others
	if got := g.sshOK(t, "userdata", "stat -c %U:%a ~/.ssh/authorized_keys && test -f /var/lib/boot2docker/userdata.tar"); !strings.HasPrefix(got, "docker:") ||
		strings.ContainsAny(got[len(got)-2:], "2367") {
		t.Errorf("authorized_keys from the userdata tar is %q, want docker's, writable by docker only", got)
	}
	if out, _ := harness.Run(t, time.Minute, nil, "ssh", append(g.sshArgs("-tt"), "tty")...); !strings.Contains(out, "/dev/pts/") {
		t.Errorf("no tty allocated (interactive docker-machine ssh): %q", out)
	}

	// docker-machine's provisioning, command by command (libmachine v0.16.2)
	g.sshOK(t, "sethostname + hostname file", `sudo /usr/bin/sethostname smoke-vm && echo "smoke-vm" | sudo tee /var/lib/boot2docker/etc/hostname`)
	g.sshOK(t, "hostname, /etc/hostname, /etc/hosts", `test "$(hostname)" = smoke-vm && grep -qx smoke-vm /etc/hostname && grep -q "127.0.1.1 smoke-vm" /etc/hosts`)
	if out, err := g.ssh(t, "sudo true"); err != nil || out != "" {
		t.Errorf("sudo says %q (%v), want nothing", out, err)
	}
	// like docker-machine, provisioning goes on as soon as netstat lists
	// :2376: the daemon started at boot may still be initialising
	if waitFor(90*time.Second, g.netstat2376) {
		g.timing(t, "boot 1: start to :2376 in netstat (auto TLS)", time.Since(g.vm.started))
	} else {
		t.Error("netstat -tln never shows :2376 (first boot, auto TLS)")
	}
	g.sshOK(t, "mkdir", "sudo mkdir -p /var/lib/boot2docker")
	start = time.Now()
	g.sshOK(t, "docker stop", "sudo /etc/init.d/docker stop")
	g.timing(t, "docker stop", time.Since(start))
	if _, err := g.ssh(t, "sudo /etc/init.d/docker status"); err == nil || g.netstat2376() {
		t.Error("docker still running after stop (status 0 or :2376 listed)")
	}
	g.sshOK(t, "ip link delete docker0", `if [ ! -z "$(ip link show docker0)" ]; then sudo ip link delete docker0; fi`)
	g.makeCerts(t)
	for _, f := range []string{"ca.pem", "server.pem", "server-key.pem"} {
		g.sshOK(t, "tee "+f, "printf '%s' '"+harness.ReadFile(t, filepath.Join(g.certs, f))+"' | sudo tee /var/lib/boot2docker/"+f)
	}
	g.sshOK(t, "tee profile", `sudo mkdir -p /var/lib/boot2docker && printf %s "`+smokeProfile+`" | sudo tee /var/lib/boot2docker/profile`)
	start = time.Now()
	g.sshOK(t, "docker start (returns when the API answers)", "sudo /etc/init.d/docker start")
	g.timing(t, "docker start (TLS, provisioned)", time.Since(start))
	if !g.netstat2376() {
		t.Error("no :2376 in netstat after docker start")
	}
	g.dockerOK(t, "TLS docker API from the host", "version")
	if info := g.dockerOK(t, "info", "info", "--format", "{{.Driver}} {{.Labels}}"); !strings.Contains(info, "overlay2 [provider=xhyve]") {
		t.Errorf("docker info: %q, want overlay2 and the provider=xhyve label", info)
	}
	g.dockerOK(t, "docker import", "import", harness.GuestFile("image.tar"), "smoke:img")
	start = time.Now()
	g.dockerOK(t, "docker run -d -p", "run", "-d", "--name", "web", "-p", "8080:80", "smoke:img", "httpd", "-f", "-p", "80", "-h", "/www")
	g.timing(t, "docker run -d -p", time.Since(start))
	if got := g.httpGet("8080"); got != smokeBody {
		t.Errorf("the published port answers %q from the host (iptables DNAT)", got)
	}
	if out := g.dockerOK(t, "docker run --rm", "run", "--rm", "smoke:img", "sh", "-c", "echo ok"); strings.TrimSpace(out) != "ok" {
		t.Errorf("docker run --rm printed %q", out)
	}
	g.sshOK(t, "docker for the docker user (unix socket)", "docker ps -q | grep -q .")
	smokeNFS(t, g)
	g.sshOK(t, "modules loaded", `for m in overlay br_netfilter xt_tcpudp nfsv3 9pnet_virtio; do grep -q "^$m " /proc/modules || exit 1; done`)
	g.sshOK(t, "acpid running", "pidof acpid")
	mem := strings.Fields(g.sshOK(t, "free", `free -m | awk '/^Mem:/ {print $2, $7}'`))
	if len(mem) != 2 {
		t.Errorf("free -m: %q", mem)
	} else if total, _ := strconv.Atoi(mem[0]); total == 0 || atoiOr0(mem[1])*4 < total {
		t.Errorf("memory (MB total, available) with docker and a container: %v: under a quarter left", mem)
	} else {
		t.Logf("memory (MB total, available) with docker and a container: %v", mem)
	}
	g.sshOK(t, "persistent data, bootsync.sh, bootlocal.sh", `
		echo persisted | sudo tee /var/lib/boot2docker/marker >/dev/null &&
		printf "%s\n" "pidof dockerd >/dev/null && echo docker-was-running > /run/bootsync.ran || echo before-docker > /run/bootsync.ran" | sudo tee /var/lib/boot2docker/bootsync.sh >/dev/null &&
		printf "%s\n" "echo ran > /run/bootlocal.ran" | sudo tee /var/lib/boot2docker/bootlocal.sh >/dev/null`)
	g.stop(t, "sudo reboot", dialect("xhyve").reset, func() { g.ssh(t, "sudo reboot") })
}

// smokeNFS mounts a share of the sandbox's NFS server (the nfsd stand-in
// behind /etc/exports, as on a Mac) with docker-machine's options, v3 and v4.
func smokeNFS(t *testing.T, g *guestSmoke) {
	share := filepath.Join(g.work, "nfs")
	harness.WriteTree(t, share, map[string]string{"from-host": "hello over nfs\n"})
	os.Chmod(share, 0o777)
	harness.WriteFile(t, harness.ExportsFile, share+" -mapall=0:0 "+g.ip+"\n")
	t.Cleanup(func() { os.Remove(harness.ExportsFile); harness.Run(t, time.Minute, nil, "/sbin/nfsd", "restart") })
	if out, err := harness.Run(t, time.Minute, nil, "/sbin/nfsd", "restart"); err != nil {
		t.Fatalf("nfsd restart: %v\n%s", err, out)
	}
	g.sshOK(t, "mount.nfs is util-linux's, not busybox", `test -x /sbin/mount.nfs && ! mount -V 2>&1 | grep -qi busybox`)
	g.sshOK(t, "NFSv3 mount with docker-machine's options (rpc.statd on demand)",
		"sudo mkdir -p /mnt/nfs3 && sudo mount -t nfs -o noacl,async,nfsvers=3 192.168.64.1:"+share+" /mnt/nfs3 && pidof rpc.statd")
	g.sshOK(t, "NFSv3: read a host file, write one", `grep -qx "hello over nfs" /mnt/nfs3/from-host && echo from-guest > /mnt/nfs3/from-guest`)
	if got, _ := os.ReadFile(filepath.Join(share, "from-guest")); string(got) != "from-guest\n" {
		t.Errorf("the host reads %q from the guest's file", got)
	}
	g.sshOK(t, "NFSv4 mount", "sudo mkdir -p /mnt/nfs4 && sudo mount -t nfs -o nfsvers=4 192.168.64.1:"+share+" /mnt/nfs4 && grep -qx 'hello over nfs' /mnt/nfs4/from-host")
	g.sshOK(t, "NFS umount", "sudo umount /mnt/nfs3 && sudo umount /mnt/nfs4")
	g.sshOK(t, "nfs-client start|status: rpcbind and rpc.statd registered",
		"sudo /usr/local/etc/init.d/nfs-client start && /usr/local/etc/init.d/nfs-client status && rpcinfo -p 127.0.0.1 | grep -q status")
}

func smokeSecondBoot(t *testing.T, g *guestSmoke, iso string) {
	g.boot(t, "boot 2 (same disk)", iso, "xhyve")
	if strings.Contains(g.vm.console.String(), "formatting") {
		t.Error("the disk was formatted again")
	}
	g.sshOK(t, "data from boot 1", "grep -qx persisted /var/lib/boot2docker/marker")
	g.sshOK(t, "hostname from /var/lib/boot2docker/etc/hostname", `test "$(hostname)" = smoke-vm`)
	if out, err := g.ssh(t, "true", "-o", "HostKeyAlgorithms=rsa-sha2-256"); err != nil {
		t.Errorf("the RSA host key of boot 1 is not offered: %v %s", err, out)
	}
	if g.vm.waitConsole("boot2docker: docker started", 120*time.Second) {
		t.Logf("boot 2: guest uptime when the docker API answered: %s", consoleStamp(g.vm.console.String(), "boot2docker: docker started"))
		waitFor(60*time.Second, func() bool { _, err := g.docker(t, "version"); return err == nil })
		g.timing(t, "boot 2: start to TLS docker API from the host", time.Since(g.vm.started))
	} else {
		t.Error("docker did not start at boot 2")
	}
	g.dockerOK(t, "TLS docker with the provisioned certificates", "version")
	g.dockerOK(t, "the image of boot 1", "image", "inspect", "smoke:img")
	g.sshOK(t, "bootsync.sh ran before docker", "grep -qx before-docker /run/bootsync.ran")
	if !waitFor(10*time.Second, func() bool { _, err := g.sshQuiet("test -f /run/bootlocal.ran"); return err == nil }) {
		t.Error("bootlocal.sh did not run")
	}
	g.dockerOK(t, "docker start web", "start", "web")
	if got := g.httpGet("8080"); got != smokeBody {
		t.Errorf("the published port answers %q after the reboot", got)
	}
	g.sshOK(t, "no ext4 journal recovery after the reboot", `sudo dmesg | grep -q "EXT4-fs (vda1): mounted" && ! sudo dmesg | grep -qi "recovery complete"`)
	g.stop(t, "ACPI power button (container running)", dialect("xhyve").poweroff, g.powerButton)
}

func smokeLegacyBoot(t *testing.T, g *guestSmoke, iso, version string) {
	g.boot(t, "boot 3 (legacy ISO, hyperkit)", iso, "hyperkit")
	g.sshOK(t, "legacy os-release", "grep -qx 'VERSION="+version+"' /etc/os-release")
	if strings.Contains(g.vm.console.String(), "formatting") {
		t.Error("the legacy ISO formatted the disk again")
	}
	g.sshOK(t, "no ext4 journal recovery after the power button", `sudo dmesg | grep -q "EXT4-fs (vda1): mounted" && ! sudo dmesg | grep -qi "recovery complete"`)
	g.sshOK(t, "data still there", "grep -qx persisted /var/lib/boot2docker/marker")
	if !g.vm.waitConsole("boot2docker: docker started", 120*time.Second) {
		t.Error("docker did not start on the legacy ISO")
	}
	g.dockerOK(t, "legacy: TLS docker API", "version")
	g.stop(t, "sudo poweroff (idle docker)", dialect("hyperkit").poweroff, func() { g.ssh(t, "sudo poweroff") })
	if st, err := os.Stat(g.disk); err == nil {
		t.Logf("the disk image uses %d MB of 20 GB", st.Sys().(*syscall.Stat_t).Blocks*512>>20)
	}
}

func smokeDockerMachine(t *testing.T, g *guestSmoke, iso string) {
	g.newDisk(t)
	store := filepath.Join(g.work, "machine")
	harness.WriteTree(t, store, map[string]string{"no-error-report": ""})
	harness.GiveToUser(t, store)
	env := append([]string{"MACHINE_STORAGE_PATH=" + store}, harness.NoProxyEnv()...)
	g.boot(t, "boot 4 (docker-machine)", iso, "xhyve")
	start := time.Now()
	harness.DMWithEnv(t, env, "create", "-d", "generic", "--generic-ip-address", g.ip, "--generic-ssh-port", "22",
		"--generic-ssh-key", g.key, "--generic-ssh-user", "docker", "smoke-dm")
	g.timing(t, "docker-machine create -d generic (ssh up to docker up)", time.Since(start))
	if ls := harness.DMWithEnv(t, env, "ls"); !strings.Contains(ls, "smoke-dm") || !strings.Contains(ls, "Running") || !strings.Contains(ls, "v20.10") {
		t.Errorf("docker-machine ls:\n%s", ls)
	}
	harness.DMWithEnv(t, env, "ssh", "smoke-dm", `test "$(hostname)" = smoke-dm && docker ps`)
	harness.DMWithEnv(t, env, "--native-ssh", "ssh", "smoke-dm", "sudo /etc/init.d/docker status")
	dockerViaEnv := func(what string) {
		var denv []string
		for _, l := range harness.OutLines(harness.DMWithEnv(t, env, "env", "--shell", "bash", "smoke-dm")) {
			if kv, ok := strings.CutPrefix(l, "export "); ok {
				k, v, _ := strings.Cut(kv, "=")
				denv = append(denv, k+"="+strings.Trim(v, `"`))
			}
		}
		if out, err := harness.Run(t, 2*time.Minute, denv, harness.GuestFile("docker"), "version"); err != nil {
			t.Errorf("%s: docker with docker-machine env: %v\n%s", what, err, out)
		}
	}
	dockerViaEnv("after create")
	start = time.Now()
	harness.DMWithEnv(t, env, "regenerate-certs", "-f", "smoke-dm")
	g.timing(t, "docker-machine regenerate-certs", time.Since(start))
	dockerViaEnv("after regenerate-certs")
	g.stop(t, "boot 4: ACPI power button (idle)", dialect("xhyve").poweroff, g.powerButton)
}

func atoiOr0(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
