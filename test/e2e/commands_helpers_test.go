//go:build e2e

package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// machineEnv is what `eval $(docker-machine env NAME)` exports, as KEY=VALUE.
func machineEnv(t *testing.T, machine string) []string {
	t.Helper()
	env := dockerEnv(t, harness.NoProxyEnv(), machine)
	if len(env) == 0 {
		t.Fatalf("docker-machine env %s exported nothing", machine)
	}
	return env
}

// certFile reads the first certificate of a PEM file.
func certFile(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("%s holds no PEM certificate", path)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

// daemonCert is the certificate the machine's dockerd presents on
// ip:2376, from a TLS handshake with the machine's client certificate
// that verifies the chain against the machine's CA and the name ip.
func daemonCert(t *testing.T, machine, ip string) *x509.Certificate {
	t.Helper()
	dir := machineDir(machine)
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		t.Fatal("ca.pem holds no certificate")
	}
	dialer := &net.Dialer{Timeout: 15 * time.Second, Deadline: time.Now().Add(30 * time.Second)}
	conn, err := tls.DialWithDialer(dialer, "tcp", net.JoinHostPort(ip, "2376"), &tls.Config{
		Certificates: []tls.Certificate{pair},
		RootCAs:      pool,
		ServerName:   ip,
		MinVersion:   tls.VersionTLS12,
	})
	if err != nil {
		t.Fatalf("TLS handshake with %s:2376: %v", ip, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

// checkNames fails the test unless certificate c is valid for every name
// (DNS names and IP addresses alike, as a TLS client checks them).
func checkNames(t *testing.T, where string, c *x509.Certificate, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := c.VerifyHostname(n); err != nil {
			t.Errorf("%s: not valid for %s: %v (DNS %q, IP %v)", where, n, err, c.DNSNames, c.IPAddresses)
		}
	}
}

// dockerInfo is the part of `docker info` the engine options change.
type dockerInfo struct {
	Driver         string
	LoggingDriver  string
	Labels         []string
	RegistryConfig struct {
		InsecureRegistryCIDRs []string
		IndexConfigs          map[string]struct{ Secure bool }
	}
}

func machineDockerInfo(t *testing.T, machine string) dockerInfo {
	t.Helper()
	var info dockerInfo
	out := docker(t, machine, "info", "--format", "{{json .}}")
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &info); err != nil {
		t.Fatalf("docker info: %v\n%s", err, out)
	}
	return info
}

// guestProcFile reads /proc/<dockerd>/NAME in the guest the way the issue's
// users do (`sudo cat /proc/$(pgrep dockerd)/environ`), NULs as newlines.
func guestProcFile(t *testing.T, machine, name string) []string {
	t.Helper()
	out := ssh(t, machine, "sudo cat /proc/$(pgrep dockerd)/"+name+" | tr '\\0' '\\n'")
	return strings.Split(out, "\n")
}

// checkTree fails the test unless every file under dir has its content.
func checkTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
		} else if string(got) != want {
			t.Errorf("%s holds %q, want %q", rel, got, want)
		}
	}
}

// pluginArgsWrapper puts a docker-machine-driver-xhyve wrapper first on a
// PATH that records each invocation's arguments (one per line after a
// "--- argc" line) in the returned log, then execs the real plugin with
// them unchanged. The wrapper reads its paths from the environment, so no
// path ends up inside the script.
func pluginArgsWrapper(t *testing.T) (env []string, argsLog string) {
	t.Helper()
	real, err := exec.LookPath("docker-machine-driver-xhyve")
	if err != nil {
		t.Fatal(err)
	}
	dir := harness.UserTempDir(t)
	argsLog = filepath.Join(dir, "args.log")
	script := "#!/bin/sh\nprintf -- '--- %s\\n' \"$#\" >> \"$XHYVE_E2E_ARGS_LOG\"\n" +
		"printf '%s\\n' \"$@\" >> \"$XHYVE_E2E_ARGS_LOG\"\nexec \"$XHYVE_E2E_REAL_PLUGIN\" \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "docker-machine-driver-xhyve"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return []string{"PATH=" + dir + ":" + os.Getenv("PATH"), "XHYVE_E2E_ARGS_LOG=" + argsLog, "XHYVE_E2E_REAL_PLUGIN=" + real}, argsLog
}

// pluginInvocations parses the wrapper's log: the arguments of each start.
func pluginInvocations(t *testing.T, argsLog string) [][]string {
	t.Helper()
	data, err := os.ReadFile(argsLog)
	if err != nil {
		t.Fatal(err)
	}
	var calls [][]string
	for _, l := range harness.OutLines(string(data)) {
		if strings.HasPrefix(l, "--- ") {
			calls = append(calls, []string{})
		} else if len(calls) > 0 {
			calls[len(calls)-1] = append(calls[len(calls)-1], l)
		}
	}
	return calls
}
