package main

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testChecker resolves a fixed world: users root(0:0) and me(501:20),
// group staff(20), host vm.local = 192.168.64.7; every directory exportable.
func testChecker() Checker {
	return Checker{
		LookupHost: func(name string) ([]netip.Addr, error) {
			if name == "vm.local" {
				return []netip.Addr{netip.MustParseAddr("192.168.64.7")}, nil
			}
			return nil, errors.New("no such host")
		},
		LookupUser: func(name string) (uint32, uint32, error) {
			switch name {
			case "root", "0":
				return 0, 0, nil
			case "me", "501":
				return 501, 20, nil
			}
			return 0, 0, errors.New("unknown user")
		},
		LookupGroup: func(name string) (uint32, error) {
			if name == "staff" {
				return 20, nil
			}
			return 0, errors.New("unknown group")
		},
	}
}

// world makes directories under a temporary root and returns a function
// that replaces @ by that root.
func world(t *testing.T) func(string) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"a", "a/sub", "b", "c", "with space", "x/y"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(root, "a"), filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return func(s string) string { return strings.ReplaceAll(s, "@", root) }
}

func TestCheckAccepts(t *testing.T) {
	at := world(t)
	tests := []struct {
		name, file string
		want       string // PATH RULE... per export, rules as MATCH/ro/alldirs/squash/anon
	}{
		{"driver block", "# BEGIN: docker-machine-driver-xhyve /m/dev @/a\n@/a -alldirs -mapall=0:0 192.168.64.2\n# END: docker-machine-driver-xhyve /m/dev @/a\n",
			"@/a 192.168.64.2/rw/alldirs/all/0:0"},
		{"quoted path with a space", `"@/with space" -alldirs -mapall=501:20 192.168.64.2` + "\n",
			"@/with space 192.168.64.2/rw/alldirs/all/501:20"},
		{"escaped space", `@/with\ space 192.168.64.2` + "\n",
			"@/with space 192.168.64.2/rw/-/root/4294967294:4294967294"},
		{"continuation and blank lines", "\n\n@/a -ro \\\n 192.168.64.2 \\\n\t192.168.64.3\n\n",
			"@/a 192.168.64.2/ro/-/root/4294967294:4294967294 192.168.64.3/ro/-/root/4294967294:4294967294"},
		{"same directory, other hosts on other lines (two machines)", "@/a -alldirs -mapall=0:0 192.168.64.2\n@/a -alldirs -mapall=501:20 192.168.64.3\n",
			"@/a 192.168.64.2/rw/alldirs/all/0:0 192.168.64.3/rw/alldirs/all/501:20"},
		{"user and group names", "@/a -mapall=me 192.168.64.2\n@/b -maproot=root:staff 192.168.64.2\n",
			"@/a 192.168.64.2/rw/-/all/501:20\n@/b 192.168.64.2/rw/-/none/0:20"},
		{"maproot to a user", "@/a -maproot=501:20 192.168.64.2\n", "@/a 192.168.64.2/rw/-/root/501:20"},
		{"nobody as -2", "@/a -mapall=-2:-2 192.168.64.2\n", "@/a 192.168.64.2/rw/-/all/4294967294:4294967294"},
		{"option value in the next field, comma list", "@/a -mapall 0:0 -ro,alldirs 192.168.64.2\n", "@/a 192.168.64.2/ro/alldirs/all/0:0"},
		{"network and mask", "@/a -network 192.168.64.0 -mask 255.255.255.0\n", "@/a 192.168.64.0/24/rw/-/root/4294967294:4294967294"},
		{"network=, mask= and classful default", "@/a -network=10.1.2.3 -mask=255.255.0.0\n@/b -network 10.0.0.0\n",
			"@/a 10.1.0.0/16/rw/-/root/4294967294:4294967294\n@/b 10.0.0.0/8/rw/-/root/4294967294:4294967294"},
		{"default export", "@/a -ro\n", "@/a */ro/-/root/4294967294:4294967294"},
		{"host name", "@/a vm.local\n", "@/a 192.168.64.7/rw/-/root/4294967294:4294967294"},
		{"a host twice on one line counts once", "@/a 192.168.64.2 192.168.64.2\n", "@/a 192.168.64.2/rw/-/root/4294967294:4294967294"},
		{"subdirectories on the line are mount points, not exports", "@/a @/a/sub 192.168.64.2\n", "@/a 192.168.64.2/rw/-/root/4294967294:4294967294"},
		{"siblings are separate exports", "@/a @/b 192.168.64.2\n",
			"@/a 192.168.64.2/rw/-/root/4294967294:4294967294\n@/b 192.168.64.2/rw/-/root/4294967294:4294967294"},
		{"trailing and double slashes", "@//a/ 192.168.64.2\n", "@/a 192.168.64.2/rw/-/root/4294967294:4294967294"},
		{"sec and ignored options", "@/a -sec=sys:krb5 -32bitclients -offline -fspath=/ -fsuuid=01234567-89ab-cdef-0123-456789abcdef 192.168.64.2\n",
			"@/a 192.168.64.2/rw/-/root/4294967294:4294967294"},
		{"comment lines and CRLF", "# hello\r\n  # indented comment\r\n@/a 192.168.64.2\r\n", "@/a 192.168.64.2/rw/-/root/4294967294:4294967294"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exports, errs := testChecker().Check([]byte(at(tt.file)))
			if len(errs) > 0 {
				t.Fatalf("unexpected errors:\n%s", Report(errs))
			}
			if got := summarize(exports); got != at(tt.want) {
				t.Errorf("got\n%s\nwant\n%s", got, at(tt.want))
			}
		})
	}
}

