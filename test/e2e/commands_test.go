//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// TestCommands runs every docker-machine command a user meets beyond the
// lifecycle (TestLifecycle) on one machine created with TLS SANs and engine
// options, plus a short-lived second machine for guest-to-guest scp, then
// Rancher's fork of the CLI against the plugin.
func TestCommands(t *testing.T) {
	began := time.Now()
	defer func() { t.Logf("TestCommands took %s", time.Since(began).Round(time.Second)) }()
	const name = "cmds"
	out := dm(t, "create", "-d", "xhyve",
		"--tls-san", "dev.example", "--tls-san", "10.1.2.3",
		"--engine-label", "a=b", "--engine-env", "FOO=bar", "--engine-opt", "log-driver=none",
		"--engine-insecure-registry", "10.9.9.9:5000", "--engine-storage-driver", "overlay2",
		name)
	if !strings.Contains(out, "Docker is up and running") {
		t.Fatalf("create did not finish provisioning:\n%s", out)
	}
	removed := false
	defer func() { // when a subtest stopped the test early
		if !removed {
			dmErr(t, "rm", "-y", name)
		}
	}()
	ip := machineIP(t, name)
	dir := machineDir(name)

	t.Run("tls-san", func(t *testing.T) {
		checkNames(t, "server.pem", certFile(t, filepath.Join(dir, "server.pem")), "dev.example", "10.1.2.3", ip, "localhost")
		checkNames(t, "daemon certificate", daemonCert(t, name, ip), "dev.example", "10.1.2.3", ip, "localhost")
	})

	t.Run("engine options reach dockerd", func(t *testing.T) {
		info := machineDockerInfo(t, name)
		if !slices.Contains(info.Labels, "a=b") || !slices.Contains(info.Labels, "provider=xhyve") {
			t.Errorf("labels %q, want a=b and provider=xhyve", info.Labels)
		}
		if info.LoggingDriver != "none" {
			t.Errorf("logging driver %q, want none (--engine-opt log-driver=none)", info.LoggingDriver)
		}
		if ic, ok := info.RegistryConfig.IndexConfigs["10.9.9.9:5000"]; !ok || ic.Secure {
			t.Errorf("10.9.9.9:5000 is not an insecure registry: %+v", info.RegistryConfig)
		}
		if info.Driver != "overlay2" {
			t.Errorf("storage driver %q, want overlay2", info.Driver)
		}
		if args := guestProcFile(t, name, "cmdline"); !strings.Contains(strings.Join(args, " "), "--storage-driver overlay2") {
			t.Errorf("dockerd runs without --storage-driver overlay2: %q", args)
		}
		if env := guestProcFile(t, name, "environ"); !slices.Contains(env, "FOO=bar") {
			t.Errorf("dockerd's environment lacks FOO=bar (--engine-env): %q", env)
		}
	})

	t.Run("config", func(t *testing.T) {
		// `docker $(docker-machine config NAME) ...`: the shell splits the
		// output into words and removes no quotes; the docker client does.
		args := strings.Fields(dm(t, "config", name))
		want := "-H=tcp://" + ip + ":2376"
		if !slices.Contains(args, "--tlsverify") || !slices.Contains(args, want) {
			t.Errorf("config printed %q, want --tlsverify and %s", args, want)
		}
		args = append(args, "version", "--format", "{{.Server.Version}}")
		got, err := harness.Run(t, 2*time.Minute, harness.CleanDockerEnv(), "docker", args...)
		if err != nil || strings.TrimSpace(got) == "" {
			t.Errorf("docker with the config flags: %v\n%s", err, got)
		}
	})

	t.Run("inspect", func(t *testing.T) {
		if got := strings.TrimSpace(dm(t, "inspect", "-f", "{{.DriverName}}", name)); got != "xhyve" {
			t.Errorf("DriverName %q", got)
		}
		var drv map[string]interface{}
		raw := dm(t, "inspect", "-f", "{{prettyjson .Driver}}", name)
		if err := json.Unmarshal([]byte(raw), &drv); err != nil {
			t.Fatalf("prettyjson .Driver is not JSON: %v\n%s", err, raw)
		}
		// Created without a URL: it follows the release, whose URL is saved
		// for docker-machine's upgrade to fetch.
		rel, _ := releaseISO(t)
		for k, want := range map[string]interface{}{"MachineName": name, "IPAddress": ip, "SSHUser": "docker", "Boot2DockerURL": rel.URL, "ReleaseISO": true} {
			if drv[k] != want {
				t.Errorf("Driver.%s = %v, want %v", k, drv[k], want)
			}
		}
		for _, k := range []string{"UUID", "MACAddress", "CPU", "Memory", "DiskSize", "Hypervisor", "HypervisorDialect"} {
			if v, ok := drv[k]; !ok || v == "" {
				t.Errorf("Driver.%s missing or empty in %s", k, raw)
			}
		}
	})

	t.Run("env for every shell", func(t *testing.T) { checkEnvShells(t, name, ip) })

	t.Run("version NAME", func(t *testing.T) {
		want := strings.TrimSpace(docker(t, name, "version", "--format", "{{.Server.Version}}"))
		if got := strings.TrimSpace(dm(t, "version", name)); got != want || got == "" {
			t.Errorf("version %s printed %q, the daemon says %q", name, got, want)
		}
	})

	t.Run("active", func(t *testing.T) {
		if got := strings.TrimSpace(harness.DMWithEnv(t, machineEnv(t, name), "active")); got != name {
			t.Errorf("active with DOCKER_HOST from env printed %q, want %s", got, name)
		}
		out, err := harness.Run(t, time.Minute, harness.CleanDockerEnv(), "docker-machine", "active")
		if err == nil || !strings.Contains(out, "No active host") {
			t.Errorf("active without DOCKER_HOST: err %v, output %q", err, out)
		}
	})

	t.Run("ssh native and external", func(t *testing.T) {
		// v0.16.2's ssh takes no flags of its own (SkipFlagParsing):
		// everything after the name is the command, dashes included.
		for _, c := range []struct {
			client string
			global []string
		}{{"external", nil}, {"native", []string{"--native-ssh"}}} {
			args := append(append([]string{}, c.global...), "--debug", "ssh", name, "uname", "-n")
			out := dm(t, args...)
			if !strings.Contains(out, "Using SSH client type: "+c.client) {
				t.Errorf("%s: no %q in the debug output", c.client, "Using SSH client type: "+c.client)
			}
			if !slices.Contains(harness.OutLines(out), name) {
				t.Errorf("%s: `uname -n` did not print %s:\n%s", c.client, name, out)
			}
			args = append(append([]string{}, c.global...), "ssh", name, "exit 3")
			if out, err := dmErr(t, args...); err == nil {
				t.Errorf("%s: ssh 'exit 3' succeeded: %s", c.client, out)
			}
		}
	})

	t.Run("scp host and guest", func(t *testing.T) {
		host := harness.UserTempDir(t)
		up := fmt.Sprintf("to the guest at %s\n", time.Now().Format(time.RFC3339Nano))
		harness.WriteTree(t, host, map[string]string{"up.txt": up})
		dm(t, "scp", filepath.Join(host, "up.txt"), name+":/home/docker/up.txt")
		if got := ssh(t, name, "cat /home/docker/up.txt"); got != strings.TrimSpace(up) {
			t.Errorf("host->guest: the guest has %q, want %q", got, up)
		}
		ssh(t, name, "echo from-$(hostname) > /home/docker/down.txt")
		dm(t, "scp", name+":/home/docker/down.txt", filepath.Join(host, "down.txt"))
		checkTree(t, host, map[string]string{"down.txt": "from-" + name + "\n"})

		tree := map[string]string{"a.txt": "alpha\n", "sub/b.txt": "beta\n", "sub/deeper/c.txt": "gamma\n"}
		harness.WriteTree(t, filepath.Join(host, "tree"), tree)
		harness.GiveToUser(t, host)
		dm(t, "scp", "-r", filepath.Join(host, "tree"), name+":/home/docker/")
		if got := ssh(t, name, "cat /home/docker/tree/sub/deeper/c.txt"); got != "gamma" {
			t.Errorf("scp -r host->guest: c.txt holds %q", got)
		}
		dm(t, "scp", "-r", name+":/home/docker/tree", filepath.Join(host, "back"))
		checkTree(t, filepath.Join(host, "back"), tree)
	})

	t.Run("scp guest to guest", func(t *testing.T) {
		const other = "cmds2"
		dm(t, "create", "-d", "xhyve", other)
		defer func() {
			mac, _ := driverConfig(t, other)["MACAddress"].(string)
			dm(t, "rm", "-y", other)
			assertRemoved(t, other, mac)
		}()
		ssh(t, name, "echo from-$(hostname)-to-the-other > /home/docker/g2g.txt")
		dm(t, "scp", name+":/home/docker/g2g.txt", other+":/home/docker/g2g.txt")
		if got := ssh(t, other, "cat /home/docker/g2g.txt"); got != "from-"+name+"-to-the-other" {
			t.Errorf("guest->guest: %s has %q", other, got)
		}
	})

	t.Run("regenerate-certs keeps the SANs", func(t *testing.T) {
		before := daemonCert(t, name, ip)
		dm(t, "regenerate-certs", "-f", name)
		file := certFile(t, filepath.Join(dir, "server.pem"))
		after := daemonCert(t, name, ip)
		if after.SerialNumber.Cmp(before.SerialNumber) == 0 || !after.Equal(file) {
			t.Errorf("the daemon still presents the old certificate (serial %v), or not server.pem", after.SerialNumber)
		}
		checkNames(t, "new server.pem", file, "dev.example", "10.1.2.3", ip, "localhost")
		checkNames(t, "new daemon certificate", after, "dev.example", "10.1.2.3", ip, "localhost")
		docker(t, name, "version")
	})

	t.Run("upgrade a stopped machine", func(t *testing.T) { checkUpgradeStopped(t, name) })

	mac, _ := driverConfig(t, name)["MACAddress"].(string)
	dm(t, "rm", "-y", name)
	removed = true
	assertRemoved(t, name, mac)

	t.Run("rancher-machine", checkRancherMachine)
}

