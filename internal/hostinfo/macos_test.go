package hostinfo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestParseProductVersion(t *testing.T) {
	for _, tt := range []struct {
		file string
		want Version
	}{
		{"sw_vers/catalina-10.15.7.txt", Version{10, 15, 7}},
		{"sw_vers/bigsur-11.7.10.txt", Version{11, 7, 10}},
		{"sw_vers/monterey-12.7.6.txt", Version{12, 7, 6}},
		{"sw_vers/tahoe-26.1.txt", Version{26, 1, 0}},
		{"sw_vers/compat-10.16.txt", Version{10, 16, 0}},
	} {
		got, err := ParseProductVersion(open(t, tt.file))
		if err != nil || got != tt.want {
			t.Errorf("%s: %v, %v; want %v", tt.file, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "12", "12.x", "12.1.2.3", "-1.2", "12.01", "ProductVersion: 12.1"} {
		if v, err := ParseProductVersion(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: %v, want an error", bad, v)
		}
	}
}

func TestVersionAtLeastAndString(t *testing.T) {
	for _, tt := range []struct {
		v, min Version
		want   bool
	}{
		{Version{12, 0, 0}, Version{12, 0, 0}, true},
		{Version{26, 1, 0}, Version{12, 0, 0}, true},
		{Version{11, 7, 10}, Version{12, 0, 0}, false},
		{Version{10, 15, 7}, Version{11, 0, 0}, false},
		{Version{12, 0, 1}, Version{12, 0, 2}, false},
		{Version{12, 1, 0}, Version{12, 0, 9}, true},
	} {
		if got := tt.v.AtLeast(tt.min); got != tt.want {
			t.Errorf("%v.AtLeast(%v) = %v", tt.v, tt.min, got)
		}
	}
	if s := (Version{26, 1, 0}).String(); s != "26.1" {
		t.Errorf("String: %q", s)
	}
	if s := (Version{10, 15, 7}).String(); s != "10.15.7" {
		t.Errorf("String: %q", s)
	}
}

func TestCPUFromSysctlFixtures(t *testing.T) {
	for _, tt := range []struct {
		file string
		want CPU
	}{
		{"sysctl/intel.txt", CPU{Vendor: "GenuineIntel", Brand: "Intel(R) Core(TM) i7-8850H CPU @ 2.60GHz"}},
		{"sysctl/apple-silicon-native.txt", CPU{AppleSilicon: true, Brand: "Apple M1"}},
		{"sysctl/apple-silicon-rosetta.txt", CPU{AppleSilicon: true, Translated: true, Brand: "Apple M1"}},
		{"sysctl/amd.txt", CPU{Vendor: "AuthenticAMD", Brand: "AMD Ryzen 7 3700X 8-Core Processor"}},
	} {
		values, err := ParseSysctl(open(t, tt.file))
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if got := CPUFromSysctl(values); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.file, got, tt.want)
		}
	}
	for _, bad := range []string{"", "\n\n", "no colon here", "two words: 1"} {
		if v, err := ParseSysctl(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: %v, want an error", bad, v)
		}
	}
}