func summarize(exports []Export) string {
	var lines []string
	for _, x := range exports {
		s := x.Path
		for _, r := range x.Rules {
			ro, all := "rw", "-"
			if r.ReadOnly {
				ro = "ro"
			}
			if r.AllDirs {
				all = "alldirs"
			}
			s += " " + r.Match + "/" + ro + "/" + all + "/" + r.Squash + "/" + r.Anon.String()
		}
		lines = append(lines, s)
	}
	return strings.Join(lines, "\n")
}

func TestCheckRejects(t *testing.T) {
	at := world(t)
	tests := []struct {
		name, file string
		want       []string // each error line, in order
	}{
		{"relative path", "src -alldirs 192.168.64.2\n", []string{"exports:1: got host/group with no directory?: src"}},
		{"missing directory", "@/nope 192.168.64.2\n", []string{
			"exports:1: path contains non-directory or non-existent components: @/nope",
			"exports:1: no usable directories in export entry and no fallback"}},
		{"a file", "@/file 192.168.64.2\n", []string{
			"exports:1: path contains non-directory or non-existent components: @/file",
			"exports:1: no usable directories in export entry and no fallback"}},
		{"a symbolic link", "@/link 192.168.64.2\n", []string{
			"exports:1: path contains non-directory or non-existent components: @/link",
			"exports:1: no usable directories in export entry and no fallback"}},
		{"unknown option", "@/a -alldir 192.168.64.2\n", []string{"exports:1: error processing options: -alldir: unrecognized export option: alldir"}},
		{"flag with a value", "@/a -ro=1 192.168.64.2\n", []string{"exports:1: error processing options: -ro=1: export option 'ro' takes no value"}},
		{"mapall without value", "@/a 192.168.64.2 -mapall\n", []string{"exports:1: error processing options: -mapall: export option 'mapall' missing a value"}},
		{"unknown user", "@/a -mapall=nobody-here 192.168.64.2\n", []string{"exports:1: error processing options: -mapall=nobody-here: map credential error: Unknown user: nobody-here"}},
		{"uid alone must be a user", "@/a -mapall=1234 192.168.64.2\n", []string{"exports:1: error processing options: -mapall=1234: map credential error: Unknown user: 1234"}},
		{"bad uid", "@/a -mapall=50x:20 192.168.64.2\n", []string{"exports:1: error processing options: -mapall=50x:20: map credential error: Unknown user: 50x"}},
		{"unknown group", "@/a -mapall=0:wheel-nope 192.168.64.2\n", []string{"exports:1: error processing options: -mapall=0:wheel-nope: map credential error: Unknown group: wheel-nope"}},
		{"no group", "@/a -mapall=0: 192.168.64.2\n", []string{"exports:1: error processing options: -mapall=0:: map credential error: no groups found: 0:"}},
		{"mapall and maproot", "@/a -mapall=0:0 -maproot=0:0 192.168.64.2\n", []string{
			"exports:1: -mapall and -maproot mutually exclusive", "exports:1: bad export options"}},
		{"mask without network", "@/a -mask 255.0.0.0\n", []string{"exports:1: -mask requires -net", "exports:1: bad export options"}},
		{"bad mask", "@/a -network 10.0.0.0 -mask 255.0.255.0\n", []string{"exports:1: error processing options: -mask: Bad mask: 255.0.255.0"}},
		{"bad network", "@/a -network ten\n", []string{"exports:1: error processing options: -network: Bad net: ten"}},
		{"network and hosts", "@/a -network 10.0.0.0 192.168.64.2\n", []string{"exports:1: can't specify both network and hosts on same line"}},
		{"unknown host", "@/a nohost.invalid\n", []string{
			"exports:1: couldn't get address for host: nohost.invalid", "exports:1: no valid hosts found for export"}},
		{"IPv6 host", "@/a ::1\n", []string{
			"exports:1: couldn't get address for host: ::1", "exports:1: no valid hosts found for export"}},
		{"options first", "-alldirs @/a 192.168.64.2\n", []string{"exports:1: got options with no exported directory: -alldirs"}},
		{"directory after a host", "@/a 192.168.64.2 @/b\n", []string{"exports:1: Directories must be first: @/b"}},
		{"same host twice, other options", "@/a -mapall=0:0 192.168.64.2\n@/a -mapall=501:20 192.168.64.2\n", []string{
			"exports:2: conflicting exports for @/a, 192.168.64.2 (line 1)", "exports:2: export option conflict for @/a"}},
		{"same host twice, same options", "@/a -alldirs 192.168.64.2\n\n@/a -alldirs 192.168.64.2\n", []string{
			"exports:3: duplicate export for @/a, 192.168.64.2 (line 1): a host may be given only once per directory",
			"exports:3: export option conflict for @/a"}},
		{"default export twice", "@/a -ro\n@/a\n", []string{
			"exports:2: multiple/conflicting default exports for @/a (line 1)", "exports:2: export option conflict for @/a"}},
		{"nested exports (inner later)", "@/a 192.168.64.2\n@/a/sub 192.168.64.3\n", []string{"exports:2: @/a/sub conflicts with existing export @/a"}},
		{"nested exports (outer later)", "@/x/y 192.168.64.2\n@/x 192.168.64.3\n", []string{"exports:2: @/x conflicts with existing export @/x/y"}},
		{"duplicate directory on a line", "@/a @/a 192.168.64.2\n", []string{"exports:1: duplicate directory: @/a"}},
		{"line number of a continued entry", "# one\n@/a \\\n -bogus 192.168.64.2\n@/b -bogus2\n", []string{
			"exports:2: error processing options: -bogus: unrecognized export option: bogus",
			"exports:4: error processing options: -bogus2: unrecognized export option: bogus2"}},
		{"good lines survive bad ones", "@/a 192.168.64.2\n@/nope 192.168.64.2\n", []string{
			"exports:2: path contains non-directory or non-existent components: @/nope",
			"exports:2: no usable directories in export entry and no fallback"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := testChecker().Check([]byte(at(tt.file)))
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			want := strings.Split(at(strings.Join(tt.want, "\n")), "\n")
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestCheckNotExportable(t *testing.T) {
	at := world(t)
	c := testChecker()
	c.Exportable = func(dir string) error {
		if strings.HasSuffix(dir, "/b") {
			return errors.New(`NFS exporting not supported by fstype "proc" (fh)`)
		}
		return nil
	}
	exports, errs := c.Check([]byte(at("@/a 192.168.64.2\n@/b 192.168.64.2\n")))
	if len(errs) != 1 || errs[0].Error() != `exports:2: kernel export registration failed: NFS exporting not supported by fstype "proc" (fh)` {
		t.Errorf("errors: %v", errs)
	}
	if len(exports) != 1 || exports[0].Path != at("@/a") {
		t.Errorf("exports: %+v", exports)
	}
}

func TestEntriesLineNumbers(t *testing.T) {
	got := entries([]byte("\n/a \\\n  b\n\n/c\\\n\\\nd\n/e"))
	want := []entry{{2, "/a  b"}, {5, "/cd"}, {8, "/e"}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestGaneshaExports(t *testing.T) {
	at := world(t)
	exports, errs := testChecker().Check([]byte(at(
		"@/a -alldirs -mapall=501:20 192.168.64.2\n@/b -ro -network 192.168.64.0 -mask 255.255.255.0\n@/b -maproot=0:0 192.168.64.3\n@/c\n")))
	if len(errs) > 0 {
		t.Fatal(Report(errs))
	}
	ids := ExportIDs{at("@/b"): 7}
	conf, err := ganeshaExports(exports, ids)
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
	conf2, _ := ganeshaExports(exports[1:], ids)
	if !strings.Contains(conf2, "Export_Id = 2;\n\tPath = \""+at("@/c")) {
		t.Errorf("id of @/c changed:\n%s", conf2)
	}
	file := filepath.Join(t.TempDir(), "ids")
	os.WriteFile(file, ids.bytes(), 0o644)
	back, err := loadIDs(file)
	if err != nil || len(back) != 3 || back[at("@/b")] != 7 {
		t.Errorf("loadIDs: %v %v", back, err)
	}
	if conf, _ := ganeshaExports([]Export{{Path: "/"}}, ExportIDs{}); !strings.Contains(conf, "Path = \"/\";\n\tPseudo = \"/.root\";") {
		t.Errorf("an export of / must not take ganesha's pseudo root:\n%s", conf)
	}
	if _, err := ganeshaExports([]Export{{Path: `/a"b`}}, ExportIDs{}); err == nil {
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
