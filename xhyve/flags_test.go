package xhyve

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
	"github.com/zchee/docker-machine-driver-xhyve/internal/nfs"
)

func TestCreateFlagDefaults(t *testing.T) {
	want := map[string]struct {
		kind  string
		value interface{}
	}{
		"xhyve-boot2docker-url":        {"string", ""},
		"xhyve-cpu-count":              {"int", 1},
		"xhyve-memory-size":            {"int", 1024},
		"xhyve-disk-size":              {"int", 20000},
		"xhyve-boot-cmd":               {"string", ""},
		"xhyve-experimental-nfs-share": {"bool", false},
		"xhyve-uuid":                   {"string", ""},
		"xhyve-boot-kernel":            {"string", ""},
		"xhyve-boot-initrd":            {"string", ""},
		"xhyve-hypervisor":             {"string", ""},
		"xhyve-nfs-share":              {"string list", []string{}},
		"xhyve-nfs-share-root":         {"string", "/nfsshares"},
		"xhyve-nfs-server":             {"string", "builtin"},
		"xhyve-time-sync":              {"int", 60},
	}
	flags := NewDriver("", "").GetCreateFlags()
	if len(flags) != len(want) {
		t.Errorf("%d flags, want %d", len(flags), len(want))
	}
	for _, f := range flags {
		w, ok := want[f.String()]
		if !ok {
			t.Errorf("unexpected flag %s", f.String())
			continue
		}
		kind, env, def := describeFlag(f)
		if kind != w.kind {
			t.Errorf("%s is a %s flag, want %s (a bool must stay a bool: a string flag would swallow the machine name)", f.String(), kind, w.kind)
		}
		if !reflect.DeepEqual(def, w.value) {
			t.Errorf("%s default %#v, want %#v", f.String(), def, w.value)
		}
		if wantEnv := strings.ToUpper(strings.ReplaceAll(f.String(), "-", "_")); env != wantEnv {
			t.Errorf("%s env var %q, want %q", f.String(), env, wantEnv)
		}
	}
}

func TestSetConfigFromFlags(t *testing.T) {
	store := t.TempDir()
	d := NewDriver("dev", store)
	d.env = testEnv(t, store)
	share := t.TempDir()
	iso := filepath.Join(t.TempDir(), "my.iso")
	os.WriteFile(iso, []byte("iso"), 0o644)
	flags := defaultFlags(d)
	flags.Values[flagCPUCount] = 2
	flags.Values[flagMemorySize] = 4096
	flags.Values[flagUUID] = "6BCE442E-4359-4BD9-84F7-EDFB8EC6D2EF"
	flags.Values[flagNFSShare] = []string{share + "/"}
	flags.Values[flagBoot2DockerURL] = iso
	if err := d.SetConfigFromFlags(flags); err != nil {
		t.Fatal(err)
	}
	if d.CPU != 2 || d.Memory != 4096 || d.DiskSize != 20000 || d.SSHUser != "docker" {
		t.Errorf("config %+v", d)
	}
	if d.UUID != "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef" {
		t.Errorf("UUID %q not normalised", d.UUID)
	}
	if len(d.NFSShares) != 1 || d.NFSShares[0] != share {
		t.Errorf("shares %q", d.NFSShares)
	}

	d2 := NewDriver("dev2", store)
	d2.env = d.env
	if err := d2.SetConfigFromFlags(defaultFlags(d2)); err != nil {
		t.Fatal(err)
	}
	if d2.UUID != "" {
		t.Errorf("default UUID %q: it is chosen at create, from the store's pool of removed machines' UUIDs", d2.UUID)
	}
}

