package nfs

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/test/nfsd/exports"
)

const prefix = "docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev "

func TestExportLine(t *testing.T) {
	ip := net.ParseIP("192.168.64.5")
	tests := []struct{ path, want string }{
		{"/Users", "/Users -alldirs -mapall=501:20 192.168.64.5"},
		{"/Users/me/My Projects", `"/Users/me/My Projects" -alldirs -mapall=501:20 192.168.64.5`},
		{"/Users/Jane Doe's src", `"/Users/Jane Doe\'s src" -alldirs -mapall=501:20 192.168.64.5`},
		{"/Users/it's", `"/Users/it\'s" -alldirs -mapall=501:20 192.168.64.5`},
		{"/Users/#1 ünïcødé", `"/Users/#1 ünïcødé" -alldirs -mapall=501:20 192.168.64.5`},
		{"/", "/ -alldirs -mapall=501:20 192.168.64.5"},
	}
	for _, tt := range tests {
		if got, err := ExportLine(tt.path, 501, 20, ip); err != nil || got != tt.want {
			t.Errorf("ExportLine(%q) = %q, %v; want %q", tt.path, got, err, tt.want)
		}
	}
	if got := BlockID("/Users/me/.docker/machine/machines/dev", "/Users"); got != prefix+"/Users" {
		t.Errorf("BlockID = %q", got)
	}
	for _, ip := range []net.IP{nil, net.ParseIP("fe80::1")} {
		if line, err := ExportLine("/Users", 501, 20, ip); err == nil || !strings.Contains(err.Error(), "not IPv4") {
			t.Errorf("ExportLine to %v = %q, %v; want an error", ip, line, err)
		}
	}
}

