package xhyve

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
)

// doctorDriver is a driver for doctor in a test world: a store, a fake
// hypervisor (or none), builtin NFS.
func doctorDriver(t *testing.T, withHypervisor bool) *Driver {
	t.Helper()
	store := t.TempDir()
	d := NewDriver("doctor", store)
	d.env = testEnv(t, store)
	d.NFSServer = nfsBuiltin
	if withHypervisor {
		d.Hypervisor = fakehv.Install(t, t.TempDir(), "hyperkit", fakehv.Behavior{Dialect: "hyperkit"})
	}
	return d
}

func runCheck(t *testing.T, d *Driver, name string) (string, error) {
	t.Helper()
	for _, c := range d.checks(true) {
		found, err := c.run()
		if c.name == name {
			return found, err
		}
	}
	t.Fatalf("no check %q", name)
	return "", nil
}

func TestChecksPassAndFailWithTheFix(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, d *Driver)
		check string
		ok    string // in what it found
		fail  string // in the error: the problem and its fix
	}{
		{"hypervisor found", nil, "hypervisor", "hyperkit v0.0.0-fake", ""},
		{"hypervisor takes -F and -M", nil, "hypervisor options", "takes -F (pidfile) and -M (MAC query)", ""},
		{"hypervisor missing", func(t *testing.T, d *Driver) { d.Hypervisor = "" }, "hypervisor", "", "Requirements) or name it with --xhyve-hypervisor"},
		{"hypervisor not one", func(t *testing.T, d *Driver) {
			d.Hypervisor = filepath.Join(t.TempDir(), "silent")
			os.WriteFile(d.Hypervisor, []byte("#!/bin/sh\nexit 0\n"), 0o755)
		}, "hypervisor", "", "--xhyve-hypervisor"},
		{"vmnet plist missing", nil, "vmnet preferences", "not written yet", ""},
		{"vmnet plist good", func(t *testing.T, d *Driver) {
			os.WriteFile(d.env.vmnetPlist, []byte(`<?xml version="1.0"?><plist version="1.0"><dict><key>Shared_Net_Address</key><string>192.168.70.1</string></dict></plist>`), 0o644)
		}, "vmnet preferences", "192.168.70.1 on 192.168.70.0/24", ""},
		{"vmnet plist without an address (macOS 26)", func(t *testing.T, d *Driver) {
			os.WriteFile(d.env.vmnetPlist, []byte(`<?xml version="1.0"?><plist version="1.0"><dict><key>Shared_Net_Mask</key><string>255.255.255.0</string></dict></plist>`), 0o644)
		}, "vmnet preferences", "the interface that carries the VM's network", ""},
		{"vmnet plist damaged", func(t *testing.T, d *Driver) { os.WriteFile(d.env.vmnetPlist, []byte("<plist><dict>"), 0o644) }, "vmnet preferences", "", "remove it and let vmnet write it again"},
		{"lease file missing", nil, "lease file", "none yet", ""},
		{"lease file unreadable", func(t *testing.T, d *Driver) { os.Mkdir(d.env.leasesPath, 0o755) }, "lease file", "", "must read it"},
		{"lease file damaged", func(t *testing.T, d *Driver) {
			os.WriteFile(d.env.leasesPath, []byte("{\n\tip_address=1.2.3\n}\n"), 0o644)
		}, "lease file", "", "repair it"},
		{"lease file good", func(t *testing.T, d *Driver) {
			os.WriteFile(d.env.leasesPath, []byte("{\n\tname=boot2docker\n\tip_address=192.168.64.2\n\thw_address=1,a:b:c:d:e:f\n\tlease=0x5f1e2b3c\n}\n"), 0o644)
		}, "lease file", "(1 leases)", ""},
		{"store writable", nil, "machine store", "is writable", ""},
		{"store not a directory", func(t *testing.T, d *Driver) {
			f := filepath.Join(t.TempDir(), "file")
			os.WriteFile(f, nil, 0o644)
			d.StorePath = filepath.Join(f, "store")
		}, "machine store", "", "set MACHINE_STORAGE_PATH"},
		{"store path with a comma", func(t *testing.T, d *Driver) {
			d.StorePath = filepath.Join(t.TempDir(), "a,b")
		}, "machine store", "", "use a MACHINE_STORAGE_PATH without commas"},
		{"nfs builtin", nil, "NFS shares", "builtin: each machine serves its shares itself on 192.168.64.1", ""},
		{"nfs macos without nfsd", func(t *testing.T, d *Driver) { d.NFSServer = nfsMacOS }, "NFS shares", "", "use --xhyve-nfs-server builtin"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := doctorDriver(t, true)
			if tt.setup != nil {
				tt.setup(t, d)
			}
			found, err := runCheck(t, d, tt.check)
			if tt.fail != "" {
				if err == nil || !strings.Contains(err.Error(), tt.fail) {
					t.Errorf("%s: %q, %v; want a failure with %q", tt.check, found, err, tt.fail)
				}
				return
			}
			if err != nil || !strings.Contains(found, tt.ok) {
				t.Errorf("%s: %q, %v; want %q", tt.check, found, err, tt.ok)
			}
		})
	}
}