func TestFlagValidation(t *testing.T) {
	dir := t.TempDir()
	share := filepath.Join(dir, "src")
	os.Mkdir(share, 0o755)
	os.Mkdir(filepath.Join(share, "inner"), 0o755)
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	tests := []struct {
		name string
		set  map[string]interface{}
		want []string // each must appear in the error
	}{
		{"cpu above 16", map[string]interface{}{flagCPUCount: 17}, []string{"--xhyve-cpu-count 17", "between 1 and 4"}},
		{"cpu above host", map[string]interface{}{flagCPUCount: 5}, []string{"--xhyve-cpu-count 5", "this host has 4 CPUs"}},
		{"memory low", map[string]interface{}{flagMemorySize: 256}, []string{"--xhyve-memory-size 256", "between 512 and 8192 MB"}},
		{"memory high", map[string]interface{}{flagMemorySize: 9000}, []string{"--xhyve-memory-size 9000", "host's RAM"}},
		{"disk small", map[string]interface{}{flagDiskSize: 1000}, []string{"--xhyve-disk-size 1000", "between 2000 and 2097152 MB"}},
		{"bad uuid", map[string]interface{}{flagUUID: "1234"}, []string{"--xhyve-uuid 1234", "xxxxxxxx-xxxx"}},
		{"url scheme", map[string]interface{}{flagBoot2DockerURL: "ftp://host/b2d.iso"}, []string{"--xhyve-boot2docker-url ftp://host/b2d.iso", `scheme "ftp"`}},
		{"url missing file", map[string]interface{}{flagBoot2DockerURL: "/no/such.iso"}, []string{"--xhyve-boot2docker-url /no/such.iso", "existing file"}},
		{"url file scheme missing", map[string]interface{}{flagBoot2DockerURL: "file:///no/such.iso"}, []string{"/no/such.iso", "not an existing file"}},
		{"url no host", map[string]interface{}{flagBoot2DockerURL: "http:///b2d.iso"}, []string{"has no host"}},
		{"file url fragment", map[string]interface{}{flagBoot2DockerURL: "file://" + file + "#x"}, []string{"#fragment", "%23"}},
		{"file url bad escape", map[string]interface{}{flagBoot2DockerURL: "file:///a%zz.iso"}, []string{"not a URL"}},
		{"time sync negative", map[string]interface{}{flagTimeSync: -5}, []string{"--xhyve-time-sync -5", "between 0 (off) and 86400"}},
		{"time sync huge", map[string]interface{}{flagTimeSync: 86401}, []string{"--xhyve-time-sync 86401"}},
		{"nfs server", map[string]interface{}{flagNFSServer: "nfsd"}, []string{"--xhyve-nfs-server nfsd", "builtin", "macos"}},
		{"disk too big", map[string]interface{}{flagDiskSize: 2097153}, []string{"--xhyve-disk-size 2097153", "2 TiB"}},
		{"disk overflow", map[string]interface{}{flagDiskSize: 1 << 50}, []string{"--xhyve-disk-size 1125899906842624", "between 2000 and 2097152"}},
		{"boot cmd newline", map[string]interface{}{flagBootCmd: "a\nb"}, []string{"--xhyve-boot-cmd", "single line"}},
		{"relative kernel", map[string]interface{}{flagBootKernel: "boot/vmlinuz"}, []string{"--xhyve-boot-kernel boot/vmlinuz", "absolute path inside the ISO"}},
		{"hypervisor not found", map[string]interface{}{flagHypervisor: "nosuchvisor"}, []string{"--xhyve-hypervisor nosuchvisor"}},
		{"share relative", map[string]interface{}{flagNFSShare: []string{"src"}}, []string{"--xhyve-nfs-share src", "absolute"}},
		{"share missing", map[string]interface{}{flagNFSShare: []string{"/no/such/dir"}}, []string{"--xhyve-nfs-share /no/such/dir", "existing directory"}},
		{"share file", map[string]interface{}{flagNFSShare: []string{file}}, []string{"must be a directory"}},
		{"share nested", map[string]interface{}{flagNFSShare: []string{share, filepath.Join(share, "inner")}}, []string{"nested"}},
		{"share repeated", map[string]interface{}{flagNFSShare: []string{share, share}}, []string{"repeated"}},
		{"share root relative", map[string]interface{}{flagNFSShareRoot: "shares"}, []string{"--xhyve-nfs-share-root shares", "absolute"}},
		{"several at once", map[string]interface{}{flagCPUCount: 99, flagDiskSize: 1}, []string{"--xhyve-cpu-count 99", "--xhyve-disk-size 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := t.TempDir()
			d := NewDriver("dev", store)
			d.env = testEnv(t, store)
			flags := defaultFlags(d)
			for k, v := range tt.set {
				flags.Values[k] = v
			}
			err := d.SetConfigFromFlags(flags)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if entries, _ := os.ReadDir(store); len(entries) != 0 {
				t.Errorf("a rejected flag left files in the store: %v", entries)
			}
		})
	}
}