// checkEnvShells: `env` for each shell docker-machine knows, with and
// without --no-proxy; bash's output is also evaluated by bash.
func checkEnvShells(t *testing.T, name, ip string) {
	vars := [][2]string{{"DOCKER_TLS_VERIFY", "1"}, {"DOCKER_HOST", "tcp://" + ip + ":2376"},
		{"DOCKER_CERT_PATH", machineDir(name)}, {"DOCKER_MACHINE_NAME", name}}
	shells := []struct {
		shell, comment string
		line           func(k, v string) string
	}{
		{"bash", "#", func(k, v string) string { return "export " + k + `="` + v + `"` }},
		{"fish", "#", func(k, v string) string { return "set -gx " + k + ` "` + v + `";` }},
		{"powershell", "#", func(k, v string) string { return "$Env:" + k + ` = "` + v + `"` }},
		{"cmd", "REM", func(k, v string) string { return "SET " + k + "=" + v }},
		{"emacs", ";;", func(k, v string) string { return `(setenv "` + k + `" "` + v + `")` }},
		{"tcsh", ":", func(k, v string) string { return "setenv " + k + ` "` + v + `";` }},
	}
	for _, sh := range shells {
		for _, c := range []struct {
			flags []string
			env   []string
			noPx  [2]string // the proxy variable and value expected, or none
		}{
			{nil, harness.NoProxyEnv(), [2]string{}},
			{[]string{"--no-proxy"}, harness.NoProxyEnv(), [2]string{"NO_PROXY", ip}},
			{[]string{"--no-proxy"}, []string{"no_proxy=", "NO_PROXY=example.com"}, [2]string{"NO_PROXY", "example.com," + ip}},
			{[]string{"--no-proxy"}, []string{"no_proxy=.local", "NO_PROXY="}, [2]string{"no_proxy", ".local," + ip}},
		} {
			args := append(append([]string{"env", "--shell", sh.shell}, c.flags...), name)
			got := harness.OutLines(harness.DMWithEnv(t, c.env, args...))
			want := vars
			if c.noPx[0] != "" {
				want = append(append([][2]string{}, vars...), c.noPx)
			}
			for _, kv := range want {
				if !slices.Contains(got, sh.line(kv[0], kv[1])) {
					t.Errorf("env --shell %s %v: no line %q in %q", sh.shell, c.flags, sh.line(kv[0], kv[1]), got)
				}
			}
			if c.noPx[0] == "" && strings.Contains(strings.ToUpper(strings.Join(got, "\n")), "NO_PROXY") {
				t.Errorf("env --shell %s without --no-proxy sets a proxy variable: %q", sh.shell, got)
			}
			if n := len(got); n < 2 || !strings.HasPrefix(got[n-2], sh.comment+" ") || !strings.Contains(got[n-1], "docker-machine") {
				t.Errorf("env --shell %s: no %q usage hint at the end: %q", sh.shell, sh.comment, got)
			}
		}
	}
	// bash evaluates its own output and reaches the daemon with it.
	script := `eval "$(docker-machine env --shell bash --no-proxy "$1")" && docker version --format '{{.Server.Version}}' && echo "no_proxy=$NO_PROXY"`
	out, err := harness.Run(t, 2*time.Minute, append(append([]string{}, harness.CleanDockerEnv()...), harness.NoProxyEnv()...), "bash", "-c", script, "bash", name)
	if err != nil || !slices.Contains(harness.OutLines(out), "no_proxy="+ip) {
		t.Errorf("bash eval of env --no-proxy: %v\n%s", err, out)
	}
}

