package supervisor

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/internal/fakehv"
)

// TestOldSpecWithTTYStillRuns: a spec written by an older driver names the
// autopty link ("tty") and has the old console option; the field is ignored
// and the machine boots with its console captured.
func TestOldSpecWithTTYStillRuns(t *testing.T) {
	v := newVM(t, fakehv.Behavior{Dialect: "hyperkit", Console: "console of an old machine\r\n"})
	data, err := os.ReadFile(v.specAt)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	raw["tty"] = filepath.Join(v.dir, "tty")
	if data, err = json.Marshal(raw); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(v.specAt, data, 0o600); err != nil {
		t.Fatal(err)
	}
	v.launch()
	v.waitFor("running", v.running)
	waitConsole(t, v, "console of an old machine")
}
