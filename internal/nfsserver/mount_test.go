package nfsserver

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/willscott/go-nfs-client/nfs/rpc"
)

func TestMountOnlyExactShares(t *testing.T) {
	parent := t.TempDir()
	share := filepath.Join(parent, "src")
	other := filepath.Join(parent, "other")
	for _, d := range []string{filepath.Join(share, "sub"), other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ts := startServer(t, []string{share}, nil)
	m := dial(t, ts.addr)
	auth := rpc.NewAuthUnix("test", 0, 0).Auth()

	for _, p := range []string{"/", parent, filepath.Join(share, "sub"), other, "/etc", "src", share + "/.."} {
		if _, err := m.Mount(p, auth); err == nil || !strings.Contains(err.Error(), "MNT3ERR_ACCES") {
			t.Errorf("mount %q: %v, want MNT3ERR_ACCES", p, err)
		}
		ts.log.waitFor(t, "refused mount of", p+`"`)
	}
	// go-nfs rejects an empty path as undecodable before asking.
	if _, err := m.Mount("", auth); err == nil {
		t.Error("mount of the empty path succeeded")
	}
	for _, p := range []string{share, share + "/"} {
		if _, err := m.Mount(p, auth); err != nil {
			t.Errorf("mount %q: %v", p, err)
		}
	}
	ts.log.waitFor(t, "mounted "+share)
}

func TestNewRejectsBadShares(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	writeFile(t, file, "x")
	allowed := func() (net.IP, error) { return loopback, nil }
	for name, shares := range map[string][]string{
		"none":      nil,
		"relative":  {"src"},
		"unclean":   {dir + "/./x"},
		"duplicate": {dir, dir},
		"missing":   {filepath.Join(dir, "missing")},
		"file":      {file},
	} {
		if s, err := New(Config{Shares: shares, Allowed: allowed}); err == nil {
			closeOK(t, s)
			t.Errorf("%s: New(%q) succeeded", name, shares)
		}
	}
	if _, err := New(Config{Shares: []string{dir}}); err == nil {
		t.Error("New without Allowed succeeded")
	}
}
