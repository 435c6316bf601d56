package main

import (
	"strings"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/xhyveargv"
)

// testUUID is the RFC 4122 example UUID.
const testUUID = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"

func TestStatuses(t *testing.T) {
	for _, tc := range []struct {
		d    xhyveargv.Dialect
		how  string
		want int
	}{
		{xhyveargv.Xhyve, "reset", 0}, {xhyveargv.Xhyve, "poweroff", 1}, {xhyveargv.Xhyve, "halt", 2}, {xhyveargv.Xhyve, "crash", 3},
		{xhyveargv.Hyperkit, "reset", 2}, {xhyveargv.Hyperkit, "poweroff", 0}, {xhyveargv.Hyperkit, "halt", 0}, {xhyveargv.Hyperkit, "crash", 3},
	} {
		if got := statusFor(tc.d, tc.how); got != tc.want {
			t.Errorf("%v %s: %d, want %d", tc.d, tc.how, got, tc.want)
		}
	}
}

func TestVersionText(t *testing.T) {
	v := versionText(xhyveargv.Xhyve, "xhyve")
	if !strings.HasPrefix(v, "xhyve: v0.2.0-standin\n\n") || !strings.HasSuffix(v, "Homepage: http://www.xhyve.xyz\nLicense: BSD\n\n") {
		t.Errorf("xhyve version text %q", v)
	}
	v = versionText(xhyveargv.Xhyve020, "xhyve")
	if !strings.HasPrefix(v, "xhyve: 0.2.0\n\n") || !strings.HasSuffix(v, "Homepage: https://github.com/mist64/xhyve\nLicense: BSD\n\n") {
		t.Errorf("xhyve v0.2.0 version text %q", v)
	}
	v = versionText(xhyveargv.Hyperkit, "hyperkit")
	if v != "hyperkit: v0.20210107-standin\n\nHomepage: https://github.com/docker/hyperkit\nLicense: BSD\n\n" {
		t.Errorf("hyperkit version text %q", v)
	}
}

// TestDialectFor: the name the stand-in runs as picks the dialect, and
// XHYVE_STANDIN_RELEASE=v0.2.0 plays xhyve's only release.
func TestDialectFor(t *testing.T) {
	for _, tc := range []struct {
		prog, release string
		want          xhyveargv.Dialect
		ok            bool
	}{
		{"xhyve", "", xhyveargv.Xhyve, true},
		{"xhyve", "v0.2.0", xhyveargv.Xhyve020, true},
		{"goxhyve", "v0.2.0", xhyveargv.Xhyve020, true},
		{"xhyve", "v0.3.0", 0, false},
		{"hyperkit", "v0.2.0", 0, false},
		{"hyperkit", "", xhyveargv.Hyperkit, true},
	} {
		d, err := dialectFor(tc.prog, tc.release)
		if (err == nil) != tc.ok || (tc.ok && d != tc.want) {
			t.Errorf("dialectFor(%q, %q) = %v, %v", tc.prog, tc.release, d, err)
		}
	}
}
