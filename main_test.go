package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/machine/libmachine/drivers/rpc"
	"github.com/docker/machine/libmachine/mcnflag"

	"github.com/zchee/docker-machine-driver-xhyve/xhyve"
)

// buildPlugin builds the plugin binary into a directory put first on PATH,
// where docker-machine looks for it.
func buildPlugin(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "docker-machine-driver-xhyve")
	cmd := exec.Command("go", "build", "-ldflags", "-X main.version=v9.9.9-test", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build plugin: %v\n%s", err, out)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return bin
}

// withoutToken is the environment without docker-machine's plugin token,
// which libmachine's RPC client sets in this very process.
func withoutToken() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MACHINE_PLUGIN_TOKEN=") {
			env = append(env, kv)
		}
	}
	return env
}

func TestVersionSubcommand(t *testing.T) {
	cmd := exec.Command(buildPlugin(t), "version")
	cmd.Env = withoutToken()
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != "v9.9.9-test" {
		t.Errorf("version printed %q (err %v)", out, err)
	}
}

// TestSubcommandsDispatched: main runs each of the driver's subcommands
// from its table (xhyve.Subcommands), not RPC: each answers bad arguments
// with its own usage and exit status 2.
func TestSubcommandsDispatched(t *testing.T) {
	bin := buildPlugin(t)
	for name, usage := range map[string]string{
		"supervise":         "supervise SPEC.json",
		"serve-nfs":         "serve-nfs SPEC.json",
		"remove-dhcp-lease": "remove-dhcp-lease MAC",
		"doctor":            "doctor [flags]",
		"usernet":           "usernet DIR",
	} {
		if _, ok := xhyve.Subcommands()[name]; !ok {
			t.Errorf("%s is not in xhyve.Subcommands", name)
		}
		cmd := exec.Command(bin, name, "a", "b")
		cmd.Env = withoutToken()
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), usage) {
			t.Errorf("%s a b: %v, want exit status 2 and its usage %q:\n%s", name, err, usage, out)
		}
	}
}

// TestPluginOverRPC starts the plugin the way docker-machine does and talks
// to it through libmachine's RPC client.
func TestPluginOverRPC(t *testing.T) {
	buildPlugin(t)
	store := t.TempDir()
	factory := rpcdriver.NewRPCClientDriverFactory()
	defer factory.Close()
	raw, _ := json.Marshal(map[string]string{"MachineName": "dev", "StorePath": store})
	d, err := factory.NewRPCClientDriver("xhyve", raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.DriverName(); got != "xhyve" {
		t.Errorf("DriverName = %q", got)
	}
	flags := d.GetCreateFlags()
	values := map[string]interface{}{"swarm-master": false, "swarm-host": "", "swarm-discovery": ""}
	names := map[string]bool{}
	for _, f := range flags {
		names[f.String()] = true
		switch f := f.(type) {
		case *mcnflag.StringFlag:
			values[f.Name] = f.Value
		case *mcnflag.IntFlag:
			values[f.Name] = f.Value
		case *mcnflag.BoolFlag:
			values[f.Name] = false
		case *mcnflag.StringSliceFlag:
			values[f.Name] = f.Value
		default:
			t.Fatalf("flag %s arrived as %T", f.String(), f)
		}
	}
	for _, want := range []string{"xhyve-cpu-count", "xhyve-experimental-nfs-share", "xhyve-nfs-share", "xhyve-uuid"} {
		if !names[want] {
			t.Errorf("flag %s missing over RPC", want)
		}
	}
	values["xhyve-cpu-count"] = 1
	values["xhyve-memory-size"] = 512
	values["xhyve-uuid"] = "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef"
	if err := d.SetConfigFromFlags(rpcdriver.RPCFlags{Values: values}); err != nil {
		t.Fatal(err)
	}
	cfg, err := d.GetConfigRaw()
	if err != nil {
		t.Fatal(err)
	}
	var saved map[string]interface{}
	if err := json.Unmarshal(cfg, &saved); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]interface{}{"MachineName": "dev", "Memory": 512.0, "CPU": 1.0, "UUID": "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef", "SSHUser": "docker", "DiskSize": 20000.0} {
		if saved[k] != want {
			t.Errorf("saved %s = %#v, want %#v", k, saved[k], want)
		}
	}

	values["xhyve-memory-size"] = 100
	if err := d.SetConfigFromFlags(rpcdriver.RPCFlags{Values: values}); err == nil || !strings.Contains(err.Error(), "--xhyve-memory-size 100") {
		t.Errorf("bad flag over RPC: err %v", err)
	}

	// A fresh plugin process reloads the saved config unchanged.
	d2, err := factory.NewRPCClientDriver("xhyve", cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg2, err := d2.GetConfigRaw()
	if err != nil {
		t.Fatal(err)
	}
	if string(cfg2) != string(cfg) {
		t.Errorf("round trip changed the config:\n%s\n%s", cfg, cfg2)
	}
	if entries, _ := os.ReadDir(store); len(entries) != 0 {
		t.Errorf("flag handling created files in the store: %v", entries)
	}
}

// TestTokenMeansRPC: with the plugin token set, the plugin serves RPC even
// when a caller (Rancher's fork of docker-machine) passes arguments that
// name a subcommand; without it the subcommand runs.
func TestTokenMeansRPC(t *testing.T) {
	bin := buildPlugin(t)
	for _, args := range [][]string{{"version"}, {"supervise", "/nonexistent.json"}, {"--some-rancher-flag", "x"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "MACHINE_PLUGIN_TOKEN=42")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		cancel()
		cmd.Wait()
		if host, _, splitErr := net.SplitHostPort(strings.TrimSpace(line)); err != nil || splitErr != nil || host != "127.0.0.1" {
			t.Errorf("%v with the token: first line %q (%v), want the RPC address", args, line, err)
		}
	}
	cmd := exec.Command(bin, "version")
	cmd.Env = withoutToken()
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != "v9.9.9-test" {
		t.Errorf("version without the token printed %q (%v)", out, err)
	}
}