// checkRancherMachine runs Rancher's fork of the CLI (rancher-machine,
// github.com/rancher/machine v0.15.0-rancher125, make rancher-tools)
// against the plugin in a store of its own. It starts plugins with ITS OWN
// command line as their arguments: the wrapper records them.
func checkRancherMachine(t *testing.T) {
	if _, err := exec.LookPath("rancher-machine"); err != nil {
		t.Fatal("rancher-machine is not on PATH: build it with `make rancher-tools` (make e2e does)")
	}
	// A fresh store: the plugin downloads the release ISO into it.
	store, storeEnv := freshStore(t)
	env, argsLog := pluginArgsWrapper(t)
	env = append(env, storeEnv...)
	rm := func(args ...string) string {
		t.Helper()
		out, err := harness.Run(t, 10*time.Minute, env, "rancher-machine", args...)
		if err != nil {
			t.Fatalf("rancher-machine %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	const name, rancherLsFormat = "rancher", "{{.Name}} {{.State}} {{.DriverName}}"
	rm("create", "-d", "xhyve", name)
	dir := filepath.Join(store, "machines", name)
	removed := false
	defer func() {
		if !removed {
			harness.Run(t, 5*time.Minute, env, "rancher-machine", "rm", "-y", name)
		}
	}()

	if ls := rm("ls", "--format", rancherLsFormat); !slices.Contains(harness.OutLines(ls), name+" Running xhyve") {
		t.Errorf("rancher-machine ls: %q", ls)
	}
	if got := strings.TrimSpace(rm("status", name)); got != "Running" {
		t.Errorf("rancher-machine status: %q", got)
	}
	if got := strings.TrimSpace(rm("ssh", name, "whoami")); got != "docker" {
		t.Errorf("rancher-machine ssh whoami: %q", got)
	}
	var cfg struct{ Driver struct{ MACAddress string } }
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err == nil {
		err = json.Unmarshal(data, &cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	rm("rm", "-y", name)
	removed = true
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("rancher-machine rm left %s: %v", dir, err)
	}
	if p := harness.ProcessesMentioning(dir); len(p) != 0 {
		t.Errorf("processes left: %q", p)
	}
	assertLeaseFreed(t, store, cfg.Driver.MACAddress)

	// Every plugin start got rancher-machine's own command line (its argv[0]
	// first), and the plugin served RPC all the same.
	calls := pluginInvocations(t, argsLog)
	t.Logf("rancher-machine started the plugin with these arguments: %q", calls)
	seen := map[string]bool{}
	for _, c := range calls {
		if len(c) < 2 || c[0] != "rancher-machine" {
			t.Errorf("plugin started with %q, want rancher-machine's command line", c)
			continue
		}
		seen[strings.Join(c[1:], " ")] = true
	}
	for _, want := range []string{"create -d xhyve " + name, "ls --format " + rancherLsFormat, "status " + name, "ssh " + name + " whoami", "rm -y " + name} {
		if !seen[want] {
			t.Errorf("no plugin start with the arguments rancher-machine %s; got %q", want, calls)
		}
	}
}