func TestAllHostCPUs(t *testing.T) {
	store := t.TempDir()
	d := NewDriver("dev", store)
	d.env = testEnv(t, store)
	flags := defaultFlags(d)
	flags.Values[flagCPUCount] = 0
	if err := d.SetConfigFromFlags(flags); err != nil {
		t.Fatal(err)
	}
	d.HypervisorDialect = "xhyve"
	if got := d.hypervisorConfig(bootRecordFor("x")).CPUs; got != 4 {
		t.Errorf("--xhyve-cpu-count 0 gave %d CPUs, want all 4", got)
	}
}

func TestPreCreateCheckNFS(t *testing.T) {
	store := t.TempDir()
	d := NewDriver("dev", store)
	d.env = testEnv(t, store)
	d.env.nfsdPath = filepath.Join(store, "no-nfsd")
	flags := defaultFlags(d)
	flags.Values[flagNFSShare] = []string{t.TempDir()}
	flags.Values[flagHypervisor] = fakehv.Install(t, t.TempDir(), "xhyve", fakehv.Behavior{Dialect: "xhyve"})
	flags.Values[flagNFSServer] = nfsMacOS
	if err := d.SetConfigFromFlags(flags); err != nil {
		t.Fatal(err)
	}
	err := d.PreCreateCheck()
	if err == nil || !strings.Contains(err.Error(), "needs nfsd") || !strings.Contains(err.Error(), "--xhyve-nfs-share") ||
		!strings.Contains(err.Error(), "--xhyve-nfs-server builtin") {
		t.Errorf("PreCreateCheck err = %v, want the missing nfsd named and the built-in server offered", err)
	}
	// The built-in server needs neither nfsd nor sudo.
	flags.Values[flagNFSServer] = nfsBuiltin
	if err := d.SetConfigFromFlags(flags); err != nil {
		t.Fatal(err)
	}
	if err := d.PreCreateCheck(); err != nil {
		t.Errorf("PreCreateCheck with the built-in server: %v", err)
	}
}

func TestPreCreateCheckHypervisor(t *testing.T) {
	store := t.TempDir()
	notHV := filepath.Join(store, "qemu")
	os.WriteFile(notHV, []byte("#!/bin/sh\necho 'qemu: unknown option -v'\nexit 1\n"), 0o755)
	for hv, want := range map[string]string{
		filepath.Join(store, "missing"): "no such file",
		notHV:                           "qemu: unknown option -v",
	} {
		d := NewDriver("dev", store)
		d.env = testEnv(t, store)
		flags := defaultFlags(d)
		flags.Values[flagHypervisor] = hv
		if err := d.SetConfigFromFlags(flags); err != nil {
			t.Fatal(err)
		}
		if err := d.PreCreateCheck(); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--xhyve-hypervisor") {
			t.Errorf("hypervisor %s: err %v, want %q and the flag", hv, err, want)
		}
	}
}

func TestNFSShareHomeRoot(t *testing.T) {
	store := t.TempDir()
	home := filepath.Join(t.TempDir(), "Users", "me")
	os.MkdirAll(home, 0o755)
	t.Setenv("HOME", home)
	d := NewDriver("dev", store)
	d.env = testEnv(t, store)
	flags := defaultFlags(d)
	flags.Values[flagNFSShareHome] = true
	flags.Values[flagNFSShare] = []string{filepath.Join(home, "src")}
	os.Mkdir(filepath.Join(home, "src"), 0o755)
	err := d.SetConfigFromFlags(flags)
	if err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("a share inside the shared home root: err %v", err)
	}
	flags.Values[flagNFSShare] = []string{}
	if err := d.SetConfigFromFlags(flags); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Dir(home); d.NFSHomeRoot != want || d.shares()[0] != (share{want, want}) {
		t.Errorf("home root %q, shares %v; want %q at the same path", d.NFSHomeRoot, d.shares(), want)
	}
	t.Setenv("HOME", "/root")
	if err := d.SetConfigFromFlags(flags); err == nil || !strings.Contains(err.Error(), "is /") {
		t.Errorf("home root /: err %v", err)
	}
}

