package main

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
	"github.com/zchee/docker-machine-driver-xhyve/internal/usernet"
)

// goldenGlob is where the driver keeps its real command lines, one argument
// per line, one file per dialect named DIALECT.golden.
const goldenGlob = "../../../hypervisor/testdata/*.golden"

// goldenDir is the machine directory the goldens are written for, and
// goldenUsernet the user-mode network's directory of that store.
const (
	goldenDir     = "/Users/Jane Doe/.docker/machine/machines/dev"
	goldenUsernet = "/Users/Jane Doe/.docker/machine/usernet"
)

// goldenVpnkit is the virtio-vpnkit socket and UUID each golden with that
// device must yield.
var goldenVpnkit = map[string][2]string{
	"hyperkit-vpnkit.golden": {goldenUsernet + "/vpnkit.sock", "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef"},
}

// goldenWant is what each golden must tell the fake, written out here rather
// than derived from the golden, so that a change of the driver's command line
// has to be accepted by the fake's reading of it, not just by itself.
var goldenWant = map[string]args{
	"xhyve.golden": {
		uuid:     "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef",
		pidfile:  goldenDir + "/hypervisor.pid",
		firmware: "kexec",
		kernel:   goldenDir + "/vmlinuz",
		initrd:   goldenDir + "/initrd.img",
		cmdline:  "loglevel=3 console=ttyS0 console=tty0 base host=dev opts=a,b,c",
		cpus:     2,
		net:      true,
		stdio:    true,
		files:    []string{goldenDir + "/boot2docker.iso", goldenDir + "/disk.img"},
	},
	"hyperkit.golden": {
		uuid:     "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef",
		pidfile:  goldenDir + "/hypervisor.pid",
		stdio:    true,
		firmware: "kexec",
		kernel:   goldenDir + "/vmlinuz",
		initrd:   goldenDir + "/initrd.img",
		cmdline:  "loglevel=3 console=ttyS0 console=tty0 base host=dev opts=a,b,c",
		cpus:     2,
		net:      true,
		files:    []string{goldenDir + "/boot2docker.iso", goldenDir + "/disk.img"},
	},
	"hyperkit-vpnkit.golden": {
		uuid:     "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef",
		pidfile:  goldenDir + "/hypervisor.pid",
		stdio:    true,
		firmware: "kexec",
		kernel:   goldenDir + "/vmlinuz",
		initrd:   goldenDir + "/initrd.img",
		cmdline:  "loglevel=3 console=ttyS0 console=tty0 base host=dev opts=a,b,c",
		cpus:     2,
		files:    []string{goldenDir + "/boot2docker.iso", goldenDir + "/disk.img"},
	},
}

// goldens returns each golden's file name, dialect and argv.
func goldens(t *testing.T) map[string][]string {
	t.Helper()
	paths, err := filepath.Glob(goldenGlob)
	if err != nil || len(paths) == 0 {
		t.Fatalf("no goldens at %s: %v", goldenGlob, err)
	}
	out := map[string][]string{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	}
	return out
}

// dialectOf is the dialect a golden is named for: DIALECT[-VARIANT].golden.
func dialectOf(golden string) string {
	d, _, _ := strings.Cut(strings.TrimSuffix(golden, ".golden"), "-")
	return d
}

// TestGoldenArgvParses: the fake reads every command line the driver makes
// as the hypervisor documents it: the -F pidfile, the -U id, kexec split at
// its first three commas only (the command line keeps its commas), paths with
// spaces whole, and the console on stdio for both dialects.
func TestGoldenArgvParses(t *testing.T) {
	for name, argv := range goldens(t) {
		t.Run(name, func(t *testing.T) {
			want, ok := goldenWant[name]
			if !ok {
				t.Fatalf("%s has no expectation in goldenWant: add what it must yield", name)
			}
			got, err := parse(dialectOf(name), dialectOf(name), argv)
			if err != nil {
				t.Fatalf("the fake rejects the driver's %s command line: %v", dialectOf(name), err)
			}
			vk, hasVpnkit := goldenVpnkit[name]
			switch {
			case hasVpnkit && (got.vpnkit == nil || got.vpnkitErr != nil):
				t.Errorf("parse(%s): no virtio-vpnkit device (%v)", name, got.vpnkitErr)
			case hasVpnkit && (got.vpnkit.Path != vk[0] || got.vpnkit.UUID != vk[1]):
				t.Errorf("parse(%s): vpnkit socket %q uuid %q, want %q %q", name, got.vpnkit.Path, got.vpnkit.UUID, vk[0], vk[1])
			case !hasVpnkit && got.vpnkit != nil:
				t.Errorf("parse(%s): a virtio-vpnkit device the golden should not have", name)
			}
			got.vpnkit = nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("parse(%s) =\n%+v\nwant\n%+v", name, got, want)
			}
		})
	}
}

