package exports

import (
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
	for _, d := range []string{"a", "a/sub", "b", "c", "with space", "x/y", "it's", `q"uo\te`} {
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
		{"comment lines", "# hello\n  # indented comment\n\t#\n@/a 192.168.64.2\n", "@/a 192.168.64.2/rw/-/root/4294967294:4294967294"},
		{"a comment may end in a CR", "# hello\r\n@/a 192.168.64.2\n", "@/a 192.168.64.2/rw/-/root/4294967294:4294967294"},
		{"quoted and escaped quotes, backslashes, spaces", `"@/with space" 192.168.64.2` + "\n" + `'@/it\'s' 192.168.64.2` + "\n" + `"@/q\"uo\\te" 192.168.64.2` + "\n",
			"@/with space 192.168.64.2/rw/-/root/4294967294:4294967294\n@/it's 192.168.64.2/rw/-/root/4294967294:4294967294\n" +
				`@/q"uo\te 192.168.64.2/rw/-/root/4294967294:4294967294`},
		{"a closing quote ends the field", `"@/a"192.168.64.2 192.168.64.3` + "\n",
			"@/a 192.168.64.2/rw/-/root/4294967294:4294967294 192.168.64.3/rw/-/root/4294967294:4294967294"},
		{"a quote inside an unquoted path is a character", `@/it's 192.168.64.2` + "\n", "@/it's 192.168.64.2/rw/-/root/4294967294:4294967294"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exports, errs := testChecker().Check(strings.NewReader(at(tt.file)))
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
		{"CRLF: the CR belongs to the last host", "@/a 192.168.64.2\r\n", []string{
			"exports:1: couldn't get address for host: 192.168.64.2\r", "exports:1: no valid hosts found for export"}},
		{"hosts are taken as written, quotes included", `@/a "192.168.64.2"` + "\n", []string{
			`exports:1: couldn't get address for host: "192.168.64.2"`, "exports:1: no valid hosts found for export"}},
		{"option values are taken as written", `@/a -mapall="0:0" 192.168.64.2` + "\n", []string{
			`exports:1: error processing options: -mapall="0:0": map credential error: Unknown user: "0`}},
		{"value errors come before later syntax errors", "@/a -mapall=nobody-here @/b 192.168.64.2\n@/a -mapall=nobody-here,bogus\n", []string{
			"exports:1: error processing options: -mapall=nobody-here: map credential error: Unknown user: nobody-here",
			"exports:2: error processing options: -mapall=nobody-here,bogus: map credential error: Unknown user: nobody-here"}},
		{"only a NUL", "\x00@/a\n", []string{"exports:1: no directories for export entry?"}},
		{"good lines survive bad ones", "@/a 192.168.64.2\n@/nope 192.168.64.2\n", []string{
			"exports:2: path contains non-directory or non-existent components: @/nope",
			"exports:2: no usable directories in export entry and no fallback"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := testChecker().Check(strings.NewReader(at(tt.file)))
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
	exports, errs := c.Check(strings.NewReader(at("@/a 192.168.64.2\n@/b 192.168.64.2\n")))
	if len(errs) != 1 || errs[0].Error() != `exports:2: kernel export registration failed: NFS exporting not supported by fstype "proc" (fh)` {
		t.Errorf("errors: %v", errs)
	}
	if len(exports) != 1 || exports[0].Path != at("@/a") {
		t.Errorf("exports: %+v", exports)
	}
}

func TestLogicalLines(t *testing.T) {
	tests := []struct {
		name, in string
		want     []logicalLine
	}{
		{"continuations and blank lines", "\n/a \\\n  b\n\n/c\\\n\\\nd\n/e", []logicalLine{{2, "/a  b"}, {5, "/cd"}, {8, "/e"}}},
		{"a blank continued line starts the entry", "\\\n b\n", []logicalLine{{1, " b"}}},
		{"a blank line after a blank continued one does not", "\\\n\n/b\n", []logicalLine{{3, "/b"}}},
		{"trailing blanks and backslashes, mixed", "/a\t\\ \\\n/b\n", []logicalLine{{1, "/a/b"}}},
		{"continued at the end of the file: dropped", "/a\n/b 1.2.3.4 \\", []logicalLine{{1, "/a"}}},
		{"a NUL ends the entry", "/a 1.2.3.4\x00 5.6.7.8\n", []logicalLine{{1, "/a 1.2.3.4"}}},
		{"a CR is kept", "/a 1.2.3.4\r\n", []logicalLine{{1, "/a 1.2.3.4\r"}}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		got, err := logicalLines(strings.NewReader(tt.in))
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("%s: got %+v, %v; want %+v", tt.name, got, err, tt.want)
			continue
		}
		for i := range tt.want {
			if got[i] != tt.want[i] {
				t.Errorf("%s: entry %d: got %+v, want %+v", tt.name, i, got[i], tt.want[i])
			}
		}
	}
}

func TestFieldsAndPaths(t *testing.T) {
	tests := []struct {
		in     string
		fields []string
		path   string // of the first field
	}{
		{`/a 1.2.3.4`, []string{`/a`, `1.2.3.4`}, "/a"},
		{"\t/a\t \t1.2.3.4 ", []string{`/a`, `1.2.3.4`}, "/a"},
		{`"/a b" 1.2.3.4`, []string{`"/a b"`, `1.2.3.4`}, "/a b"},
		{`/a\ b 1.2.3.4`, []string{`/a\ b`, `1.2.3.4`}, "/a b"},
		{`'/a b' 1.2.3.4`, []string{`'/a b'`, `1.2.3.4`}, "/a b"},
		{`"/a\"b" 1.2.3.4`, []string{`"/a\"b"`, `1.2.3.4`}, `/a"b`},
		{`"/Jane\'s" x`, []string{`"/Jane\'s"`, `x`}, "/Jane's"},
		{`'/it\'s' x`, []string{`'/it\'s'`, `x`}, "/it's"},
		{`"/it's" x`, []string{`"/it's"`, `x`}, "/it's"},
		{`"/a\\b" x`, []string{`"/a\\b"`, `x`}, `/a\b`},
		{`/a\\b x`, []string{`/a\\b`, `x`}, `/a\b`},
		{`"/a"b`, []string{`"/a"`, `b`}, "/a"},
		{`/a"b c"`, []string{`/a"b`, `c"`}, `/a"b`},
		{`"/a b 1.2.3.4`, []string{`"/a b 1.2.3.4`}, "/a b 1.2.3.4"},
		{`/a\`, []string{`/a\`}, "/a"},
		{`"/a/" x`, []string{`"/a/"`, `x`}, "/a"},
		{`"/" x`, []string{`"/"`, `x`}, "/"},
	}
	for _, tt := range tests {
		got := fields(tt.in)
		if strings.Join(got, "|") != strings.Join(tt.fields, "|") {
			t.Errorf("fields(%q) = %q, want %q", tt.in, got, tt.fields)
			continue
		}
		if p := cleanPath(got[0]); p != tt.path {
			t.Errorf("cleanPath(%q) = %q, want %q", got[0], p, tt.path)
		}
	}
}

func TestParse(t *testing.T) {
	in := "# BEGIN: x\n\"/a b\" -alldirs -mapall=501:20 192.168.64.5\n# END: x\n/c /c/d -ro,mapall 0:0 h1 h2\n/e 1.2.3.4 -ro\n"
	entries, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	type summary struct{ dirs, opts, hosts, err string }
	sum := func(e Entry) summary {
		var opts []string
		for _, o := range e.Options() {
			opts = append(opts, o.Name+"="+o.Value)
		}
		s := summary{strings.Join(e.Dirs(), "|"), strings.Join(opts, "|"), strings.Join(e.Hosts(), "|"), ""}
		if e.Err != nil {
			s.err = e.Err.Error()
		}
		return s
	}
	want := []summary{
		{"/a b", "alldirs=|mapall=501:20", "192.168.64.5", ""},
		{"/c|/c/d", "ro=|mapall=0:0", "h1|h2", ""},
		{"/e", "ro=", "1.2.3.4", ""},
	}
	if len(entries) != len(want) {
		t.Fatalf("got %d entries: %+v", len(entries), entries)
	}
	for i, e := range entries {
		if got := sum(e); got != want[i] {
			t.Errorf("entry %d: got %+v, want %+v", i, got, want[i])
		}
	}
	if entries[0].Line != 2 || entries[1].Line != 4 {
		t.Errorf("lines %d, %d; want 2, 4", entries[0].Line, entries[1].Line)
	}
	var le LineError
	bad, _ := Parse(strings.NewReader("/a 1.2.3.4 /b\n"))
	if len(bad) != 1 || !errors.As(bad[0].Err, &le) || le.Msg != "Directories must be first: /b" || len(bad[0].Hosts()) != 1 {
		t.Errorf("directory after a host: %+v", bad)
	}
}

// failingReader fails after its data, like a file on a broken disk.
type failingReader struct{ data string }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, errors.New("input/output error")
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestParseReadError(t *testing.T) {
	if _, err := Parse(&failingReader{"/a 1.2.3.4\n"}); err == nil || !strings.Contains(err.Error(), "input/output error") {
		t.Errorf("Parse: %v, want the read error", err)
	}
	if _, errs := testChecker().Check(&failingReader{"/a\n"}); len(errs) != 1 || !strings.Contains(errs[0].Error(), "input/output error") {
		t.Errorf("Check: %v, want the read error", errs)
	}
}
