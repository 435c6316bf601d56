package hypervisor

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// goldenConfig has a space in every path and commas in the cmdline, which
// the argv must carry through untouched.
func goldenConfig(d Dialect) Config {
	dir := "/Users/Jane Doe/.docker/machine/machines/dev"
	c := Config{
		Dialect:  d,
		UUID:     "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef",
		CPUs:     2,
		MemoryMB: 4096,
		Kernel:   dir + "/vmlinuz",
		Initrd:   dir + "/initrd.img",
		Cmdline:  "loglevel=3 console=ttyS0 console=tty0 base host=dev opts=a,b,c",
		ISO:      dir + "/boot2docker.iso",
		Disk:     dir + "/disk.img",
		PIDFile:  dir + "/hypervisor.pid",
	}
	return c
}

func TestArgsGolden(t *testing.T) {
	usernet := goldenConfig(HyperKit)
	usernet.VPNKitSocket = "/Users/Jane Doe/.docker/machine/usernet/vpnkit.sock"
	for name, c := range map[string]Config{"xhyve": goldenConfig(XHyve), "hyperkit": goldenConfig(HyperKit), "hyperkit-vpnkit": usernet} {
		t.Run(name, func(t *testing.T) {
			args, err := Args(c)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(args, "\n") + "\n"
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("argv differs from %s (one argument per line):\n%s", golden, got)
			}
		})
	}
}

