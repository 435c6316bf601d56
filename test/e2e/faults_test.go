//go:build e2e && faults

package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// TestFaults injects the faults users and machines inflict (a plugin killed
// mid-create, a crashed supervisor or host, concurrent commands, a full
// disk, a damaged ISO, a caller holding a pipe) through the real CLI and
// checks that no machine is lost or corrupted. Run it with `make faults`.
func TestFaults(t *testing.T) {
	var l ledger
	defer func() {
		fmt.Println("faults summary: " + l.summary())
	}()
	t.Run("plugin killed at each phase of create", func(t *testing.T) { faultKilledCreate(t, &l) })
	t.Run("supervisor killed, then a host crash", func(t *testing.T) { faultCrashes(t, &l) })
	t.Run("five concurrent creates from a fresh ISO and removes with macOS nfsd shares as root", func(t *testing.T) { faultConcurrentShares(t, &l) })
	t.Run("a minute of concurrent start stop status kill", func(t *testing.T) { faultLoops(t, &l) })
	t.Run("nearly full disk", func(t *testing.T) { faultFullDisk(t, &l) })
	t.Run("damaged ISOs", func(t *testing.T) { faultDamagedISOs(t, &l) })
	t.Run("a guest flooding the clock check and the NFS port", func(t *testing.T) { faultHostileGuest(t, &l) })
	if len(l.lost) != 0 {
		t.Errorf("%d machines lost or corrupted", len(l.lost))
	}
}

// vmnetMAC asks the stand-in, as the driver does, which MAC a UUID gets.
func vmnetMAC(t *testing.T, uuid string) string {
	t.Helper()
	out, err := exec.Command("xhyve", "-M", "-U", uuid, "-s", "2:0,virtio-net", "-f", "kexec,/dev/null,,").Output()
	mac, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "MAC: ")
	if err != nil || !ok {
		t.Fatalf("xhyve -M: %q, %v", out, err)
	}
	return mac
}

// assertNoExportsOf checks that /etc/exports holds no block of machine.
func assertNoExportsOf(t *testing.T, machine string) {
	t.Helper()
	data, err := os.ReadFile(harness.ExportsFile)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if strings.Contains(string(data), machineDir(machine)+" ") {
		t.Errorf("exports of %s left:\n%s", machine, data)
	}
}

func faultKilledCreate(t *testing.T, l *ledger) {
	const name = "crashy"
	share := harness.UserTempDir(t)
	iso, _ := releaseISO(t) // what a create without a URL copies
	uuid := "0b7fd2b4-2f56-4b4e-9d3e-4a8e8f0c1d21"
	mac := vmnetMAC(t, uuid)
	var leasedBefore time.Time
	phases := []struct {
		name  string
		ready func() bool
	}{
		{"after the ISO copy", func() bool {
			fi, err := os.Stat(machineFile(name, "boot2docker.iso"))
			return err == nil && fi.Size() == iso.Size
		}},
		{"after the disk", func() bool { return exists(machineFile(name, "disk.img")) }},
		{"right after the hypervisor launch", func() bool { return exists(machineFile(name, "supervisor.json")) }},
		// A fresh lease: the UUID, and so the MAC and its lease, may be left
		// from an earlier phase (the user's rm cannot remove the lease).
		{"during the SSH wait", func() bool { return exists(harness.LeasesFile) && leaseExpiry(t, mac).After(leasedBefore) }},
	}
	for _, ph := range phases {
		leasedBefore = leaseExpiry(t, mac)
		cmd, out := startDM(t, nil, "create", "-d", "xhyve", "--xhyve-uuid", uuid, "--xhyve-nfs-share", share, name)
		if !waitUntil(5*time.Minute, 2*time.Millisecond, ph.ready) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("%s: never reached:\n%s", ph.name, out)
		}
		killPID(pluginOf(cmd.Process.Pid))
		l.fault()
		if err := cmd.Wait(); err == nil {
			t.Fatalf("%s: create succeeded although its plugin was killed:\n%s", ph.name, out)
		}
		t.Logf("create with its plugin killed %s:\n%s", ph.name, harness.Indent(out.String()))
		dm(t, "rm", "-y", name)
		assertRemoved(t, name, mac)
		assertNoExportsOf(t, name)
		if t.Failed() {
			l.lose(t, name, "rm after a plugin killed "+ph.name+" left something behind")
			return
		}
	}
	dm(t, "create", "-d", "xhyve", "--xhyve-uuid", uuid, "--xhyve-nfs-share", share, name)
	if got := status(t, name); got != "Running" {
		l.lose(t, name, "a create after the killed ones is "+got)
	}
	dm(t, "rm", "-y", name)
	assertRemoved(t, name, mac)
}

