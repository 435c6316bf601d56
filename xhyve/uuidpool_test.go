package xhyve

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso"
	"github.com/zchee/docker-machine-driver-xhyve/internal/dhcp"
	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
	"github.com/zchee/docker-machine-driver-xhyve/internal/uuidpool"
)

// storeMachine is a machine of store whose directory docker-machine made,
// as Remove and Create find it; nothing runs.
func storeMachine(t *testing.T, store, name string) *Driver {
	t.Helper()
	d := NewDriver(name, store)
	d.env = testEnv(t, store)
	if err := os.MkdirAll(d.path(""), 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}

func writeLease(t *testing.T, path, mac string) {
	t.Helper()
	m, _ := net.ParseMAC(mac)
	text := fmt.Sprintf("{\n\tname=boot2docker\n\tip_address=192.168.64.2\n\thw_address=1,%s\n\tidentifier=1,%s\n\tlease=0x7fffffff\n}\n", dhcp.FormatMAC(m), dhcp.FormatMAC(m))
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func lookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skip(err)
	}
	return p
}

// TestRemovePoolsUUIDOnlyWhenTheLeaseStays: an rm whose lease cannot be
// removed (the user may not edit bootpd's file, sudo -n is refused) keeps
// the UUID, and the store's next create without --xhyve-uuid takes it; an
// rm that frees the lease pools nothing.
func TestRemovePoolsUUIDOnlyWhenTheLeaseStays(t *testing.T) {
	denied := func(string, net.HardwareAddr) (int, error) {
		return 0, fmt.Errorf("edit leases: %w", fs.ErrPermission)
	}
	tests := []struct {
		name    string
		edit    func(string, net.HardwareAddr) (int, error) // nil: the real edit
		sudo    string
		booted  bool
		wantMAC bool // pooled, with its MAC
	}{
		{"user: file and sudo refused", denied, "false", true, true},
		{"user: sudo -n allowed", denied, "true", true, false},
		{"root: lease removed", nil, "false", true, false},
		{"damaged lease file", func(string, net.HardwareAddr) (int, error) { return 0, errors.New("line 3: bad") }, "false", true, true},
		{"create ended before a UUID", denied, "false", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.edit != nil {
				removeMACFromFile = tt.edit
				t.Cleanup(func() { removeMACFromFile = dhcp.RemoveMACFromFile })
			}
			store := t.TempDir()
			a := storeMachine(t, store, "a")
			a.env.sudoPath = lookPath(t, tt.sudo)
			if tt.booted {
				a.UUID, a.MACAddress, a.Hypervisor = uuid.NewString(), "0a:3b:4c:5d:6e:7f", "/fake/hyperkit"
				writeLease(t, a.env.leasesPath, a.MACAddress)
			}
			if err := a.Remove(); err != nil {
				t.Fatal(err)
			}
			os.RemoveAll(a.path("")) // docker-machine's doing
			if tt.edit == nil {
				if data, _ := os.ReadFile(a.env.leasesPath); strings.Contains(string(data), "a:3b:4c:5d:6e:7f") {
					t.Errorf("the lease stayed: %s", data)
				}
			}

			b := storeMachine(t, store, "b")
			if err := b.chooseUUID(); err != nil {
				t.Fatal(err)
			}
			if reused := b.UUID == a.UUID; reused != tt.wantMAC {
				t.Fatalf("next create got UUID %s, a had %s: reused %v, want %v", b.UUID, a.UUID, reused, tt.wantMAC)
			}
			if _, err := uuid.Parse(b.UUID); err != nil {
				t.Errorf("UUID %q: %v", b.UUID, err)
			}
			c := storeMachine(t, store, "c")
			if err := c.chooseUUID(); err != nil || c.UUID == b.UUID {
				t.Errorf("a third create got %q (%v) while b holds %q", c.UUID, err, b.UUID)
			}
		})
	}
}