func TestArgsKexecKeepsCmdlineCommas(t *testing.T) {
	args, err := Args(goldenConfig(XHyve))
	if err != nil {
		t.Fatal(err)
	}
	kexec := args[len(args)-1]
	// xhyve splits on the first three commas only.
	parts := strings.SplitN(kexec, ",", 4)
	if parts[1] != goldenConfig(XHyve).Kernel || parts[3] != goldenConfig(XHyve).Cmdline {
		t.Errorf("kexec %q splits into %q", kexec, parts)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   string
	}{
		{"unknown dialect", func(c *Config) { c.Dialect = "goxhyve" }, `unknown hypervisor dialect "goxhyve"`},
		{"zero cpus", func(c *Config) { c.CPUs = 0 }, "xhyve takes 1 to 16 vCPUs, not 0"},
		{"too many cpus xhyve", func(c *Config) { c.CPUs = 17 }, "xhyve takes 1 to 16 vCPUs, not 17"},
		{"bad uuid", func(c *Config) { c.UUID = "not-a-uuid" }, `UUID "not-a-uuid"`},
		{"braced uuid", func(c *Config) { c.UUID = "{6bce442e-4359-4bd9-84f7-edfb8ec6d2ef}" }, "UUID"},
		{"memory", func(c *Config) { c.MemoryMB = 0 }, "memory 0 MB"},
		{"relative kernel", func(c *Config) { c.Kernel = "vmlinuz" }, `kernel path "vmlinuz" is not absolute`},
		{"comma in disk", func(c *Config) { c.Disk = "/a,b/disk.img" }, "contains a comma"},
		{"comma in initrd", func(c *Config) { c.Initrd = "/a,b/initrd.img" }, "initrd path"},
		{"relative pidfile", func(c *Config) { c.PIDFile = "x.pid" }, "pidfile path"},
		{"newline cmdline", func(c *Config) { c.Cmdline = "a\nb" }, "newline"},
		{"vpnkit on xhyve", func(c *Config) { c.VPNKitSocket = "/tmp/vpnkit.sock" }, "xhyve has no virtio-vpnkit device, which user-mode networking needs: use hyperkit"},
		{"relative vpnkit socket", func(c *Config) { c.Dialect, c.VPNKitSocket = HyperKit, "vpnkit.sock" }, `vpnkit socket path "vpnkit.sock" is not absolute`},
		{"comma in vpnkit socket", func(c *Config) { c.Dialect, c.VPNKitSocket = HyperKit, "/a,b/vpnkit.sock" }, "contains a comma"},
		{"long vpnkit socket", func(c *Config) { c.Dialect, c.VPNKitSocket = HyperKit, "/"+strings.Repeat("d", 91)+"/vpnkit.sock" }, "is 104 bytes, over the 103 a macOS socket address holds: use a shorter MACHINE_STORAGE_PATH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := goldenConfig(XHyve)
			tt.modify(&c)
			if _, err := Args(c); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	hk := goldenConfig(HyperKit)
	hk.CPUs = 64
	if err := hk.Validate(); err != nil {
		t.Errorf("hyperkit takes 64 CPUs: %v", err)
	}
	hk.VPNKitSocket = "/" + strings.Repeat("d", 90) + "/vpnkit.sock" // 103 bytes
	if err := hk.Validate(); err != nil {
		t.Errorf("a 103-byte vpnkit socket path is refused: %v", err)
	}
}

// TestArgsConsoleIsStdio: both dialects get COM1 on their stdin, whose pty
// the supervisor owns; no autopty and no link path (docs/facts.md §3).
func TestArgsConsoleIsStdio(t *testing.T) {
	for _, d := range []Dialect{XHyve, HyperKit} {
		args, err := Args(goldenConfig(d))
		if err != nil {
			t.Fatal(err)
		}
		var consoles []string
		for i, a := range args {
			if a == "-l" && i+1 < len(args) {
				consoles = append(consoles, args[i+1])
			}
		}
		if len(consoles) != 1 || consoles[0] != "com1,stdio" {
			t.Errorf("%s: -l %q, want exactly com1,stdio", d, consoles)
		}
	}
}

func TestClassify(t *testing.T) {
	const long = QuietGuestAfter + time.Second
	ran := Run{VMCreated: true, Uptime: time.Minute, ConsoleBytes: 4096, ConsoleExpected: true}
	with := func(r Run, f func(*Run)) Run { f(&r); return r }
	tests := []struct {
		name string
		d    Dialect
		run  Run
		want Outcome
	}{
		{"xhyve reset", XHyve, ran, Reset},
		{"xhyve guest poweroff", XHyve, with(ran, func(r *Run) { r.Code = 1 }), PowerOff},
		{"xhyve exit 1 before the VM existed", XHyve, Run{Code: 1}, Failed},
		{"xhyve exit 1 in device setup: no console byte", XHyve,
			Run{Code: 1, VMCreated: true, Uptime: 300 * time.Millisecond, ConsoleExpected: true}, Failed},
		{"xhyve exit 1 silent long after the pidfile, console expected", XHyve,
			Run{Code: 1, VMCreated: true, Uptime: time.Hour, ConsoleExpected: true}, Failed},
		{"xhyve exit 1 fast but the guest wrote", XHyve,
			Run{Code: 1, VMCreated: true, Uptime: time.Second, ConsoleBytes: 1, ConsoleExpected: true}, PowerOff},
		{"xhyve quiet guest powered off after a while", XHyve,
			Run{Code: 1, VMCreated: true, Uptime: long}, PowerOff},
		{"xhyve quiet guest exit 1 soon after the pidfile", XHyve,
			Run{Code: 1, VMCreated: true, Uptime: time.Second}, Failed},
		{"xhyve console bytes without a pidfile", XHyve, Run{Code: 1, ConsoleBytes: 10}, Failed},
		{"xhyve halt", XHyve, with(ran, func(r *Run) { r.Code = 2 }), Halt},
		{"xhyve triple fault", XHyve, with(ran, func(r *Run) { r.Code = 3 }), Crash},
		{"xhyve unknown status", XHyve, with(ran, func(r *Run) { r.Code = 4 }), Failed},
		{"hyperkit poweroff", HyperKit, ran, PowerOff},
		{"hyperkit exit 1 even after the guest ran", HyperKit, with(ran, func(r *Run) { r.Code = 1 }), Failed},
		{"hyperkit exit 1 in device setup", HyperKit, Run{Code: 1, VMCreated: true, ConsoleExpected: true}, Failed},
		{"hyperkit reset", HyperKit, with(ran, func(r *Run) { r.Code = 2 }), Reset},
		{"hyperkit triple fault", HyperKit, with(ran, func(r *Run) { r.Code = 3 }), Crash},
		{"hyperkit signal", HyperKit, with(ran, func(r *Run) { r.Code, r.Signaled = -1, true }), Killed},
		{"xhyve signal before the VM", XHyve, Run{Code: -1, Signaled: true}, Killed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.d, tt.run); got != tt.want {
				t.Errorf("Classify(%s, %+v) = %s, want %s", tt.d, tt.run, got, tt.want)
			}
		})
	}
	for o, fault := range map[Outcome]bool{PowerOff: false, Halt: false, Killed: false, Reset: false, Crash: true, Failed: true} {
		if o.Fault() != fault {
			t.Errorf("%s.Fault() = %v", o, !fault)
		}
	}
}