// TestExportLineRefuses: what mountd could read differently never reaches
// the line, and the error says what is wrong and what to do.
func TestExportLineRefuses(t *testing.T) {
	tests := []struct{ path, want string }{
		{`/Users/me/a" 10.9.9.9 "vm.local`, `a double quote (")`},
		{`/Users/me/a\b`, `a backslash (\)`},
		{`/Users/me/trailing\`, `a backslash (\)`},
		{"/Users/me/a\nb", "a newline"},
		{"/Users/me/a\tb", "a tab"},
		{"/Users/me/a\x00b", "a control character (U+0000)"},
		{"/Users/me/a\rb", "a control character (U+000D)"},
		{"/Users/me/a\u0085b", "a control character (U+0085)"},
		{"/Users/me/\xffb", "not valid UTF-8"},
		{"Users/me", "not an absolute path"},
		{"", "not an absolute path"},
		{"/Users/me/../x", "use /Users/x"},
		{"/Users/me/", "use /Users/me"},
		{"/Users//me", "use /Users/me"},
		{"/" + strings.Repeat("a", 1024), "longer than the 1024 bytes"},
	}
	for _, tt := range tests {
		err := CheckSharePath(tt.path)
		if !errors.Is(err, ErrSharePath) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), fmt.Sprintf("%q", tt.path)) {
			t.Errorf("CheckSharePath(%q) = %v; want ErrSharePath naming the path and %q", tt.path, err, tt.want)
		}
		if strings.HasPrefix(tt.want, "a ") && !strings.Contains(err.Error(), "rename the directory or share another one") {
			t.Errorf("CheckSharePath(%q) = %v; want advice", tt.path, err)
		}
		if line, err := ExportLine(tt.path, 501, 20, net.ParseIP("192.168.64.5")); !errors.Is(err, ErrSharePath) || line != "" {
			t.Errorf("ExportLine(%q) = %q, %v; want ErrSharePath", tt.path, line, err)
		}
	}
}

// TestExportLineReadsBack: macOS's reading (the nfsd stand-in's checker)
// of a block for a real directory with an awkward name exports exactly
// that directory to exactly the VM, with the driver's options.
func TestExportLineReadsBack(t *testing.T) {
	root, other := t.TempDir(), t.TempDir()
	for _, name := range []string{"plain", "My Projects", "Jane's", "it's #1 'quoted'", "ünïcødé  two  spaces", "-dash", " lead"} {
		dir := filepath.Join(root, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		line, err := ExportLine(dir, 501, 20, net.ParseIP("192.168.64.5"))
		if err != nil {
			t.Fatal(err)
		}
		id := BlockID("/m/dev", dir)
		file := other + " -ro 10.0.0.1\n# BEGIN: " + id + "\n" + line + "\n# END: " + id + "\n"
		list, errs := exports.Checker{}.Check(strings.NewReader(file))
		if len(errs) > 0 {
			t.Errorf("%q: %s", name, exports.Report(errs))
			continue
		}
		if len(list) != 2 || list[1].Path != dir || len(list[1].Rules) != 1 {
			t.Errorf("%q: exports %+v", name, list)
			continue
		}
		r := list[1].Rules[0]
		if r.Match != "192.168.64.5" || !r.AllDirs || r.ReadOnly || r.Squash != exports.SquashAll || r.Anon.String() != "501:20" {
			t.Errorf("%q: rule %+v", name, r)
		}
	}
}

// FuzzExportLine: for any path, either ExportLine refuses it or the block
// the driver writes reads back, the way mountd reads it, as one entry
// exporting exactly that path to exactly the VM with the driver's options.
func FuzzExportLine(f *testing.F) {
	for _, p := range []string{"/Users", "/Users/Jane Doe/src", "/a'b", `/a" 10.9.9.9 "vm.local`, `/a\`, `/a\ b`, "/a\nb",
		"/ #", "/#x", "/'", `/"`, "/ ", "/a ", "/a\t", "/-ro", "/a b\\", "/\u00a0x", "/x\r"} {
		f.Add(p, 501, 20, byte(192), byte(168), byte(64), byte(5))
	}
	f.Fuzz(func(t *testing.T, p string, uid, gid int, a, b, c, d byte) {
		ip := net.IPv4(a, b, c, d)
		line, err := ExportLine(p, uid, gid, ip)
		if CheckSharePath(p) != nil {
			if err == nil {
				t.Fatalf("ExportLine accepted %q, which CheckSharePath refuses", p)
			}
			return
		}
		if err != nil {
			t.Fatalf("ExportLine(%q): %v", p, err)
		}
		id := BlockID("/m/dev", p)
		entries, err := exports.Parse(strings.NewReader("# BEGIN: " + id + "\n" + line + "\n# END: " + id + "\n"))
		if err != nil || len(entries) != 1 {
			t.Fatalf("%q: %d entries (%v) from the block of line %q", p, len(entries), err, line)
		}
		e := entries[0]
		var opts []string
		for _, o := range e.Options() {
			opts = append(opts, o.Name+"="+o.Value)
		}
		want := fmt.Sprintf("alldirs=|mapall=%d:%d", uid, gid)
		if e.Err != nil || len(e.Dirs()) != 1 || e.Dirs()[0] != p || strings.Join(e.Hosts(), "|") != ip.String() || strings.Join(opts, "|") != want {
			t.Fatalf("%q: line %q reads back as dirs %q, hosts %q, options %q, error %v", p, line, e.Dirs(), e.Hosts(), opts, e.Err)
		}
	})
}

func TestRemoveBlocks(t *testing.T) {
	ours := "# BEGIN: " + prefix + "/Users\n/Users -alldirs -mapall=501:20 192.168.64.5\n# END: " + prefix + "/Users\n"
	other := "# BEGIN: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev2 /Users\n/Users -alldirs -mapall=501:20 192.168.64.6\n# END: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev2 /Users\n"
	vagrant := "# VAGRANT-BEGIN: 501 abc\n\"/Users/me/site\" 192.168.50.4 -alldirs -mapall=501:20\n# VAGRANT-END: 501 abc\n"
	user := "  /Volumes/Data   -ro -network 10.0.0.0 -mask 255.0.0.0  \n\n# my notes\n"
	tests := []struct {
		name, in, want string
		removed        int
	}{
		{"only ours", ours, "", 1},
		{"user lines kept byte for byte", user + ours + user, user + user, 1},
		{"other machine and vagrant kept", other + ours + vagrant, other + vagrant, 1},
		{"our block lost its final newline", user + strings.TrimSuffix(ours, "\n"), user, 1},
		{"begin without end: the marker goes, the lines stay", "# BEGIN: " + prefix + "/x\n/x 1.2.3.4\n" + user, "/x 1.2.3.4\n" + user, 1},
		{"end without begin goes", user + "# END: " + prefix + "/x\n" + user, user + user, 1},
		{"begin without end at the end of the file", user + "# BEGIN: " + prefix + "/x", user, 1},
		{"an orphan begin before a block of the same id swallows nothing", "# BEGIN: " + prefix + "/Users\n" + user + ours, user, 2},
		{"orphans of another machine are not ours", "# BEGIN: docker-machine-driver-xhyve /m/dev2 /x\n" + user + "# END: docker-machine-driver-xhyve /m/dev2 /y\n",
			"# BEGIN: docker-machine-driver-xhyve /m/dev2 /x\n" + user + "# END: docker-machine-driver-xhyve /m/dev2 /y\n", 0},
		{"markers inside other lines are not markers", "## BEGIN: " + prefix + "/x\n/x 1.2.3.4 # END: " + prefix + "/x\n", "## BEGIN: " + prefix + "/x\n/x 1.2.3.4 # END: " + prefix + "/x\n", 0},
		{"nothing of ours", user + other, user + other, 0},
		{"empty", "", "", 0},
	}
	for _, tt := range tests {
		got, n := RemoveBlocks([]byte(tt.in), prefix)
		if string(got) != tt.want || n != tt.removed {
			t.Errorf("%s: got %q (%d removed), want %q (%d)", tt.name, got, n, tt.want, tt.removed)
		}
	}
}

// oursMarked reports whether a line of data is a marker of ours.
func oursMarked(data []byte) bool {
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "# BEGIN: "+prefix) || strings.HasPrefix(l, "# END: "+prefix) {
			return true
		}
	}
	return false
}

