//go:build e2e

package e2e

import (
	"os"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// The Mac's privilege split is test/harness's (user.go): the user's
// programs run as the sandbox's user unless the test's name says AsRoot.

// pluginUser is who runs the plugin in t: the sandbox's user, or root in an
// AsRoot test.
func pluginUser(t *testing.T) (uid, gid int) {
	t.Helper()
	if harness.AsRoot(t) {
		return os.Getuid(), os.Getgid()
	}
	u := harness.MacUser(t)
	return u.UID, u.GID
}
