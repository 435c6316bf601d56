package dhcp

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/lockfile"
)

// entry is one lease in bootpd's layout.
func entry(mac net.HardwareAddr, ip string, lease int) string {
	return fmt.Sprintf("{\n\tname=boot2docker\n\tip_address=%s\n\thw_address=1,%s\n\tidentifier=1,%s\n\tlease=0x%x\n}\n",
		ip, FormatMAC(mac), FormatMAC(mac), lease)
}

func TestRemoveMACFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dhcpd_leases")
	if n, err := RemoveMACFromFile(path, mustMAC(t, "0a:3b:4c:5d:6e:7f")); err != nil || n != 0 {
		t.Fatalf("missing file: n=%d err=%v", n, err)
	}
	if n, err := RemoveMACFromFile(filepath.Join(path, "nodir", "leases"), mustMAC(t, "0a:3b:4c:5d:6e:7f")); err != nil || n != 0 {
		t.Fatalf("missing directory: n=%d err=%v", n, err)
	}
	if err := os.WriteFile(path, []byte(sample), 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := RemoveMACFromFile(path, mustMAC(t, "00:00:0c:01:02:03"))
	if err != nil || n != 1 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if got, _ := os.ReadFile(path); string(got) != sample[:strings.Index(sample, "{\n\tname=other")] {
		t.Errorf("file after removal:\n%s", got)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode after rewrite: %v %v", info.Mode(), err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("files left beside the lease file: %v", entries)
	}
	if err := os.WriteFile(path, []byte("{\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := RemoveMACFromFile(path, mustMAC(t, "00:00:0c:01:02:03")); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("malformed file: err %v, want one naming %s", err, path)
	}
	if got, _ := os.ReadFile(path); string(got) != "{\n" {
		t.Errorf("malformed file was changed to %q", got)
	}
}

// replaceFile writes data to path as bootpd does: a new file renamed over it.
func replaceFile(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".bootpd"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// setAfterRead installs hook as the test seam for the rest of the test.
func setAfterRead(t *testing.T, hook func()) {
	t.Helper()
	saved := afterRead
	afterRead = hook
	t.Cleanup(func() { afterRead = saved })
}

// TestRemoveMACFromFileKeepsConcurrentWrite plays bootpd writing a new lease
// after the edit read the file and before it replaced it.
func TestRemoveMACFromFileKeepsConcurrentWrite(t *testing.T) {
	gone, other, fresh := mustMAC(t, "0a:00:00:00:00:01"), mustMAC(t, "0a:00:00:00:00:02"), mustMAC(t, "0a:00:00:00:00:03")
	before := entry(gone, "192.168.64.2", 0x5f000000) + entry(other, "192.168.64.3", 0x5f000001)
	added := entry(fresh, "192.168.64.4", 0x5f000002)
	writers := map[string]func(t *testing.T, path string, data []byte){
		"rename": replaceFile,
		"in place": func(t *testing.T, path string, data []byte) {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, write := range writers {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dhcpd_leases")
			if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
				t.Fatal(err)
			}
			calls := 0
			setAfterRead(t, func() {
				calls++
				if calls == 1 {
					write(t, path, []byte(before+added))
				}
			})
			n, err := RemoveMACFromFile(path, gone)
			if err != nil || n != 1 {
				t.Fatalf("n=%d err=%v", n, err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if want := before[len(entry(gone, "192.168.64.2", 0x5f000000)):] + added; string(got) != want {
				t.Errorf("lease file:\n%s\nwant:\n%s", got, want)
			}
			if calls != 2 {
				t.Errorf("file read %d times, want 2 (once more after the concurrent write)", calls)
			}
			if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
				t.Errorf("files left beside the lease file: %v", entries)
			}
		})
	}
}

// TestRemoveMACFromFileGivesUp: a file that changes after every read is never
// overwritten, and the error says so.
func TestRemoveMACFromFileGivesUp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dhcpd_leases")
	mac := mustMAC(t, "0a:00:00:00:00:01")
	data := entry(mac, "192.168.64.2", 0x5f000000)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	calls := 0
	setAfterRead(t, func() {
		calls++
		data += entry(net.HardwareAddr{0x0a, 0, 0, 0, 1, byte(calls)}, "192.168.64.3", 0x5f000000+calls)
		replaceFile(t, path, []byte(data))
	})
	_, err := RemoveMACFromFile(path, mac)
	if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want ErrChanged naming %s", err, path)
	}
	if calls != maxAttempts {
		t.Errorf("%d attempts, want %d", calls, maxAttempts)
	}
	if got, _ := os.ReadFile(path); string(got) != data {
		t.Errorf("the file was overwritten:\n%s", got)
	}
}

// TestRemoveMACFromFileWaitsForLock: another driver process's edit is waited
// for, up to the deadline, and the error names the file.
func TestRemoveMACFromFileWaitsForLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dhcpd_leases")
	if err := os.WriteFile(path, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	held, err := lockfile.Dir(filepath.Dir(path), lockfile.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	saved := lockWait
	lockWait = 200 * time.Millisecond
	t.Cleanup(func() { lockWait = saved })
	begin := time.Now()
	_, err = RemoveMACFromFile(path, mustMAC(t, "00:00:0c:01:02:03"))
	if !errors.Is(err, lockfile.ErrTimeout) || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want lockfile.ErrTimeout naming %s", err, path)
	}
	if waited := time.Since(begin); waited < lockWait {
		t.Errorf("gave up after %s, before the %s deadline", waited, lockWait)
	}
	if got, _ := os.ReadFile(path); string(got) != sample {
		t.Error("the file changed while another process held the lock")
	}
	if err := held.Unlock(); err != nil {
		t.Fatal(err)
	}
	released := make(chan error, 1)
	go func() {
		_, err := RemoveMACFromFile(path, mustMAC(t, "00:00:0c:01:02:03"))
		released <- err
	}()
	select {
	case err := <-released:
		if err != nil {
			t.Errorf("after the lock was released: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no removal within 10s of the lock's release")
	}
}