// TestChosenUUIDTakenByAnotherCreate: --xhyve-uuid naming a pooled UUID a
// running create already took fails before anything is made.
func TestChosenUUIDTakenByAnotherCreate(t *testing.T) {
	store := t.TempDir()
	pooled := uuid.NewString()
	pool := uuidpool.ForStore(store)
	if err := pool.Remember(filepath.Join(store, "machines", "old"), uuidpool.Entry{UUID: pooled}); err != nil {
		t.Fatal(err)
	}
	taker := storeMachine(t, store, "taker")
	if err := taker.chooseUUID(); err != nil || taker.UUID != pooled {
		t.Fatalf("taker: %q, %v", taker.UUID, err)
	}
	d := storeMachine(t, store, "explicit")
	d.UUID = pooled
	err := d.chooseUUID()
	if !errors.Is(err, uuidpool.ErrReserved) || !strings.Contains(err.Error(), "--"+flagUUID) {
		t.Fatalf("chooseUUID: %v, want ErrReserved naming --%s", err, flagUUID)
	}
	d.UUID = uuid.NewString() // not pooled: nothing to reserve
	if err := d.chooseUUID(); err != nil {
		t.Fatal(err)
	}
}

// TestCreateWithoutUUIDChoosesOne: a machine saved without a UUID (the
// flag left empty) gets one at Create and boots with it.
func TestCreateWithoutUUIDChoosesOne(t *testing.T) {
	m := newMachine(t, fakehv.Behavior{Dialect: "hyperkit"}, nil)
	m.d.UUID = ""
	if err := m.d.Create(); err != nil {
		t.Fatal(err)
	}
	if _, err := uuid.Parse(m.d.UUID); err != nil || m.d.MACAddress == "" {
		t.Errorf("UUID %q (%v), MAC %q after Create", m.d.UUID, err, m.d.MACAddress)
	}
}

// TestCachedISOLinkIsNeverWrittenThrough: a cached ISO that is a link is
// copied from its target, which stays as it was, and a link planted as the
// machine's ISO is replaced, not written through.
func TestCachedISOLinkIsNeverWrittenThrough(t *testing.T) {
	store := t.TempDir()
	outside := t.TempDir()
	d := storeMachine(t, store, "dev")
	target := filepath.Join(outside, "b2d.iso")
	victim := filepath.Join(outside, "victim")
	for _, f := range []string{target, victim} {
		if err := os.WriteFile(f, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(store, "cache"), 0o700)
	if err := os.Symlink(target, filepath.Join(store, "cache", isoFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, d.path(isoFile)); err != nil {
		t.Fatal(err)
	}
	if err := d.cloneISO(filepath.Join(store, "cache", isoFile)); err != nil {
		t.Fatal(err)
	}
	info, err := os.Lstat(d.path(isoFile))
	if err != nil || !info.Mode().IsRegular() || info.Mode().Perm() != 0o600 {
		t.Fatalf("machine ISO: %v, %v; want a regular 0600 file", info, err)
	}
	if data, _ := os.ReadFile(d.path(isoFile)); string(data) != target {
		t.Errorf("machine ISO holds %q, want the link's target", data)
	}
	for _, f := range []string{target, victim} {
		info, err := os.Stat(f)
		data, _ := os.ReadFile(f)
		if err != nil || info.Mode().Perm() != 0o644 || string(data) != f {
			t.Errorf("%s outside the store changed: %v %v %q", f, info.Mode(), err, data)
		}
	}
}

// TestBootRefusesALinkedMachineISO: a machine ISO replaced by a link is
// not booted (the hypervisor runs as root) nor extracted.
func TestBootRefusesALinkedMachineISO(t *testing.T) {
	store := t.TempDir()
	d := storeMachine(t, store, "dev")
	if err := os.Symlink(testISO(t, "kernel-1"), d.path(isoFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ensureBootFiles(); !errors.Is(err, b2diso.ErrSymlink) {
		t.Fatalf("ensureBootFiles: %v, want ErrSymlink", err)
	}
	if _, err := os.Stat(d.path(kernelFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a kernel was extracted through the link: %v", err)
	}
}
