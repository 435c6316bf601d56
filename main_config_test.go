package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/docker/machine/libmachine/drivers/rpc"
)

// TestNewerConfigRefusedOverRPC: docker-machine loads a machine saved by a
// newer release of the plugin (a failed load would make its client panic
// when ls closes it), then the state (ls, status) and saving fail with the
// plugin's error, which names the fix.
func TestNewerConfigRefusedOverRPC(t *testing.T) {
	buildPlugin(t)
	factory := rpcdriver.NewRPCClientDriverFactory()
	defer factory.Close()
	raw, _ := json.Marshal(map[string]any{"MachineName": "dev", "StorePath": t.TempDir(), "ConfigVersion": 1000})
	d, err := factory.NewRPCClientDriver("xhyve", raw)
	if err != nil {
		t.Fatal(err)
	}
	_, stateErr := d.GetState()
	_, saveErr := d.GetConfigRaw()
	for name, err := range map[string]error{"GetState": stateErr, "GetConfigRaw": saveErr} {
		if err == nil || !strings.Contains(err.Error(), "version 1000") || !strings.Contains(err.Error(), "upgrade docker-machine-driver-xhyve") {
			t.Errorf("%s of a config of version 1000: %v; want the plugin's refusal naming the upgrade", name, err)
		}
	}
}