func TestConsoleOnCOM1(t *testing.T) {
	golden, err := Args(goldenConfig(XHyve))
	if err != nil {
		t.Fatal(err)
	}
	if !ConsoleOnCOM1(golden) {
		t.Errorf("the golden command line %q has console=ttyS0", golden)
	}
	for cmdline, want := range map[string]bool{
		"loglevel=3 console=ttyS0,115200n8 base": true,
		"console=tty0 console=ttyS0":             true,
		"loglevel=3 console=tty0 base":           false,
		"console=ttyS1":                          false,
		"xconsole=ttyS0":                         false,
		"":                                       false,
	} {
		args := []string{"-A", "-f", "kexec,/k,/i," + cmdline}
		if got := ConsoleOnCOM1(args); got != want {
			t.Errorf("ConsoleOnCOM1(%q) = %v, want %v", cmdline, got, want)
		}
	}
	if ConsoleOnCOM1([]string{"-f", "fbsd,console=ttyS0"}) || ConsoleOnCOM1(nil) {
		t.Error("a command line without kexec has no kernel console")
	}
}

func TestParseVersion(t *testing.T) {
	tests := []struct {
		out     string
		dialect Dialect
		version string
		err     string
	}{
		{"xhyve: v0.2.0\n\nHomepage: https://github.com/mist64/xhyve\nLicense: BSD\n", XHyve, "v0.2.0", ""},
		{"hyperkit: 20170515-fa78d94\n\nHomepage: https://github.com/docker/hyperkit\nLicense: BSD\n", HyperKit, "20170515-fa78d94", ""},
		{"\ncom.docker.hyperkit: v0.20200224-44-gb54460\n", HyperKit, "v0.20200224-44-gb54460", ""},
		{"goxhyve: 0.1\n", "", "", "goxhyve has neither -F"},
		{"qemu-system-x86_64: -v: invalid option\n", "", "", "not the version banner"},
		{"", "", "", "not the version banner"},
	}
	for _, tt := range tests {
		info, err := ParseVersion([]byte(tt.out))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseVersion(%q) err = %v, want %q", tt.out, err, tt.err)
			}
			continue
		}
		if err != nil || info.Dialect != tt.dialect || info.Version != tt.version {
			t.Errorf("ParseVersion(%q) = %+v, %v", tt.out, info, err)
		}
	}
}

