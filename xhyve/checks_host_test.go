package xhyve

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/internal/hostinfo"
	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
)

// fixture reads a file of internal/hostinfo's documented-output fixtures.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "internal", "hostinfo", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestCheckCPU(t *testing.T) {
	for _, tt := range []struct {
		sysctl, goarch string
		want           string // in what it found, or in the error
		ok             bool
	}{
		{"intel.txt", "amd64", "Intel (Intel(R) Core(TM) i7-8850H CPU @ 2.60GHz), not under Rosetta", true},
		{"intel.txt", "arm64", "Intel Macs only: this plugin is a darwin/arm64 build", false},
		{"apple-silicon-native.txt", "arm64", "Intel Macs only: this plugin is a darwin/arm64 build, running on Apple M1", false},
		{"apple-silicon-native.txt", "amd64", "Intel Macs only: this is an Apple silicon Mac (Apple M1, hw.optional.arm64 = 1)", false},
		{"apple-silicon-rosetta.txt", "amd64", "Intel Macs only: this is an Apple silicon Mac (Apple M1) running the plugin under Rosetta", false},
		{"amd.txt", "amd64", `Intel Macs only: the CPU's vendor is "AuthenticAMD"`, false},
	} {
		values, err := hostinfo.ParseSysctl(bytes.NewReader(fixture(t, "sysctl/"+tt.sysctl)))
		if err != nil {
			t.Fatal(err)
		}
		found, err := checkCPU(hostinfo.CPUFromSysctl(values), tt.goarch)
		if tt.ok {
			if err != nil || found != tt.want {
				t.Errorf("%s on %s: %q, %v; want %q", tt.sysctl, tt.goarch, found, err, tt.want)
			}
			continue
		}
		if !errors.Is(err, errHostUnsupported) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "Virtualization.framework") {
			t.Errorf("%s on %s: %v; want the Intel-only failure with %q", tt.sysctl, tt.goarch, err, tt.want)
		}
	}
	if _, err := checkCPU(hostinfo.CPU{}, "amd64"); !errors.Is(err, errHostUnsupported) {
		t.Errorf("no sysctl values at all: %v, want a failure", err)
	}
}

