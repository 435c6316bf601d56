package nfs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeNFSD is an nfsd whose checkexports prints stderr and exits with code.
// Each run leaves beside it NFSD.argv (its arguments, one a line),
// NFSD.tmpdir (the TMPDIR it was given) and NFSD.file (the file after -F).
func fakeNFSD(t *testing.T, stderr string, code int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "nfsd")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$0.argv\"\nprintf '%s\\n' \"$TMPDIR\" > \"$0.tmpdir\"\ncp \"$2\" \"$0.file\"\n" +
		"printf '%s\\n' '" + stderr + "' >&2\nexit " + strconv.Itoa(code) + "\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// watchTMPDIR reports the values of TMPDIR other than want seen until stop
// is called: the process's environment must not change while Plan runs.
func watchTMPDIR(want string) (stop func() []string) {
	done, seen := make(chan struct{}), make(chan []string)
	go func() {
		var changed []string
		for {
			v, ok := os.LookupEnv("TMPDIR")
			if (!ok || v != want) && (len(changed) == 0 || changed[len(changed)-1] != v) {
				changed = append(changed, v)
			}
			select {
			case <-done:
				seen <- changed
				return
			default:
			}
		}
	}()
	return func() []string { close(done); return <-seen }
}

// TestPlanScratch: checkexports gets its scratch file by argv in a directory
// of its own under the caller's TMPDIR, sees exactly the planned file, and
// the directory is gone after Plan, whether nfsd accepts the file or not;
// TMPDIR never changes.
func TestPlanScratch(t *testing.T) {
	b := Block{ID: prefix + "/Users", Line: "/Users -alldirs -mapall=501:20 192.168.64.5"}
	user := "/Volumes/Data -ro 10.0.0.1\n"
	tests := []struct {
		name    string
		stderr  string
		code    int
		wantErr []string
	}{
		{"accepted", "", 0, nil},
		{"refused", "exports:2: /Users: exported dir/fs mismatch", 1,
			[]string{"nfsd checkexports refuses the new exports", "exit status 1", "exports:2: /Users: exported dir/fs mismatch", "fix or remove the entries it names", "/etc/exports"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			nfsd := fakeNFSD(t, tt.stderr, tt.code)
			h := Host{Exports: "/etc/exports", NFSD: nfsd}
			stop := watchTMPDIR(tmp)
			next, err := h.Plan([]byte(user), prefix, []Block{b})
			if changed := stop(); len(changed) > 0 {
				t.Errorf("TMPDIR changed during Plan: %q", changed)
			}
			want := user + blockText(b)
			if tt.wantErr == nil && (err != nil || string(next) != want) {
				t.Errorf("Plan = %q, %v; want %q", next, err, want)
			}
			for _, w := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v; want it to say %q", err, w)
				}
			}
			argv := strings.Split(strings.TrimSuffix(readAll(nfsd+".argv"), "\n"), "\n")
			if len(argv) != 3 || argv[0] != "-F" || argv[2] != "checkexports" || filepath.Dir(filepath.Dir(argv[1])) != tmp {
				t.Fatalf("nfsd ran with %q; want -F SCRATCH checkexports, SCRATCH in a directory of its own in %s", argv, tmp)
			}
			if got := readAll(nfsd + ".file"); got != want {
				t.Errorf("checkexports checked %q; want the planned file %q", got, want)
			}
			if got := strings.TrimSuffix(readAll(nfsd+".tmpdir"), "\n"); got != tmp {
				t.Errorf("nfsd saw TMPDIR=%q; want the caller's %q", got, tmp)
			}
			if exists(argv[1]) || exists(filepath.Dir(argv[1])) {
				t.Errorf("scratch %s is left after Plan", argv[1])
			}
			if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
				t.Errorf("Plan left %d entries in TMPDIR", len(entries))
			}
		})
	}
}

// TestPlanCheckTimeout: a checkexports that hangs ends in an error naming
// the deadline, and its scratch file is removed all the same.
func TestPlanCheckTimeout(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	nfsd := filepath.Join(t.TempDir(), "nfsd")
	// The shell waits on a child holding stderr: killing nfsd alone must do.
	if err := os.WriteFile(nfsd, []byte("#!/bin/sh\nsleep 5\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	h := Host{Exports: "/etc/exports", NFSD: nfsd, CheckTimeout: 200 * time.Millisecond}
	start := time.Now()
	_, err := h.Plan(nil, prefix, []Block{{ID: prefix + "/Users", Line: "/Users 1.2.3.4"}})
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("Plan took %s with a %s deadline", took, h.CheckTimeout)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not finish within 200ms") {
		t.Errorf("err = %v; want the deadline named", err)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("Plan left %d entries in TMPDIR", len(entries))
	}
}

// TestPlanNoNFSD: a missing nfsd is an error, not an unchecked plan.
func TestPlanNoNFSD(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	h := Host{NFSD: filepath.Join(tmp, "missing", "nfsd")}
	_, err := h.Plan(nil, prefix, []Block{{ID: prefix + "/Users", Line: "/Users 1.2.3.4"}})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v; want nfsd not found", err)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("Plan left %d entries in TMPDIR", len(entries))
	}
}