func faultCrashes(t *testing.T, l *ledger) {
	const name = "crash"
	dm(t, "create", "-d", "xhyve", name)
	mac, _ := driverConfig(t, name)["MACAddress"].(string)
	ssh(t, name, "echo written-before-the-crash | sudo tee /var/lib/boot2docker/faults-marker && sync")
	checkData := func(when string) {
		if got := ssh(t, name, "cat /var/lib/boot2docker/faults-marker"); got != "written-before-the-crash" {
			l.lose(t, name, fmt.Sprintf("%s the marker reads %q", when, got))
		}
	}

	sup, hv := statusPIDsOf(t, name)
	killPID(sup)
	l.fault()
	if !waitUntil(10*time.Second, 100*time.Millisecond, func() bool { return syscall.Kill(sup, 0) != nil }) {
		t.Fatal("the supervisor survived SIGKILL")
	}
	if got := status(t, name); got != "Running" {
		l.lose(t, name, "with its hypervisor running and the supervisor gone, status says "+got)
	}
	ssh(t, name, "true")
	dm(t, "stop", name)
	if got := status(t, name); got != "Stopped" || len(hypervisorsOn(machineFile(name, "disk.img"))) != 0 {
		l.lose(t, name, "stop of an orphaned hypervisor left status "+got)
	}
	if syscall.Kill(hv, 0) == nil {
		t.Errorf("hypervisor %d still runs after stop", hv)
	}
	dm(t, "start", name)
	checkData("after the supervisor was killed")

	// A host crash: every process of the machine dies at once.
	for _, p := range processes() {
		if strings.Contains(strings.Join(p.argv, " "), machineDir(name)) {
			killPID(p.pid)
		}
	}
	l.fault()
	waitUntil(10*time.Second, 100*time.Millisecond, func() bool { return len(harness.ProcessesMentioning(machineDir(name))) == 0 })
	if got := status(t, name); got != "Stopped" {
		l.lose(t, name, "after a host crash status says "+got)
	}
	for _, cmd := range []string{"kill", "stop"} {
		if out, err := dmErr(t, cmd, name); err != nil && !strings.Contains(out, "already stopped") {
			l.lose(t, name, fmt.Sprintf("%s after a host crash: %v: %s", cmd, err, out))
		}
	}
	dm(t, "start", name)
	checkData("after a host crash")
	faultExtraPipe(t, l, name)
	dm(t, "rm", "-y", name)
	assertRemoved(t, name, mac)
}

// faultExtraPipe: a caller that gave docker-machine an extra pipe and waits
// for EOF on it (bats, CI log capture) gets it when the command ends.
func faultExtraPipe(t *testing.T, l *ledger, name string) {
	dm(t, "stop", name)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := harness.Command(t, nil, "docker-machine", "start", name)
	cmd.ExtraFiles = []*os.File{w}
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	l.fault()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("start with an extra pipe: %v\n%s", err, out)
	}
	r.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := r.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("the caller's extra pipe after docker-machine start ended: %d bytes, %v; want EOF (the VM holds it)", n, err)
	}
}

func faultFullDisk(t *testing.T, l *ledger) {
	const name = "full"
	iso, _ := releaseISO(t)
	store := harness.UserTempDir(t)
	// Room for the cached release ISO and docker-machine's certificates,
	// not for the machine's copy.
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dk", iso.Size/1024+4096), "faults-full", store).CombinedOutput(); err != nil {
		t.Fatalf("mount a small tmpfs: %v: %s", err, out)
	}
	defer exec.Command("umount", "-l", store).Run()
	if err := os.MkdirAll(filepath.Join(store, "cache"), 0o755); err != nil {
		t.Fatal(err)
	}
	placeReleaseISO(t, store)
	harness.WriteFile(t, filepath.Join(store, "no-error-report"), "")
	harness.GiveToUser(t, store)
	env := []string{"MACHINE_STORAGE_PATH=" + store}
	out, err := harness.Run(t, 10*time.Minute, env, "docker-machine", "create", "-d", "xhyve", name)
	l.badInput()
	if err == nil || !strings.Contains(out, "no space") {
		t.Errorf("create on a full disk: %v, want a \"no space\" error:\n%s", err, out)
	}
	// Refused before docker-machine saved the machine, there is nothing to
	// remove; otherwise rm must clean up what the create left.
	if exists(filepath.Join(store, "machines", name)) {
		if out, err := harness.Run(t, 5*time.Minute, env, "docker-machine", "rm", "-y", name); err != nil {
			l.lose(t, name, fmt.Sprintf("rm after a full disk: %v: %s", err, out))
		}
	}
	if exists(filepath.Join(store, "machines", name)) {
		l.lose(t, name, "rm after a full disk left the machine directory")
	}
	if p := harness.ProcessesMentioning(filepath.Join(store, "machines", name)); len(p) != 0 {
		t.Errorf("processes left: %q", p)
	}
}

func faultDamagedISOs(t *testing.T, l *ledger) {
	good, err := os.ReadFile(harness.GuestFile("boot2docker.iso"))
	if err != nil {
		t.Fatal(err)
	}
	// A System Use entry of length 0 (the damage that once looped without
	// end) is read through by the ISO reader, so such an image boots; its
	// bounds are checked in internal/b2diso's damage and fuzz tests. These
	// three cannot be read at all and must be refused.
	damaged := map[string][]byte{
		"root-past-the-end.iso": damageRoot(t, good),
		"truncated.iso":         good[:40<<10],
		"not-an-iso.iso":        []byte(strings.Repeat("this is not an ISO image\n", 40000)),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, ok := damaged[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	defer srv.Close()
	for file := range damaged {
		name := strings.TrimSuffix(file, ".iso")
		start := time.Now()
		out, err := dmErr(t, "create", "-d", "xhyve", "--xhyve-boot2docker-url", srv.URL+"/"+file, name)
		l.badInput()
		took := time.Since(start)
		if err == nil || !strings.Contains(out, "damaged") || strings.Contains(out, "Panic") {
			t.Errorf("create from %s: %v, want a clear \"damaged\" error:\n%s", file, err, out)
		}
		if took > time.Minute {
			t.Errorf("create from %s took %s to fail", file, took)
		}
		dm(t, "rm", "-y", name)
		assertRemoved(t, name, "")
	}
}