func TestParseMACOutput(t *testing.T) {
	mac, err := ParseMACOutput([]byte("vmnet: starting\nMAC: 0a:3b:4c:5d:6e:7f\n"))
	if err != nil || mac.String() != "0a:3b:4c:5d:6e:7f" {
		t.Errorf("got %v %v", mac, err)
	}
	for _, out := range []string{"vmnet_start_interface failed\n", "MAC: zz\n", ""} {
		if _, err := ParseMACOutput([]byte(out)); err == nil {
			t.Errorf("ParseMACOutput(%q) accepted", out)
		}
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	install := func(path string, mode os.FileMode) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
		return path
	}
	exe := install(filepath.Join(dir, "path", "hyperkit"), 0o755)
	plain := install(filepath.Join(dir, "plain"), 0o644)
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	// first holds only a non-executable xhyve, which must be passed over;
	// second holds both, and xhyve is preferred.
	install(filepath.Join(dir, "first", "xhyve"), 0o644)
	secondXHyve := install(filepath.Join(dir, "second", "xhyve"), 0o755)
	install(filepath.Join(dir, "second", "hyperkit"), 0o755)
	onlyHyperKit := install(filepath.Join(dir, "third", "hyperkit"), 0o755)

	noPath := func(string) (string, error) { return "", errors.New("not found") }
	onPath := func(name string) (string, error) {
		if name == "hyperkit" {
			return exe, nil
		}
		return "", errors.New("not found")
	}
	tests := []struct {
		name     string
		explicit string
		lookPath func(string) (string, error)
		dirs     []string
		want     string
		wantErr  []string // substrings of the error
		wantMsg  string   // the whole error
		wantIs   error
	}{
		{name: "PATH before dirs", lookPath: onPath, dirs: []string{filepath.Join(dir, "second")}, want: exe},
		{name: "explicit", explicit: exe, lookPath: noPath, want: exe},
		{name: "explicit not executable", explicit: plain, lookPath: onPath, wantErr: []string{"not executable", "chmod +x"}},
		{name: "explicit missing", explicit: filepath.Join(dir, "missing"), lookPath: onPath, wantIs: os.ErrNotExist},
		{name: "found in the second dir", lookPath: noPath,
			dirs: []string{empty, filepath.Join(dir, "second")}, want: secondXHyve},
		{name: "non-executable skipped", lookPath: noPath,
			dirs: []string{filepath.Join(dir, "first"), filepath.Join(dir, "third")}, want: onlyHyperKit},
		{name: "not found lists the dirs", lookPath: noPath,
			dirs:    []string{empty, filepath.Join(dir, "first")},
			wantIs:  ErrNotFound,
			wantErr: []string{"on PATH or in " + empty + ", " + filepath.Join(dir, "first")}},
		{name: "no dirs: PATH only", lookPath: noPath, wantIs: ErrNotFound, wantMsg: ErrNotFound.Error() + " on PATH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Find(tt.explicit, tt.lookPath, tt.dirs)
			if tt.wantErr == nil && tt.wantMsg == "" && tt.wantIs == nil {
				if err != nil || got != tt.want {
					t.Fatalf("Find = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Find = %q, want an error", got)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
			for _, sub := range tt.wantErr {
				if !strings.Contains(err.Error(), sub) {
					t.Errorf("error %q lacks %q", err, sub)
				}
			}
			if tt.wantMsg != "" && err.Error() != tt.wantMsg {
				t.Errorf("error %q, want %q", err, tt.wantMsg)
			}
		})
	}
}

func TestIdentifyAndQueryMAC(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []Dialect{XHyve, HyperKit} {
		bin := fakehv.Install(t, dir, string(d), fakehv.Behavior{Dialect: string(d)})
		info, err := Identify(context.Background(), bin)
		if err != nil || info.Dialect != d || info.Path != bin {
			t.Errorf("Identify(%s) = %+v, %v", d, info, err)
		}
		mac, err := QueryMAC(context.Background(), bin, "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef")
		if err != nil || len(mac) != 6 {
			t.Errorf("QueryMAC(%s) = %v, %v", d, mac, err)
		}
		again, _ := QueryMAC(context.Background(), bin, "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef")
		if again.String() != mac.String() {
			t.Errorf("MAC not stable for a UUID: %v then %v", mac, again)
		}
	}
	broken := fakehv.Install(t, dir, "broken", fakehv.Behavior{Dialect: "xhyve", FailStart: "vmnet_start_interface failed: 1001"})
	if _, err := QueryMAC(context.Background(), broken, "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef"); err == nil ||
		!strings.Contains(err.Error(), "vmnet_start_interface failed: 1001") || !strings.Contains(err.Error(), "setuid") {
		t.Errorf("vmnet failure: err %v, want the vmnet message and the setuid hint", err)
	}
	silent := filepath.Join(dir, "silent")
	os.WriteFile(silent, []byte("#!/bin/sh\nexit 0\n"), 0o755)
	if _, err := Identify(context.Background(), silent); err == nil {
		t.Error("a program that prints nothing was identified as a hypervisor")
	}
}

// TestHypervisorThatHangsIsBoundByTheCaller: -v and -M end at the caller's
// deadline, and the error says the hypervisor did not answer.
func TestHypervisorThatHangsIsBoundByTheCaller(t *testing.T) {
	hung := filepath.Join(t.TempDir(), "hung")
	if err := os.WriteFile(hung, []byte("#!/bin/sh\nexec sleep 30\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func(ctx context.Context) error{
		"Identify": func(ctx context.Context) error { _, err := Identify(ctx, hung); return err },
		"QueryMAC": func(ctx context.Context) error {
			_, err := QueryMAC(ctx, hung, "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef")
			return err
		},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		start := time.Now()
		err := call(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within") {
			t.Errorf("%s of a hung hypervisor: %v, want the deadline named", name, err)
		}
		if time.Since(start) > 10*time.Second {
			t.Errorf("%s took %s past a 300ms deadline", name, time.Since(start))
		}
	}
}
