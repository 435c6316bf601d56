package xhyve

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestOptionsAreTheDriversFields: each setting names a Driver field of its
// default's kind, NewDriver starts from the defaults, and the flags are the
// settings, in order.
func TestOptionsAreTheDriversFields(t *testing.T) {
	d := NewDriver("dev", t.TempDir())
	flags := d.GetCreateFlags()
	opts := options()
	if len(flags) != len(opts) {
		t.Fatalf("%d flags for %d settings", len(flags), len(opts))
	}
	seen := map[string]bool{}
	for i, o := range opts {
		f, ok := reflect.TypeOf(*d).FieldByName(o.field)
		if !ok || !f.IsExported() {
			t.Errorf("--%s sets %q, which is not an exported Driver field (saved in config.json)", o.flag, o.field)
			continue
		}
		if f.Type != reflect.TypeOf(o.value) {
			t.Errorf("--%s: default %T, field %s is %s", o.flag, o.value, o.field, f.Type)
		}
		if got := o.fieldOf(d).Interface(); !reflect.DeepEqual(got, o.value) {
			t.Errorf("NewDriver's %s = %#v, the default of --%s is %#v", o.field, got, o.flag, o.value)
		}
		if flags[i].String() != o.flag {
			t.Errorf("flag %d is --%s, the setting --%s", i, flags[i].String(), o.flag)
		}
		if seen[o.field] || seen[o.flag] {
			t.Errorf("--%s (%s) is listed twice", o.flag, o.field)
		}
		seen[o.field], seen[o.flag] = true, true
	}
	// Defaults are copies: one driver's edit must not reach another's.
	d.NFSShares = append(d.NFSShares, "/x")
	if got := NewDriver("other", t.TempDir()).NFSShares; len(got) != 0 {
		t.Errorf("a second driver's shares start as %q", got)
	}
}

// savedDriver is a driver as config.json holds it after a create.
func savedDriver(t *testing.T, store string) *Driver {
	t.Helper()
	d := NewDriver("dev", store)
	d.env = testEnv(t, store)
	d.MACAddress = "0a:3b:4c:5d:6e:7f"
	d.UUID = "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef"
	d.Hypervisor, d.HypervisorDialect, d.HypervisorVersion = "/usr/local/bin/xhyve", "xhyve", "v0.2.0"
	return d
}

// TestSavedConfigChecked: a config.json a user edited is checked by the
// same rules as the flags, plus what create recorded and what the
// hypervisor's command line can take, before a start does anything; the
// error names the field, its flag, the file and the fix.
func TestSavedConfigChecked(t *testing.T) {
	if err := savedDriver(t, t.TempDir()).checkSaved(); err != nil {
		t.Fatalf("a config as create saves it: %v", err)
	}
	tests := []struct {
		name string
		edit func(d *Driver)
		want []string
	}{
		{"memory", func(d *Driver) { d.Memory = 100 }, []string{"Memory 100 (--xhyve-memory-size): must be between 512 and 8192 MB"}},
		{"cpus over the host", func(d *Driver) { d.CPU = 5 }, []string{"CPU 5 (--xhyve-cpu-count)", "this host has 4 CPUs"}},
		{"cpus over xhyve", func(d *Driver) { d.env.hostCPUs = func() int { return 64 }; d.CPU = 17 }, []string{"CPU 17 (--xhyve-cpu-count): xhyve takes 1 to 16 vCPUs"}},
		{"disk", func(d *Driver) { d.DiskSize = 1 }, []string{"DiskSize 1 (--xhyve-disk-size)"}},
		{"time sync", func(d *Driver) { d.TimeSync = -1 }, []string{"TimeSync -1 (--xhyve-time-sync)"}},
		{"nfs server", func(d *Driver) { d.NFSServer = "nfsd" }, []string{"NFSServer nfsd (--xhyve-nfs-server)"}},
		{"shares root", func(d *Driver) { d.NFSSharesRoot = "x" }, []string{"NFSSharesRoot x (--xhyve-nfs-share-root)"}},
		{"boot cmd", func(d *Driver) { d.BootCmd = "a\nb" }, []string{`BootCmd "a\nb" (--xhyve-boot-cmd): must be a single line`}},
		{"kernel", func(d *Driver) { d.BootKernel = "vmlinuz" }, []string{"BootKernel vmlinuz (--xhyve-boot-kernel)"}},
		{"uuid", func(d *Driver) { d.UUID = "" }, []string{`UUID "" is not a lowercase UUID`}},
		{"mac", func(d *Driver) { d.MACAddress = "zz" }, []string{`MACAddress "zz"`}},
		{"dialect", func(d *Driver) { d.HypervisorDialect = "qemu" }, []string{`HypervisorDialect "qemu"`}},
		{"hypervisor", func(d *Driver) { d.Hypervisor = "" }, []string{"Hypervisor is empty"}},
		{"several at once", func(d *Driver) { d.Memory, d.TimeSync = 1, -1 }, []string{"Memory 1", "TimeSync -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := t.TempDir()
			d := savedDriver(t, store)
			tt.edit(d)
			err := d.Start()
			if err == nil {
				t.Fatal("started")
			}
			for _, w := range append(tt.want, "saved configuration of machine \"dev\"", filepath.Join(store, "machines", "dev", "config.json"), "correct it there or recreate the machine") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if entries, _ := os.ReadDir(d.path("")); len(entries) > 1 { // the lock file
				t.Errorf("a refused start wrote into the machine directory: %v", entries)
			}
		})
	}
}

// TestCommaInSavedStoreRefused: the hypervisor cannot take a path with a
// comma. PreCreateCheck refuses such a store (doctor_test.go); a machine
// whose store has one since (moved, or MACHINE_STORAGE_PATH changed) is
// refused at start, each of its four files named, with the fix.
func TestCommaInSavedStoreRefused(t *testing.T) {
	store := filepath.Join(t.TempDir(), "a,b")
	d := savedDriver(t, store)
	err := d.checkSaved()
	if err == nil || !strings.Contains(err.Error(), "contains a comma") || !strings.Contains(err.Error(), "MACHINE_STORAGE_PATH") {
		t.Errorf("checkSaved: %v, want the comma refused with the fix", err)
	}
	for _, name := range []string{"kernel", "initrd", "ISO", "disk"} {
		if err == nil || !strings.Contains(err.Error(), name+" path") {
			t.Errorf("checkSaved: %v does not name the %s", err, name)
		}
	}
}
