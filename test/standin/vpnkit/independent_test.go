package vpnkit

import (
	"os/exec"
	"strings"
	"testing"
)

// TestIndependentOfTheDriver: the device follows hyperkit's sources
// (docs/facts.md §9), not the driver, so it imports none of the module's
// packages, and the driver none of it (the unit tests' fake hypervisor
// may: it stands for hyperkit too).
func TestIndependentOfTheDriver(t *testing.T) {
	const module = "github.com/zchee/docker-machine-driver-xhyve"
	self := module + "/test/standin/vpnkit"
	deps := func(pkgs ...string) []string {
		out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).Output()
		if err != nil {
			t.Fatalf("go list -deps %v: %v", pkgs, err)
		}
		return strings.Fields(string(out))
	}
	own := deps(".")
	if len(own) == 0 || own[len(own)-1] != self {
		t.Fatalf("go list -deps . ends %q, want itself last", own)
	}
	for _, p := range own {
		if strings.HasPrefix(p, module) && p != self {
			t.Errorf("vpnkit imports %s", p)
		}
	}
	// The driver is every package but the fakes that stand in for the
	// hypervisor in unit tests (internal/fakehv runs this client, as the
	// stand-in does).
	out, err := exec.Command("go", "list", module, module+"/xhyve/...", module+"/internal/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var driver []string
	for _, p := range strings.Fields(string(out)) {
		if !strings.HasPrefix(p, module+"/internal/fakehv") {
			driver = append(driver, p)
		}
	}
	for _, p := range deps(driver...) {
		if p == self {
			t.Errorf("the driver imports %s", self)
		}
	}
}
