package hypervisor

import (
	"bytes"
	"net"
	"strings"
	"testing"
)

// modelVersion is the banner rule in its plainest form: the first non-blank
// line must be "name: version", and the name says the dialect.
func modelVersion(out []byte) (Info, bool) {
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, version, _ := strings.Cut(line, ":")
		name, version = strings.TrimSpace(name), strings.TrimSpace(version)
		switch {
		case version == "" || name == "goxhyve":
		case strings.Contains(name, "hyperkit"):
			return Info{Dialect: HyperKit, Version: version}, true
		case name == "xhyve":
			return Info{Dialect: XHyve, Version: version}, true
		}
		return Info{}, false
	}
	return Info{}, false
}

func FuzzParseVersion(f *testing.F) {
	for _, seed := range []string{
		"xhyve: v0.2.0\n\nHomepage: https://github.com/mist64/xhyve\nLicense: BSD\n",
		"hyperkit: v0.20200224-44-gb54460\n\nHomepage: https://github.com/docker/hyperkit\nLicense: BSD\n\n",
		"\r\n  com.docker.hyperkit: 20170515-fa78d94\r\n",
		"goxhyve: 0.1\n",
		"xhyve:\nhyperkit: v1\n",
		"xhyve: v0.2.0: extra",
		"usage: xhyve [-behuwxMACHPWY] [-c vcpus] [-g <gdb port>] [-l <lpc>]\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		info, err := ParseVersion(out)
		want, ok := modelVersion(out)
		if (err == nil) != ok || info != want {
			t.Fatalf("ParseVersion(%q) = %+v, %v; want %+v (ok %v)", out, info, err, want, ok)
		}
		if err != nil {
			return
		}
		if info.Version != strings.TrimSpace(info.Version) || !bytes.Contains(out, []byte(info.Version)) {
			t.Fatalf("ParseVersion(%q): version %q is not a trimmed piece of the banner", out, info.Version)
		}
	})
}

// modelMAC: the first line starting "MAC: " (after blanks) decides; its
// value must be a 6-byte MAC.
func modelMAC(out []byte) (net.HardwareAddr, string, bool) {
	for _, line := range strings.Split(string(out), "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "MAC: ")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		mac, err := net.ParseMAC(v)
		return mac, v, err == nil && len(mac) == 6
	}
	return nil, "", false
}

func FuzzParseMACOutput(f *testing.F) {
	for _, seed := range []string{
		"MAC: 0a:3b:4c:5d:6e:7f\n",
		"vmnet: starting\r\n  MAC: 0A:3B:4C:5D:6E:7F  \r\n",
		"vmnet_start_interface failed: 1001\n",
		"MAC: 0a:3b:4c:5d:6e:7f:00:11\nMAC: 0a:3b:4c:5d:6e:7f\n",
		"MAC: 0a-3b-4c-5d-6e-7f",
		"MAC:0a:3b:4c:5d:6e:7f\nMAC: 02:00:00:00:00:01\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		mac, err := ParseMACOutput(out)
		if err == nil {
			if len(mac) != 6 {
				t.Fatalf("ParseMACOutput(%q) = %v: not 6 bytes", out, mac)
			}
		}
		want, text, ok := modelMAC(out)
		if (err == nil) != ok || ok && !bytes.Equal(mac, want) {
			t.Fatalf("ParseMACOutput(%q) = %v, %v; want %v (ok %v)", out, mac, err, want, ok)
		}
		if ok && (!bytes.Contains(out, []byte(text)) || !bytes.Contains(out, []byte("MAC: "))) {
			t.Fatalf("ParseMACOutput(%q): %q is not in the output", out, text)
		}
	})
}