// TestPlanGolden: the planned file is byte for byte what the old Plan made
// with nfsexports.Add (v0.0.0-20211106092220-0364872a39fa, recorded with a
// stand-in for /sbin/nfsd that accepts every file), including its quirks:
// the same block twice is written once, and a "# BEGIN: ID" already in the
// file makes the block go missing, which Plan refuses.
func TestPlanGolden(t *testing.T) {
	const (
		begin = "# BEGIN: " + prefix
		end   = "# END: " + prefix
	)
	users := Block{ID: prefix + "/Users", Line: "/Users -alldirs -mapall=501:20 192.168.64.5"}
	proj := Block{ID: prefix + "/Users/me/My Projects", Line: `"/Users/me/My Projects" -alldirs -mapall=501:20 192.168.64.5`}
	users7 := Block{ID: users.ID, Line: "/Users -alldirs -mapall=501:20 192.168.64.7"}
	other := "# BEGIN: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev2 /Users\n/Users -alldirs -mapall=501:20 192.168.64.6\n# END: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev2 /Users\n"
	vagrant := "# VAGRANT-BEGIN: 501 abc\n\"/Users/me/site\" 192.168.50.4 -alldirs -mapall=501:20\n# VAGRANT-END: 501 abc\n"
	user := "/Volumes/Data -ro 10.0.0.1"
	ours := begin + "/Users\n/Users -alldirs -mapall=501:20 192.168.64.5\n" + end + "/Users\n"
	tests := []struct {
		name, current string
		blocks        []Block
		want          string // "" for an error
	}{
		{"empty file", "", []Block{users},
			"# BEGIN: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev /Users\n/Users -alldirs -mapall=501:20 192.168.64.5\n# END: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev /Users\n"},
		{"no final newline", user, []Block{users, proj},
			"/Volumes/Data -ro 10.0.0.1\n# BEGIN: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev /Users\n/Users -alldirs -mapall=501:20 192.168.64.5\n# END: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev /Users\n# BEGIN: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev /Users/me/My Projects\n\"/Users/me/My Projects\" -alldirs -mapall=501:20 192.168.64.5\n# END: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev /Users/me/My Projects\n"},
		{"blank lines and comments kept", "\n# notes\n" + user + "\n\n", []Block{proj},
			"\n# notes\n/Volumes/Data -ro 10.0.0.1\n\n# BEGIN: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev /Users/me/My Projects\n\"/Users/me/My Projects\" -alldirs -mapall=501:20 192.168.64.5\n# END: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev /Users/me/My Projects\n"},
		{"old block replaced, others kept", user + "\n" + ours + other + vagrant, []Block{users7},
			"/Volumes/Data -ro 10.0.0.1\n# BEGIN: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev2 /Users\n/Users -alldirs -mapall=501:20 192.168.64.6\n# END: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev2 /Users\n# VAGRANT-BEGIN: 501 abc\n\"/Users/me/site\" 192.168.50.4 -alldirs -mapall=501:20\n# VAGRANT-END: 501 abc\n# BEGIN: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev /Users\n/Users -alldirs -mapall=501:20 192.168.64.7\n# END: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev /Users\n"},
		{"orphan begin dropped", user + "\n" + begin + "/Users\n", []Block{users, proj},
			"/Volumes/Data -ro 10.0.0.1\n# BEGIN: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev /Users\n/Users -alldirs -mapall=501:20 192.168.64.5\n# END: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev /Users\n# BEGIN: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev /Users/me/My Projects\n\"/Users/me/My Projects\" -alldirs -mapall=501:20 192.168.64.5\n# END: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev /Users/me/My Projects\n"},
		{"same block twice", "", []Block{users, users},
			"# BEGIN: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev /Users\n/Users -alldirs -mapall=501:20 192.168.64.5\n# END: docker-machine-driver-xhyve /Users/me/.docker/machine/machines/dev /Users\n"},
		{"same id, another line", "", []Block{users, users7}, ""},
		{"a comment holds our marker", user + "\n#" + begin + "/Users\n", []Block{users}, ""},
	}
	h := Host{NFSD: fakeNFSD(t, "", 0)}
	for _, tt := range tests {
		got, err := h.Plan([]byte(tt.current), prefix, tt.blocks)
		switch {
		case tt.want == "" && (err == nil || !strings.Contains(err.Error(), "not installed")):
			t.Errorf("%s: %q, %v; want the plan refused", tt.name, got, err)
		case tt.want != "" && (err != nil || string(got) != tt.want):
			t.Errorf("%s: got\n%q, %v\nwant\n%q", tt.name, got, err, tt.want)
		}
	}
}
