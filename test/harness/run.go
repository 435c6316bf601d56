package harness

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Run runs a command with a deadline, as the sandbox's user when Command
// says so, logs it with its output and duration, and returns its combined
// output. env entries win over the inherited ones.
func Run(t testing.TB, timeout time.Duration, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := Command(t, ctx, name, args...)
	cmd.Env = append(cmd.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("$ %s %s  (%.1fs)\n%s", name, strings.Join(args, " "), time.Since(start).Seconds(), Indent(out.String()))
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %s", timeout)
	}
	return out.String(), err
}

// DMWithEnv runs docker-machine with extra environment entries (they win
// over the inherited ones) and fails the test when it fails.
func DMWithEnv(t testing.TB, env []string, args ...string) string {
	t.Helper()
	out, err := Run(t, 10*time.Minute, env, "docker-machine", args...)
	if err != nil {
		t.Fatalf("docker-machine %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// NoProxyEnv clears both spellings of the proxy exclusion list, so that
// `env --no-proxy` starts from an empty one whatever the caller's shell has.
func NoProxyEnv() []string { return []string{"no_proxy=", "NO_PROXY="} }

// CleanDockerEnv blanks the docker client's variables, so that only the
// flags a test passes select the daemon.
func CleanDockerEnv() []string {
	return []string{"DOCKER_HOST=", "DOCKER_TLS_VERIFY=", "DOCKER_CERT_PATH=", "DOCKER_MACHINE_NAME="}
}
