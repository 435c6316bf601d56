package xhyveargv

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/zchee/docker-machine-driver-xhyve"

// deps lists the packages pkgs import, theirs included.
func deps(t *testing.T, pkgs ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).Output()
	if err != nil {
		t.Fatalf("go list -deps %v: %v", pkgs, err)
	}
	return strings.Fields(string(out))
}

// TestIndependentOfTheDriver: the parser follows docs/facts.md, not the
// driver, so it imports none of the module's packages; and the driver
// never imports it, or a mistake in one would agree with itself in the
// fakes that check it.
func TestIndependentOfTheDriver(t *testing.T) {
	self := module + "/test/standin/xhyveargv"
	own := deps(t, ".")
	if len(own) == 0 || own[len(own)-1] != self {
		t.Fatalf("go list -deps . ends %q, want itself, %s, last", own, self)
	}
	for _, p := range own {
		if strings.HasPrefix(p, module) && p != self {
			t.Errorf("xhyveargv imports %s", p)
		}
	}
	for _, p := range deps(t, module, module+"/xhyve/...", module+"/internal/hypervisor/...") {
		if p == self {
			t.Errorf("the driver imports %s", self)
		}
	}
}