// FuzzRemoveBlocks: on any exports file, removing our blocks touches nothing
// else and leaves no marker of ours (complete or stray); a block appended
// then removed leaves the file as it was, and a plan is verified to hold
// the block exactly when it does.
func FuzzRemoveBlocks(f *testing.F) {
	f.Add([]byte("/Users -alldirs 1.2.3.4\n"))
	f.Add([]byte("# BEGIN: " + prefix + "/a\n/a 1.2.3.4\n# END: " + prefix + "/a\n"))
	f.Add([]byte("# BEGIN: " + prefix + "\n"))
	f.Add([]byte("# END: " + prefix + "/a\n/b 1.2.3.4\n"))
	f.Add([]byte("# BEGIN: " + prefix + "/a\nx\n# BEGIN: " + prefix + "/a\ny\n# END: " + prefix + "/a\n"))
	f.Add([]byte("## BEGIN: " + prefix + "/fuzz\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		out, n := RemoveBlocks(data, prefix)
		if !oursMarked(data) && (n != 0 || !bytes.Equal(out, data)) {
			t.Fatalf("no marker of ours, yet the file changed")
		}
		if n == 0 && !bytes.Equal(out, data) {
			t.Fatalf("nothing removed, yet the file changed")
		}
		if oursMarked(out) {
			t.Fatalf("a marker of ours survived: %q", out)
		}
		if !isSubsequence(out, data) {
			t.Fatalf("output has bytes the input did not")
		}
		if again, m := RemoveBlocks(out, prefix); m != 0 || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %d more removed", m)
		}
		if len(data) > 0 && data[len(data)-1] != '\n' {
			return
		}
		b := Block{ID: prefix + "/fuzz", Line: "/fuzz -alldirs 192.168.64.9"}
		block := []byte("# BEGIN: " + b.ID + "\n" + b.Line + "\n# END: " + b.ID + "\n")
		with := append(append([]byte(nil), out...), block...)
		if err := verifyPlanned(with, []Block{b}); err != nil {
			t.Fatalf("the appended block is not found: %v", err)
		}
		if err := verifyPlanned(out, []Block{b}); err == nil {
			t.Fatalf("a plan without the block passed verification")
		}
		again, m := RemoveBlocks(with, prefix)
		if m != 1 || !bytes.Equal(again, out) {
			t.Fatalf("append then remove: %d removed, %q != %q", m, again, out)
		}
	})
}

func isSubsequence(sub, of []byte) bool {
	i := 0
	for _, b := range of {
		if i < len(sub) && sub[i] == b {
			i++
		}
	}
	return i == len(sub)
}

func TestVerifyPlanned(t *testing.T) {
	b := Block{ID: prefix + "/Users", Line: "/Users -alldirs -mapall=501:20 192.168.64.5"}
	block := "# BEGIN: " + b.ID + "\n" + b.Line + "\n# END: " + b.ID + "\n"
	tests := []struct {
		name, data string
		ok         bool
	}{
		{"there once", "/a 1.2.3.4\n" + block, true},
		{"missing: a comment holds the marker, so appendBlock did nothing", "## BEGIN: " + b.ID + "\n", false},
		{"not at a line start", "#" + block, false},
		{"twice", block + block, false},
		{"another line in the block", "# BEGIN: " + b.ID + "\n/x 1.2.3.4\n" + b.Line + "\n# END: " + b.ID + "\n", false},
	}
	for _, tt := range tests {
		err := verifyPlanned([]byte(tt.data), []Block{b})
		if (err == nil) != tt.ok || (err != nil && !strings.Contains(err.Error(), "not installed")) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	for _, bad := range []Block{{ID: prefix + "/a\nb", Line: "/a 1.2.3.4"}, {ID: prefix + `/a\`, Line: "/a 1.2.3.4"}, {ID: prefix + "/a", Line: "/a 1.2.3.4\n/b"}, {ID: "other /a", Line: "/a 1.2.3.4"}} {
		if _, err := (Host{}).Plan(nil, prefix, []Block{bad}); err == nil {
			t.Errorf("Plan accepted block %q", bad)
		}
	}
}

func TestPlan(t *testing.T) {
	if _, err := os.Stat("/sbin/nfsd"); err != nil {
		t.Skip("no /sbin/nfsd here; make e2e runs this inside the sandbox")
	}
	data, users := t.TempDir(), t.TempDir()
	user := data + " -ro 10.0.0.1\n"
	ip := net.ParseIP("192.168.64.5")
	blocks := []Block{{ID: prefix + users, Line: mustLine(t, users, ip)}}
	h := Host{NFSD: "/sbin/nfsd"}
	first, err := h.Plan([]byte(user), prefix, blocks)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(first), user) || !strings.Contains(string(first), users+" -alldirs -mapall=501:20 192.168.64.5") {
		t.Fatalf("plan: %q", first)
	}
	// What nfsexports.Exists, in older drivers, takes for the block.
	if !strings.Contains(string(first), "# BEGIN: "+prefix+users) || !strings.Contains(string(first), "# END: "+prefix+users+"\n") {
		t.Error("nfsexports would not see the block")
	}
	blocks[0].Line = mustLine(t, users, net.ParseIP("192.168.64.7"))
	second, err := h.Plan(first, prefix, blocks)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(second), "192.168.64.5") || !strings.Contains(string(second), "192.168.64.7") {
		t.Errorf("address change not reconciled: %q", second)
	}
	if _, err := h.Plan([]byte(user), prefix, []Block{{ID: prefix + "/bad", Line: "relative/path 1.2.3.4"}}); err == nil {
		t.Error("checkexports accepted a relative path")
	}
	leaked, _ := filepath.Glob(filepath.Join(os.TempDir(), "exports*"))
	for _, f := range leaked {
		if info, err := os.Stat(f); err == nil && !info.IsDir() && strings.Contains(readAll(f), "192.168.64.") {
			t.Errorf("scratch file left in %s: %s", os.TempDir(), f)
		}
	}
}

func mustLine(t *testing.T, dir string, ip net.IP) string {
	t.Helper()
	line, err := ExportLine(dir, 501, 20, ip)
	if err != nil {
		t.Fatal(err)
	}
	return line
}

// TestPlanRepairsOrphans: a half-edited file (a marker of ours without its
// partner) neither silences a new export nor survives the plan; a marker
// nfsexports (in older drivers) misreads makes the plan fail instead of
// reporting an export that is not there. Needs /sbin/nfsd, like TestPlan.
func TestPlanRepairsOrphans(t *testing.T) {
	if _, err := os.Stat("/sbin/nfsd"); err != nil {
		t.Skip("no /sbin/nfsd here; make e2e runs this inside the sandbox")
	}
	data, users := t.TempDir(), t.TempDir()
	user := data + " -ro 10.0.0.1\n"
	b := Block{ID: prefix + users, Line: mustLine(t, users, net.ParseIP("192.168.64.5"))}
	block := "# BEGIN: " + b.ID + "\n" + b.Line + "\n# END: " + b.ID + "\n"
	h := Host{NFSD: "/sbin/nfsd"}
	for name, current := range map[string]string{
		"orphan begin": user + "# BEGIN: " + b.ID + "\n",
		"orphan end":   "# END: " + b.ID + "\n" + user,
		"both, apart":  "# END: " + b.ID + "\n" + user + "# BEGIN: " + b.ID + "\n",
	} {
		next, err := h.Plan([]byte(current), prefix, []Block{b})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if string(next) != user+block {
			t.Errorf("%s: plan %q, want %q", name, next, user+block)
		}
	}
	_, err := h.Plan([]byte(user+"## BEGIN: "+b.ID+"\n"), prefix, []Block{b})
	if err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("a comment holding our marker: %v, want the plan to fail", err)
	}
}
