//go:build e2e && bench

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

func allocated(info os.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return st.Blocks * 512
	}
	return info.Size()
}

// lsSamples is how many `docker-machine ls` each store gets: a single ls
// takes 0.2 s here and varies by +-50 ms, so a few runs cannot order two
// stores.
const lsSamples = 15

// lsTimes is the median wall time of `docker-machine ls` in each of two
// stores, the runs taken in turns so that drift in the machine's load
// falls on both alike.
func lsTimes(t *testing.T, a, b string) (time.Duration, time.Duration) {
	t.Helper()
	var ta, tb []time.Duration
	once := func(store string) time.Duration {
		s := time.Now()
		if out, err := harness.Run(t, time.Minute, []string{"MACHINE_STORAGE_PATH=" + store}, "docker-machine", "ls"); err != nil {
			t.Fatalf("ls: %v\n%s", err, out)
		}
		return time.Since(s)
	}
	for i := 0; i < lsSamples; i++ {
		ta = append(ta, once(a))
		tb = append(tb, once(b))
	}
	ma, _ := stats(ta)
	mb, _ := stats(tb)
	return ma, mb
}

// benchLs: `docker-machine ls` with 1 and 11 machines, beside the built-in
// none driver in a store of its own: one machine up (the xhyve VM; a none
// machine at its address) and ten down (stopped xhyve machines; none
// machines at an address that refuses).
func benchLs(t *testing.T, f *figures, name string) {
	store := os.Getenv("MACHINE_STORAGE_PATH")
	ip := machineIP(t, name)
	noneStore := harness.UserTempDir(t)
	if out, err := exec.Command("cp", "-a", filepath.Join(store, "certs"), noneStore).CombinedOutput(); err != nil {
		t.Fatalf("copy certs: %v %s", err, out)
	}
	harness.WriteFile(t, filepath.Join(noneStore, "no-error-report"), "")
	harness.GiveToUser(t, noneStore)
	noneCreate := func(n, url string) {
		if out, err := harness.Run(t, time.Minute, []string{"MACHINE_STORAGE_PATH=" + noneStore}, "docker-machine", "create", "-d", "none", "--url", url, n); err != nil {
			t.Fatalf("create -d none: %v\n%s", err, out)
		}
	}
	noneCreate("none0", "tcp://"+ip+":2376")
	x1, n1 := lsTimes(t, store, noneStore)

	// Ten stopped copies of the machine: ls asks each plugin for its URL.
	dm(t, "stop", name)
	cfg := harness.ReadFile(t, machineFile(name, "config.json"))
	for i := 1; i <= 10; i++ {
		clone := fmt.Sprintf("%s%d", name, i)
		if out, err := exec.Command("cp", "-a", machineDir(name), machineDir(clone)).CombinedOutput(); err != nil {
			t.Fatalf("copy machine: %v %s", err, out)
		}
		c := strings.ReplaceAll(cfg, "/machines/"+name+"/", "/machines/"+clone+"/")
		c = strings.ReplaceAll(c, `"`+name+`"`, `"`+clone+`"`)
		harness.WriteFile(t, machineFile(clone, "config.json"), c)
		noneCreate(fmt.Sprintf("none%d", i), "tcp://127.0.0.1:1")
	}
	dm(t, "start", name)
	x11, n11 := lsTimes(t, store, noneStore)
	for i := 1; i <= 10; i++ {
		os.RemoveAll(machineDir(fmt.Sprintf("%s%d", name, i))) // copies: no VM, lease or export of their own
	}
	f.add("docker-machine ls", fmt.Sprintf("1 machine: xhyve %.2f s, none %.2f s; 11 machines (1 up): xhyve %.2f s, none %.2f s (medians of %d, taken in turns)", x1.Seconds(), n1.Seconds(), x11.Seconds(), n11.Seconds(), lsSamples),
		map[string]float64{"xhyve_1_s": x1.Seconds(), "none_1_s": n1.Seconds(), "xhyve_11_s": x11.Seconds(), "none_11_s": n11.Seconds()})
	if x11 > n11+n11/5 {
		t.Errorf("ls of 11 xhyve machines takes %s, the none driver %s", x11, n11)
	}
}

// benchFootprint: what one more machine costs on disk before its guest
// writes anything but its disk, on a file system that clones (XFS with
// reflink) and one that does not (ext4). Shared extents and hard links
// count in every file's st_blocks, so the cost is read from the file
// system itself: its used bytes before and after the create of a second
// machine (the first fills the store's boot-file cache), less what the
// guest's first boot allocated in disk.img.
func benchFootprint(t *testing.T, f *figures) {
	values := map[string]float64{}
	var text []string
	for _, fs := range []struct{ name, mkfs string }{{"XFS (reflink)", "mkfs.xfs -q -m reflink=1"}, {"ext4", "mkfs.ext4 -q"}} {
		img := filepath.Join(t.TempDir(), "fs.img")
		mnt := harness.UserTempDir(t)
		script := fmt.Sprintf("truncate -s 3G %s && %s %s && mount -o loop %s %s", img, fs.mkfs, img, img, mnt)
		if out, err := exec.Command("sh", "-c", script).CombinedOutput(); err != nil {
			t.Fatalf("make %s: %v\n%s", fs.name, err, out)
		}
		store := filepath.Join(mnt, "store")
		if err := os.MkdirAll(filepath.Join(store, "cache"), 0o755); err != nil {
			t.Fatal(err)
		}
		placeReleaseISO(t, store)
		harness.WriteFile(t, filepath.Join(store, "no-error-report"), "")
		harness.GiveToUser(t, store)
		env := []string{"MACHINE_STORAGE_PATH=" + store}
		create := func(name string) {
			if out, err := harness.Run(t, 10*time.Minute, env, "docker-machine", "create", "-d", "xhyve", name); err != nil {
				t.Fatalf("create on %s: %v\n%s", fs.name, err, out)
			}
		}
		create("foot1")
		syncFS(t)
		before := usedBytes(t, mnt)
		create("foot2")
		syncFS(t)
		after := usedBytes(t, mnt)
		info, err := os.Stat(filepath.Join(store, "machines", "foot2", "disk.img"))
		if err != nil {
			t.Fatal(err)
		}
		disk := allocated(info)
		beyond := after - before - disk
		for _, name := range []string{"foot1", "foot2"} {
			if out, err := harness.Run(t, 5*time.Minute, env, "docker-machine", "rm", "-y", name); err != nil {
				t.Errorf("rm %s: %v\n%s", name, err, out)
			}
		}
		if out, err := exec.Command("umount", "-l", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", mnt, err, out)
		}
		key := strings.Fields(strings.ToLower(fs.name))[0]
		values[key+"_beyond_disk_kb"] = float64(beyond) / 1024
		values[key+"_disk_mb"] = float64(disk) / (1 << 20)
		text = append(text, fmt.Sprintf("%s: a second machine takes %.0f KB beyond disk.img (disk.img %.1f MB, written by the guest's first boot)", fs.name, float64(beyond)/1024, float64(disk)/(1<<20)))
		if key == "xfs" && beyond > 1<<20 {
			t.Errorf("on %s a machine takes %d bytes beyond its disk, over the 1 MB goal", fs.name, beyond)
		}
	}
	f.add("disk footprint", strings.Join(text, "; "), values)
}

// usedBytes is what the file system holding dir has allocated.
func usedBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Blocks-st.Bfree) * st.Bsize
}

// syncFS flushes delayed allocations, so that used bytes are final.
func syncFS(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("sync").CombinedOutput(); err != nil {
		t.Fatalf("sync: %v\n%s", err, out)
	}
}
