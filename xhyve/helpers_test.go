package xhyve

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	rpcdriver "github.com/docker/machine/libmachine/drivers/rpc"
	"github.com/docker/machine/libmachine/mcnflag"

	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso"
	"github.com/zchee/docker-machine-driver-xhyve/internal/b2diso/isotest"
	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
	"github.com/zchee/docker-machine-driver-xhyve/internal/release"
)

// TestMain lets the test binary stand in for the plugin binary's
// subcommands, which Start launches (supervise, serve-nfs).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		if run, ok := Subcommands()[os.Args[1]]; ok {
			os.Exit(run(os.Args[2:]))
		}
	}
	os.Exit(m.Run())
}

const isolinuxCfg = "default b2d\nlabel b2d\n\tkernel /boot/vmlinuz\n\tappend loglevel=3 console=ttyS0 base\n"

// testISO is a boot2docker-layout ISO whose kernel holds the given text.
func testISO(t *testing.T, kernel string) string {
	return isotest.Write(t, map[string]string{
		"boot/vmlinuz":          kernel,
		"boot/initrd.img":       "initrd",
		"isolinux/isolinux.cfg": isolinuxCfg,
	})
}

// defaultFlags are the values docker-machine passes when the user gives
// none: each flag's default.
func defaultFlags(d *Driver) rpcdriver.RPCFlags {
	v := map[string]interface{}{"swarm-master": false, "swarm-host": "", "swarm-discovery": ""}
	for _, f := range d.GetCreateFlags() {
		_, _, v[f.String()] = describeFlag(f)
	}
	return rpcdriver.RPCFlags{Values: v}
}

// describeFlag returns a flag's kind (as the README names it), environment
// variable and default value (a fresh copy for string lists; false for bools,
// whose mcnflag default is nil).
func describeFlag(f mcnflag.Flag) (kind, env string, value interface{}) {
	switch f := f.(type) {
	case mcnflag.StringFlag:
		return "string", f.EnvVar, f.Value
	case mcnflag.IntFlag:
		return "int", f.EnvVar, f.Value
	case mcnflag.BoolFlag:
		return "bool", f.EnvVar, false
	case mcnflag.StringSliceFlag:
		return "string list", f.EnvVar, append([]string{}, f.Value...)
	}
	return fmt.Sprintf("%T", f), "", nil
}

// testEnv points every seam at the test's world, with short waits.
func testEnv(t *testing.T, store string) env {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	e := defaultEnv()
	e.leasesPath = filepath.Join(store, "dhcpd_leases")
	e.vmnetPlist = filepath.Join(store, "com.apple.vmnet.plist")
	e.exportsPath = filepath.Join(store, "exports")
	e.lookPath = func(name string) (string, error) { return "", os.ErrNotExist }
	e.hypervisorDirs = nil // a Mac's real hyperkit must not stand in for the fakes
	e.executable = func() (string, error) { return exe, nil }
	e.hostCPUs = func() int { return 4 }
	e.hostMemMB = func() (int, error) { return 8192, nil }
	// What a Mac would say of itself: these tests run as a user whose fake
	// hypervisor is not setuid root, on any OS.
	e.hostChecks = func() []check { return nil }
	e.hostChecksAfter = func() []check { return nil }
	e.vmnetRights = func(string) (string, error) { return "granted in tests", nil }
	e.homeRoot = func() string { // $HOME's parent, as off macOS
		home, _ := os.UserHomeDir()
		return filepath.Dir(home)
	}
	e.releaseISO, e.httpClient = serveRelease(t, testISO(t, "release"))
	e.interval = 20 * time.Millisecond
	e.ipTimeout = 10 * time.Second
	e.sshTimeout = 10 * time.Second
	e.stopTimeout = 2 * time.Second
	e.killTimeout = 5 * time.Second
	return e
}

// machine is a driver wired to a fake hypervisor that leases 127.0.0.1 and
// answers SSH on a free local port.
type machine struct {
	t  *testing.T
	d  *Driver
	hv string
	b  fakehv.Behavior
}

func newMachine(t *testing.T, b fakehv.Behavior, set map[string]interface{}) *machine {
	t.Helper()
	store := t.TempDir()
	d := NewDriver("dev", store)
	d.env = testEnv(t, store)
	if err := os.MkdirAll(d.path(""), 0o755); err != nil { // docker-machine's doing
		t.Fatal(err)
	}
	port := freePort(t)
	b.Leases, b.LeaseIP, b.LeaseAfterMS = d.env.leasesPath, "127.0.0.1", 100
	b.SSHAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	name := "xhyve"
	if b.Dialect == "hyperkit" {
		name = "hyperkit"
	}
	hv := fakehv.Install(t, t.TempDir(), name, b)
	flags := defaultFlags(d)
	flags.Values[flagBoot2DockerURL] = testISO(t, "kernel-1")
	flags.Values[flagHypervisor] = hv
	for k, v := range set {
		flags.Values[k] = v
	}
	if err := d.SetConfigFromFlags(flags); err != nil {
		t.Fatal(err)
	}
	d.SSHPort = port
	if err := d.PreCreateCheck(); err != nil {
		t.Fatal(err)
	}
	m := &machine{t: t, d: d, hv: hv, b: b}
	t.Cleanup(func() { d.Kill() })
	return m
}

// hypervisors lists the live processes that run m's disk.
func (m *machine) hypervisors() []string {
	m.t.Helper()
	out, err := exec.Command("pgrep", "-f", m.d.path(diskFile)).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 {
		return nil // none
	}
	if err != nil {
		m.t.Fatalf("pgrep: %v", err)
	}
	return strings.Fields(string(out))
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// bootRecordFor is a boot record with the given ISO command line.
func bootRecordFor(cmdline string) b2diso.Record {
	return b2diso.Record{BootFiles: b2diso.BootFiles{Kernel: "/boot/vmlinuz", Initrd: "/boot/initrd.img", Cmdline: cmdline}}
}

// serveRelease publishes iso as the release ISO on a local HTTPS server, as
// GitHub does (a redirect to the asset's host), for the test's lifetime: the
// asset and a client that trusts the server.
func serveRelease(t *testing.T, iso string) (func() (release.Asset, error), *http.Client) {
	t.Helper()
	data, err := os.ReadFile(iso)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/releases/download/v1/boot2docker.iso" {
			http.Redirect(w, r, "/assets/boot2docker.iso", http.StatusFound)
			return
		}
		http.ServeContent(w, r, "boot2docker.iso", time.Time{}, bytes.NewReader(data))
	}))
	t.Cleanup(srv.Close)
	a := release.Asset{URL: srv.URL + "/releases/download/v1/boot2docker.iso", Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	return func() (release.Asset, error) { return a, nil }, srv.Client()
}