// TestStoreWithoutSpace: a store with less room than a create needs fails
// with the figure; it needs root to mount a small file system.
func TestStoreWithoutSpace(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux to mount a small tmpfs")
	}
	d := doctorDriver(t, false)
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=50m", "doctor-test", dir).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v %s", err, out)
	}
	defer exec.Command("umount", dir).Run()
	d.StorePath = dir
	if _, err := runCheck(t, d, "machine store"); err == nil || !strings.Contains(err.Error(), "MB free, less than the 200 MB") {
		t.Errorf("a 50 MB store: %v", err)
	}
}

func TestDoctorExitStatus(t *testing.T) {
	var out bytes.Buffer
	if code := runDoctor(doctorDriver(t, true), &out); code != 0 || !strings.Contains(out.String(), "all checks passed") {
		t.Errorf("doctor with everything in place: %d\n%s", code, out.String())
	}
	out.Reset()
	if code := runDoctor(doctorDriver(t, false), &out); code != 1 {
		t.Errorf("doctor without a hypervisor exited %d", code)
	}
	text := out.String()
	for _, want := range []string{"FAIL  hypervisor:", "--xhyve-hypervisor", "skip  vmnet rights:", "ok    machine store:", "1 check(s) failed"} {
		if !strings.Contains(text, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, text)
		}
	}
	out.Reset()
	if code := DoctorMain([]string{"--xhyve-nfs-server", "nfsd"}, &out); code != 2 || !strings.Contains(out.String(), "--xhyve-nfs-server nfsd") {
		t.Errorf("a bad flag: %d\n%s", code, out.String())
	}
}

// TestPreCreateCheckIsDoctor: PreCreateCheck stops at the first check
// doctor reports failing, with the same message.
func TestPreCreateCheckIsDoctor(t *testing.T) {
	d := doctorDriver(t, false)
	flags := defaultFlags(d)
	if err := d.SetConfigFromFlags(flags); err != nil {
		t.Fatal(err)
	}
	err := d.PreCreateCheck()
	_, doctorErr := runCheck(t, d, "hypervisor")
	if err == nil || doctorErr == nil || err.Error() != doctorErr.Error() {
		t.Errorf("PreCreateCheck: %v; doctor: %v", err, doctorErr)
	}
}

// A store whose path the hypervisor cannot take is refused by
// PreCreateCheck before anything is written into it (no ISO download, no
// cache).
func TestPreCreateCheckRefusesACommaInTheStore(t *testing.T) {
	store := filepath.Join(t.TempDir(), "a,b")
	d := NewDriver("dev", store)
	d.env = testEnv(t, store)
	flags := defaultFlags(d)
	flags.Values[flagHypervisor] = fakehv.Install(t, t.TempDir(), "hyperkit", fakehv.Behavior{Dialect: "hyperkit"})
	if err := d.SetConfigFromFlags(flags); err != nil {
		t.Fatal(err)
	}
	err := d.PreCreateCheck()
	if err == nil || !strings.Contains(err.Error(), "contains a comma") || !strings.Contains(err.Error(), "MACHINE_STORAGE_PATH") {
		t.Fatalf("PreCreateCheck: %v, want the comma refused with the fix", err)
	}
	if _, err := os.Stat(store); !os.IsNotExist(err) {
		t.Errorf("the store was created (%v)", err)
	}
}
