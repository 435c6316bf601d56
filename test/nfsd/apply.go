package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/zchee/docker-machine-driver-xhyve/test/nfsd/exports"
)

// readExports reads and checks the exports file. A missing file means no
// exports. Entries with errors are left out; their errors are returned.
func (s *Server) readExports() ([]exports.Export, []error, error) {
	f, err := os.Open(s.Exports)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	list, errs := exports.DefaultChecker().Check(f)
	return list, errs, nil
}

// Apply makes the server serve exactly what the exports file says: it
// starts what is not running, else reloads ganesha; when a reload does not
// give the right result, ganesha is restarted. hard restarts ganesha even
// when it runs.
func (s *Server) Apply(hard bool) ([]error, error) {
	list, bad, err := s.readExports()
	if err != nil {
		return nil, err
	}
	want, err := s.writeConfig(list)
	if err != nil {
		return bad, err
	}
	if err := s.startBase(); err != nil {
		return bad, err
	}
	pid := s.ganeshaPid()
	if pid != 0 && !hard {
		err := s.reloadGanesha(pid, want)
		if err == nil {
			s.logf("reloaded: %s", strings.ReplaceAll(formatServed(want), "\n", "; "))
			return bad, nil
		}
		var f fatal
		if errors.As(err, &f) {
			return bad, f.error
		}
		s.logf("reload failed, restarting ganesha: %v", err)
	}
	if pid != 0 {
		s.stopDaemon(s.daemons()[2])
	}
	if err := s.startGanesha(want); err != nil {
		return bad, err
	}
	s.logf("started: %s", strings.ReplaceAll(formatServed(want), "\n", "; "))
	return bad, nil
}

// writeConfig writes ganesha's configuration for exports and returns what
// mountd must then list.
func (s *Server) writeConfig(list []exports.Export) ([]Served, error) {
	if err := os.MkdirAll(s.path("recovery"), 0o755); err != nil {
		return nil, err
	}
	ids, err := loadIDs(s.path("export-ids"))
	if err != nil {
		return nil, err
	}
	conf, err := ganeshaExports(list, ids)
	if err != nil {
		return nil, err
	}
	if err := writeAtomic(s.path("export-ids"), ids.bytes()); err != nil {
		return nil, err
	}
	if err := writeAtomic(s.path("exports.conf"), []byte(conf)); err != nil {
		return nil, err
	}
	if err := writeAtomic(s.path("ganesha.conf"), []byte(ganeshaMain(s.Bind, s.path("recovery"), s.path("exports.conf")))); err != nil {
		return nil, err
	}
	return expectedServed(list), nil
}

// expectedServed is what mountd lists for exports: each path with its
// clients (ganesha lists the CLIENT entries).
func expectedServed(list []exports.Export) []Served {
	var out []Served
	for _, x := range list {
		sv := Served{Path: x.Path}
		for _, r := range x.Rules {
			sv.Clients = append(sv.Clients, r.Match)
		}
		sort.Strings(sv.Clients)
		out = append(out, sv)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func writeAtomic(file string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}

// matches compares what mountd lists with what it should.
func matches(got, want []Served) error {
	g, w := formatServed(got), formatServed(want)
	if g != w {
		return fmt.Errorf("the server exports\n%s\nbut should export\n%s", indent(g), indent(w))
	}
	return nil
}

func formatServed(list []Served) string {
	var b strings.Builder
	for _, s := range list {
		fmt.Fprintf(&b, "%s %s\n", s.Path, strings.Join(s.Clients, ","))
	}
	if b.Len() == 0 {
		return "(nothing)"
	}
	return strings.TrimRight(b.String(), "\n")
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }
