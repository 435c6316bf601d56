package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/test/nfsd/exports"
)

// world makes directories a, b and c under a temporary root and returns a
// function that replaces @ by that root.
func world(t *testing.T) func(string) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"a", "b", "c"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return func(s string) string { return strings.ReplaceAll(s, "@", root) }
}

func TestGaneshaExports(t *testing.T) {
	at := world(t)
	list, errs := exports.Checker{}.Check(strings.NewReader(at(
		"@/a -alldirs -mapall=501:20 192.168.64.2\n@/b -ro -network 192.168.64.0 -mask 255.255.255.0\n@/b -maproot=0:0 192.168.64.3\n@/c\n")))
	if len(errs) > 0 {
		t.Fatal(exports.Report(errs))
	}
	ids := ExportIDs{at("@/b"): 7}
	conf, err := ganeshaExports(list, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Export_Id = 1;\n\tPath = \"" + at("@/a") + "\";\n\tPseudo = \"" + at("@/a") + "\";",
		"Clients = 192.168.64.2;\n\t\tAccess_Type = RW;\n\t\tSquash = All_Squash;\n\t\tAnonymous_Uid = 501;\n\t\tAnonymous_Gid = 20;",
		"Export_Id = 7;",
		"Export_Id = 2;\n\tPath = \"" + at("@/c") + "\"",
		"Clients = *;\n\t\tAccess_Type = RW;\n\t\tSquash = Root_Squash;\n\t\tAnonymous_Uid = 4294967294;",
		"Access_Type = None;",
		"Clients = 127.0.0.1;\n\t\tAccess_Type = MDONLY_RO;",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("config lacks %q:\n%s", want, conf)
		}
	}
	// the host rule of /b comes before its network rule
	b := conf[strings.Index(conf, "Export_Id = 7;"):]
	if h, n := strings.Index(b, "192.168.64.3;"), strings.Index(b, "192.168.64.0/24;"); h < 0 || n < 0 || h > n {
		t.Errorf("rule order in /b: host at %d, network at %d:\n%s", h, n, b)
	}
	if !strings.Contains(b, "Clients = 192.168.64.3;\n\t\tAccess_Type = RW;\n\t\tSquash = No_Root_Squash;") {
		t.Errorf("maproot=0 is not no_root_squash:\n%s", b)
	}
	// ids persist and stay stable when an export goes away
	if got := string(ids.bytes()); got != "1 "+at("@/a")+"\n2 "+at("@/c")+"\n7 "+at("@/b")+"\n" {
		t.Errorf("ids: %q", got)
	}
	conf2, _ := ganeshaExports(list[1:], ids)
	if !strings.Contains(conf2, "Export_Id = 2;\n\tPath = \""+at("@/c")) {
		t.Errorf("id of @/c changed:\n%s", conf2)
	}
	file := filepath.Join(t.TempDir(), "ids")
	os.WriteFile(file, ids.bytes(), 0o644)
	back, err := loadIDs(file)
	if err != nil || len(back) != 3 || back[at("@/b")] != 7 {
		t.Errorf("loadIDs: %v %v", back, err)
	}
	if conf, _ := ganeshaExports([]exports.Export{{Path: "/"}}, ExportIDs{}); !strings.Contains(conf, "Path = \"/\";\n\tPseudo = \"/.root\";") {
		t.Errorf("an export of / must not take ganesha's pseudo root:\n%s", conf)
	}
	if _, err := ganeshaExports([]exports.Export{{Path: `/a"b`}}, ExportIDs{}); err == nil {
		t.Error("a path with a quote must be refused")
	}
}

func TestDecodeExports(t *testing.T) {
	var w xdrWriter
	str := func(s string) {
		w.u32(uint32(len(s)))
		w = append(w, s...)
		for len(w)%4 != 0 {
			w = append(w, 0)
		}
	}
	w.u32(1)
	str("/z")
	w.u32(1)
	str("192.168.64.3/32")
	w.u32(1)
	str("127.0.0.1/32")
	w.u32(0)
	w.u32(1)
	str("/a b")
	w.u32(1)
	str("*")
	w.u32(0)
	w.u32(0)
	got, err := decodeExports(w)
	if err != nil {
		t.Fatal(err)
	}
	if s := formatServed(got); s != "/a b *\n/z 192.168.64.3" {
		t.Errorf("got %q", s)
	}
	if _, err := decodeExports(w[:len(w)-6]); err == nil {
		t.Error("a truncated reply must fail")
	}
}

func TestRunCheckexports(t *testing.T) {
	at := world(t)
	file := filepath.Join(t.TempDir(), "exports")
	os.WriteFile(file, []byte(at("@/a -alldirs -mapall=0:0 127.0.0.1\n")), 0o644)
	var out, errb bytes.Buffer
	if rc := run([]string{"-F", file, "checkexports"}, &out, &errb); rc != 0 {
		t.Errorf("good file: rc %d, stderr %q", rc, errb.String())
	}
	os.WriteFile(file, []byte(at("# x\n@/a -alldirs -mapall=0:0 127.0.0.1\n@/a -nope 127.0.0.2\n")), 0o644)
	errb.Reset()
	if rc := run([]string{"-F", file, "checkexports"}, &out, &errb); rc != 1 || !strings.HasPrefix(errb.String(), "exports:3: ") {
		t.Errorf("bad file: rc %d, stderr %q", rc, errb.String())
	}
	errb.Reset()
	if rc := run([]string{"-F", file + ".missing", "checkexports"}, &out, &errb); rc != 1 || !strings.Contains(errb.String(), "Can't open") {
		t.Errorf("missing file: rc %d, stderr %q", rc, errb.String())
	}
	if rc := run([]string{"frobnicate"}, &out, &errb); rc != 1 {
		t.Errorf("unknown command: rc %d", rc)
	}
}