// TestSharePathsResolvedAndChecked: a share reached through a symlink is
// exported at its real path and mounted where the user named it; two names
// for one directory are one export; a name the exports file cannot hold is
// refused before anything is created.
func TestSharePathsResolvedAndChecked(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "private", "tmp", "src")
	if err := os.MkdirAll(real, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "tmp")
	if err := os.Symlink(filepath.Join(dir, "private", "tmp"), link); err != nil {
		t.Fatal(err)
	}
	store := t.TempDir()
	d := NewDriver("dev", store)
	d.env = testEnv(t, store)
	flags := defaultFlags(d)
	flags.Values[flagNFSShare] = []string{filepath.Join(link, "src")}
	if err := d.SetConfigFromFlags(flags); err != nil {
		t.Fatal(err)
	}
	realResolved, _ := filepath.EvalSymlinks(real)
	want := share{Host: realResolved, Guest: filepath.Join(defaultNFSSharesRoot, link, "src")}
	if got := d.shares(); len(got) != 1 || got[0] != want {
		t.Errorf("shares %+v, want %+v", got, want)
	}

	hostile := filepath.Join(dir, `a" 10.9.9.9 "vm.local`)
	newline := filepath.Join(dir, "two\nlines")
	for _, p := range []string{hostile, newline} {
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, tc := range map[string]struct {
		shares []string
		want   string
	}{
		"a quote":                       {[]string{hostile}, `--xhyve-nfs-share ` + hostile},
		"a newline":                     {[]string{newline}, "--xhyve-nfs-share " + newline},
		"one directory under two names": {[]string{real, filepath.Join(link, "src")}, "nested or repeated"},
	} {
		d := NewDriver("bad", store)
		d.env = testEnv(t, store)
		flags := defaultFlags(d)
		flags.Values[flagNFSShare] = tc.shares
		err := d.SetConfigFromFlags(flags)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", name, err, tc.want)
		}
		if name != "one directory under two names" && (err == nil || !errors.Is(err, nfs.ErrSharePath)) {
			t.Errorf("%s: err %v is not nfs.ErrSharePath", name, err)
		}
	}
	if entries, _ := os.ReadDir(store); len(entries) != 0 {
		t.Errorf("refused shares created files in the store: %v", entries)
	}
}

// TestCPULimitOfTheDialect: the vCPU limit is the identified hypervisor's
// (16 for xhyve, 64 for hyperkit), checked once it is known.
func TestCPULimitOfTheDialect(t *testing.T) {
	for _, tt := range []struct {
		dialect string
		cpus    int
		want    string
	}{
		{"xhyve", 17, "--xhyve-cpu-count 17: xhyve takes 1 to 16 vCPUs"},
		{"xhyve", 16, ""},
		{"hyperkit", 20, ""},
		{"hyperkit", 65, "--xhyve-cpu-count 65: hyperkit takes 1 to 64 vCPUs"},
	} {
		store := t.TempDir()
		d := NewDriver("dev", store)
		d.env = testEnv(t, store)
		d.env.hostCPUs = func() int { return 128 }
		flags := defaultFlags(d)
		flags.Values[flagCPUCount] = tt.cpus
		flags.Values[flagHypervisor] = fakehv.Install(t, t.TempDir(), tt.dialect, fakehv.Behavior{Dialect: tt.dialect})
		if err := d.SetConfigFromFlags(flags); err != nil {
			t.Fatal(err)
		}
		err := d.PreCreateCheck()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s with %d CPUs: %v, want %q", tt.dialect, tt.cpus, err, tt.want)
		}
	}
}
