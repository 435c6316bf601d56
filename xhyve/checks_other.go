//go:build !darwin

package xhyve

import "runtime"

// hostChecks has nothing of the Mac to check elsewhere: there the
// hypervisor is a stand-in (test/README.md).
func hostChecks() []check {
	return []check{{name: "platform", run: func() (string, error) {
		return "not macOS (" + runtime.GOOS + "): the Mac's own checks are skipped", nil
	}}}
}

func hostChecksAfter() []check { return nil }

// vmnetRights: only macOS's vmnet has rights to check.
func vmnetRights(string) (string, error) { return "not checked off macOS", nil }

// nfsdRefuses: only macOS's nfsd has firmlinks to trip on.
func nfsdRefuses(string) (string, bool) { return "", false }