// TestGoldenArgvBoots runs the built fake on each golden command line with
// the machine directory moved into a temporary one (still with a space in
// it) where the kernel, initrd, ISO and disk exist, and a pty slave as its
// stdin, as the supervisor starts it: it must boot, write its pid into the
// golden's pidfile, write the guest's output (the kernel's first, as
// console=ttyS0 asks) to the console on fd 0 and nothing of it to stdout,
// and power off on SIGTERM with the dialect's status, removing the pidfile.
func TestGoldenArgvBoots(t *testing.T) {
	for name, argv := range goldens(t) {
		t.Run(name, func(t *testing.T) {
			dialect := dialectOf(name)
			dir := filepath.Join(t.TempDir(), "Jane Doe", "dev")
			argv := relocate(t, argv, dir)
			endNetwork := serveGoldenNetwork(t, name, dir)
			hv := fakehv.Install(t, t.TempDir(), dialect, fakehv.Behavior{Dialect: dialect, PowerOffMS: 10, Console: "guest says hi\r\n"})
			master, slaveName, err := openPTY()
			if err != nil {
				t.Fatal(err)
			}
			defer master.Close()
			slave, err := os.OpenFile(slaveName, os.O_RDWR|syscall.O_NOCTTY, 0)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(hv, argv...)
			var stdout, stderr strings.Builder
			cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			slave.Close()
			defer cmd.Process.Kill()
			waitPIDFile(t, filepath.Join(dir, "hypervisor.pid"), cmd.Process.Pid)
			got := readUntil(master, "guest says hi")
			if !strings.Contains(got, "guest says hi") || !strings.HasPrefix(got, "Linux version") {
				t.Errorf("console gave %q, want the kernel banner, then the guest's line; stderr: %s", got, stderr.String())
			}
			// With a user-mode network, the network going away presses the
			// power button (hyperkit on EOF); otherwise SIGTERM does.
			how := "SIGTERM"
			if endNetwork != nil {
				how = "the network closed"
				endNetwork()
			} else if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			waited := make(chan error, 1)
			go func() { waited <- cmd.Wait() }()
			select {
			case err = <-waited:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 20 s after %s; stderr: %s", how, stderr.String())
			}
			var exit *exec.ExitError
			code := 0
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if want := codes[dialect].poweroff; code != want {
				t.Errorf("exit status %d after %s, want %s's poweroff %d; stderr: %s", code, how, dialect, want, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q: the console is fd 0, stdout only the hypervisor's own messages", stdout.String())
			}
			if _, err := os.Stat(filepath.Join(dir, "hypervisor.pid")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("pidfile left at a normal exit: %v", err)
			}
		})
	}
}

// TestGoldenArgvMissingFiles: without the kernel or the disk image the
// golden names, the fake exits 1 naming it (the disk in device setup, after
// the pidfile) and leaves no pidfile.
func TestGoldenArgvMissingFiles(t *testing.T) {
	argv := goldens(t)["xhyve.golden"]
	for _, missing := range []string{"vmlinuz", "disk.img"} {
		t.Run(missing, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "Jane Doe", "dev")
			argv := relocate(t, argv, dir)
			if err := os.Remove(filepath.Join(dir, missing)); err != nil {
				t.Fatal(err)
			}
			hv := fakehv.Install(t, t.TempDir(), "xhyve", fakehv.Behavior{Dialect: "xhyve"})
			out, err := exec.Command(hv, argv...).CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), missing) {
				t.Errorf("without %s: %v, %q; want exit 1 naming it", missing, err, out)
			}
			if _, err := os.Stat(filepath.Join(dir, "hypervisor.pid")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("pidfile left by a failed start: %v", err)
			}
		})
	}
}

// relocate rewrites the golden's machine directory to dir and creates the
// files there that the hypervisor opens.
func relocate(t *testing.T, argv []string, dir string) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"vmlinuz", "initrd.img", "boot2docker.iso", "disk.img"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := make([]string, len(argv))
	for i, arg := range argv {
		arg = strings.ReplaceAll(arg, goldenDir, dir)
		out[i] = strings.ReplaceAll(arg, goldenUsernet, relocatedUsernet(dir))
	}
	return out
}

// waitPIDFile waits for path to hold pid: the fake writes it once the VM
// exists, just after announcing the console.
func waitPIDFile(t *testing.T, path string, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		data, _ := os.ReadFile(path)
		if strings.TrimSpace(string(data)) == strconv.Itoa(pid) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pidfile %s holds %q, want %d", path, data, pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// readUntil reads f until want arrives or 5 s pass; the caller closes f,
// which ends a read still waiting.
func readUntil(f *os.File, want string) string {
	got := make(chan string, 1)
	go func() {
		var all strings.Builder
		buf := make([]byte, 256)
		for !strings.Contains(all.String(), want) {
			n, err := f.Read(buf)
			all.Write(buf[:n])
			if err != nil {
				break
			}
		}
		got <- all.String()
	}()
	select {
	case s := <-got:
		return s
	case <-time.After(5 * time.Second):
		return "(nothing within 5s)"
	}
}

// relocatedUsernet is where relocate moves the golden's network directory:
// beside the machine directory dir.
func relocatedUsernet(dir string) string {
	return filepath.Join(filepath.Dir(dir), "usernet")
}

// serveGoldenNetwork serves a user-mode network (internal/usernet) on the
// relocated socket of a golden with a virtio-vpnkit device, which hyperkit
// waits for at device setup, and returns what ends it; nil for a golden
// without the device.
func serveGoldenNetwork(t *testing.T, golden, dir string) func() {
	t.Helper()
	if _, ok := goldenVpnkit[golden]; !ok {
		return nil
	}
	sock := filepath.Join(relocatedUsernet(dir), "vpnkit.sock")
	if err := os.MkdirAll(filepath.Dir(sock), 0o700); err != nil {
		t.Fatal(err)
	}
	n, err := usernet.New(usernet.Config{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.ServeVPNKit(ctx, ln) }()
	end := sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve the network: %v", err)
		}
	})
	t.Cleanup(end)
	return end
}