func TestCheckMacOS(t *testing.T) {
	for _, tt := range []struct {
		file, want string
		ok         bool
	}{
		{"catalina-10.15.7.txt", "macOS 10.15.7 is older than macOS 12.0, the oldest this driver supports", false},
		{"bigsur-11.7.10.txt", "macOS 11.7.10 is older than macOS 12.0", false},
		{"compat-10.16.txt", "unset SYSTEM_VERSION_COMPAT", false},
		{"monterey-12.7.6.txt", "macOS 12.7.6", true},
		{"tahoe-26.1.txt", "macOS 26.1", true},
	} {
		v, err := hostinfo.ParseProductVersion(bytes.NewReader(fixture(t, "sw_vers/"+tt.file)))
		if err != nil {
			t.Fatal(err)
		}
		found, err := checkMacOS(v)
		if tt.ok != (err == nil) || !strings.Contains(found+errString(err), tt.want) {
			t.Errorf("%s: %q, %v; want %q", tt.file, found, err, tt.want)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestCheckEntitlement(t *testing.T) {
	const path = "/usr/local/bin/xhyve"
	monterey, catalina := hostinfo.Version{Major: 12, Minor: 7, Patch: 6}, hostinfo.Version{Major: 10, Minor: 15, Patch: 7}
	exit1 := errors.New("exit status 1")
	for _, tt := range []struct {
		name           string
		v              hostinfo.Version
		stdout, stderr []byte
		runErr         error
		want           string
		ok             bool
	}{
		{"blob and XML (older codesign)", monterey, fixture(t, "codesign/blob.bin"), []byte("Executable=" + path + "\n"), nil, "carries com.apple.security.hypervisor", true},
		{"listing (newer codesign)", monterey, fixture(t, "codesign/listing.txt"), nil, nil, "carries", true},
		{"XML alone", monterey, fixture(t, "codesign/xml.plist"), nil, nil, "carries", true},
		{"xhyve's list without it", monterey, fixture(t, "codesign/blob-without.bin"), nil, nil, "lacks the com.apple.security.hypervisor entitlement", false},
		{"set to false", monterey, fixture(t, "codesign/listing-false.txt"), nil, nil, "lacks", false},
		{"other entitlements only", monterey, fixture(t, "codesign/listing-without.txt"), nil, nil, "lacks", false},
		{"signed without entitlements", monterey, fixture(t, "codesign/none.txt"), nil, nil, "codesign -s - --entitlements /tmp/hypervisor.entitlements --force " + path, false},
		{"unsigned (plain make)", monterey, nil, []byte(path + ": code object is not signed at all\n"), exit1, path + " is not signed: macOS 11.0 and later", false},
		{"codesign fails otherwise", monterey, nil, []byte("codesign: no such file\n"), exit1, "codesign: no such file", false},
		{"damaged output", monterey, []byte("garbage"), nil, nil, "read the entitlements", false},
		{"before macOS 11", catalina, nil, nil, nil, "not needed before macOS 11.0", true},
	} {
		found, err := checkEntitlement(path, tt.v, tt.stdout, tt.stderr, tt.runErr)
		if tt.ok != (err == nil) || !strings.Contains(found+errString(err), tt.want) {
			t.Errorf("%s: %q, %v; want %q", tt.name, found, err, tt.want)
		}
	}
}

// v020Usage is xhyve v0.2.0's usage (src/xhyve.c at the tag), which it
// prints after getopt's complaint about an option it lacks.
const v020Usage = `Usage: xhyve [-behuwxACHPWY] [-c vcpus] [-g <gdb port>] [-l <lpc>]
             [-m mem] [-p vcpu:hostcpu] [-s <pci>] [-U uuid] -f <fw>
       -A: create ACPI tables
       -v: show build version
`

func TestOptionAccepted(t *testing.T) {
	exit1 := errors.New("exit status 1")
	for _, tt := range []struct {
		name   string
		out    string
		runErr error
		ok     bool
		detail string
	}{
		{"master xhyve", "xhyve: v0.2.0-77-gdfbe09b\n\nxhyve is a port of FreeBSD's bhyve hypervisor to OS X that\n", nil, true, ""},
		{"hyperkit", "hyperkit: v0.20210107\n\nHomepage: https://github.com/docker/hyperkit\nLicense: BSD\n\n", nil, true, ""},
		{"xhyve v0.2.0", "xhyve: illegal option -- F\n" + v020Usage, exit1, false, "xhyve: illegal option -- F"},
		{"usage but exit 0", v020Usage, nil, false, "Usage: xhyve"},
		{"silent failure", "", exit1, false, "exit status 1"},
	} {
		ok, detail := optionAccepted([]byte(tt.out), tt.runErr)
		if ok != tt.ok || detail != tt.detail && !strings.HasPrefix(detail, tt.detail) {
			t.Errorf("%s: %v %q; want %v %q", tt.name, ok, detail, tt.ok, tt.detail)
		}
	}
}

// installV020 writes a stand-in for xhyve v0.2.0 as Homebrew built it: -v
// prints its banner; -F and -M are illegal options (getopt handles options
// in order, so whichever comes first decides).
func installV020(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "usage"), []byte(v020Usage), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "xhyve")
	script := "#!/bin/sh\nfor a in \"$@\"; do\n  case \"$a\" in\n" +
		"  -v) printf 'xhyve: 0.2.0\\n\\nxhyve is a port of FreeBSD'\"'\"'s bhyve hypervisor to OS X\\n' >&2; exit 0;;\n" +
		"  -F|-M) echo \"xhyve: illegal option -- ${a#-}\" >&2; cat \"" + filepath.Join(dir, "usage") + "\" >&2; exit 1;;\n" +
		"  esac\ndone\nexit 1\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestXhyveV020Refused: doctor and PreCreateCheck refuse xhyve v0.2.0,
// naming the version found and how to get a hypervisor that works.
func TestXhyveV020Refused(t *testing.T) {
	d := doctorDriver(t, false)
	d.Hypervisor = installV020(t)
	if found, err := runCheck(t, d, "hypervisor"); err != nil || !strings.Contains(found, "xhyve 0.2.0") {
		t.Errorf("hypervisor: %q, %v; want it identified", found, err)
	}
	_, err := runCheck(t, d, "hypervisor options")
	for _, want := range []string{"xhyve 0.2.0 (" + d.Hypervisor + ") lacks -F (pidfile) and -M (MAC query)", "v0.2.0 of 2015", `"xhyve: illegal option -- F"`, "Build xhyve from its current source or install hyperkit", "--xhyve-hypervisor"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("hypervisor options: %v; want %q", err, want)
		}
	}
	var out bytes.Buffer
	if code := runDoctor(d, &out); code != 1 || !strings.Contains(out.String(), "FAIL  hypervisor options:") || !strings.Contains(out.String(), "xhyve 0.2.0 (") {
		t.Errorf("doctor: %d\n%s", code, out.String())
	}
	if err := d.PreCreateCheck(); err == nil || !strings.Contains(err.Error(), "lacks -F (pidfile) and -M (MAC query)") {
		t.Errorf("PreCreateCheck: %v", err)
	}
}

func TestOptionsMissingNamesDialect(t *testing.T) {
	err := optionsMissing(hypervisor.Info{Path: "/opt/hk", Dialect: hypervisor.HyperKit, Version: "v0.1"}, []string{"-M (MAC query)"}, []string{"hyperkit: illegal option -- M"})
	if !strings.Contains(err.Error(), "hyperkit v0.1 (/opt/hk) lacks -M (MAC query)") || strings.Contains(err.Error(), "2015") {
		t.Errorf("%v", err)
	}
}

// TestIntelOnlyIsTheOneFailure: on Apple silicon doctor prints the CPU
// failure and skips the rest, even what would fail on its own.
func TestIntelOnlyIsTheOneFailure(t *testing.T) {
	d := doctorDriver(t, false) // no hypervisor either
	d.env.hostChecks = func() []check {
		return []check{
			{name: "CPU", run: func() (string, error) {
				return checkCPU(hostinfo.CPU{AppleSilicon: true, Translated: true, Brand: "Apple M2"}, "amd64")
			}},
			{name: "Hypervisor.framework", run: func() (string, error) { return "", errors.New("kern.hv_support") }},
		}
	}
	var out bytes.Buffer
	code := runDoctor(d, &out)
	text := out.String()
	if code != 1 || strings.Count(text, "FAIL") != 1 {
		t.Errorf("doctor on Apple silicon: %d, want exactly one failure\n%s", code, text)
	}
	for _, want := range []string{"FAIL  CPU:", "Intel Macs only: this is an Apple silicon Mac (Apple M2) running the plugin under Rosetta", "skip  Hypervisor.framework:", "skip  hypervisor:", "not checked: Intel Macs only (see above)", "1 check(s) failed"} {
		if !strings.Contains(text, want) {
			t.Errorf("doctor on Apple silicon does not say %q:\n%s", want, text)
		}
	}
}

// TestHypervisorChecksGetThePath: a platform check that needs the
// hypervisor gets the one found, or is skipped without one.
func TestHypervisorChecksGetThePath(t *testing.T) {
	d := doctorDriver(t, true)
	var got string
	d.env.hostChecksAfter = func() []check {
		return []check{{name: "hypervisor entitlement", onHypervisor: func(path string) (string, error) { got = path; return "signed", nil }}}
	}
	if found, err := runCheck(t, d, "hypervisor entitlement"); err != nil || found != "signed" || got != d.Hypervisor {
		t.Errorf("with a hypervisor: %q, %v, path %q want %q", found, err, got, d.Hypervisor)
	}
	d.Hypervisor = filepath.Join(t.TempDir(), "missing")
	if _, err := runCheck(t, d, "hypervisor entitlement"); !errors.Is(err, errSkipped) {
		t.Errorf("without one: %v, want skipped", err)
	}
}
