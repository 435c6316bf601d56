//go:build e2e && bench

package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/test/harness"
)

// benchISOs: the release ISO (Debian trixie, what users boot) beside the
// harness's bookworm guest, each created once, stopped, then timed from
// `docker-machine start` to SSH (start returns when SSH answers) and to
// the Docker API answering /_ping over the machine's TLS; and each ISO's
// size. A later boot, not the first: both have their certificates made.
func benchISOs(t *testing.T, f *figures) {
	_, served := releaseISO(t)
	for _, iso := range []struct{ label, key, path string }{
		{"release ISO (Debian trixie)", "release", served},
		{"harness guest (Debian bookworm)", "bookworm", harness.GuestFile("boot2docker.iso")},
	} {
		name := "iso-" + iso.key
		args := []string{"create", "-d", "xhyve", name}
		if iso.key != "release" {
			args = []string{"create", "-d", "xhyve", "--xhyve-boot2docker-url", iso.path, name}
		}
		dm(t, args...)
		dm(t, "stop", name)
		start := time.Now()
		dm(t, "start", name)
		ssh := time.Since(start)
		api := waitDockerAPI(t, name, machineIP(t, name), 5*time.Minute).Sub(start)
		fi, err := os.Stat(iso.path)
		if err != nil {
			t.Fatal(err)
		}
		f.add("boot: "+iso.label, fmt.Sprintf("%s, %.0f MB: start to SSH %.1f s, to the Docker API %.1f s",
			isoVersion(t, iso.path), float64(fi.Size())/1e6, ssh.Seconds(), api.Seconds()),
			map[string]float64{iso.key + "_ssh_s": ssh.Seconds(), iso.key + "_api_s": api.Seconds(), iso.key + "_mb": float64(fi.Size()) / 1e6})
		dm(t, "rm", "-y", name)
	}
}

// waitDockerAPI polls the machine's Docker API with its TLS client
// certificate until /_ping answers OK, and returns when it did.
func waitDockerAPI(t *testing.T, name, ip string, timeout time.Duration) time.Time {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(machineFile(name, "cert.pem"), machineFile(name, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(harness.ReadFile(t, machineFile(name, "ca.pem")))) {
		t.Fatal("no certificate in ca.pem")
	}
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool},
	}}
	url := "https://" + net.JoinHostPort(ip, "2376") + "/_ping"
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := client.Get(url)
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 16))
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && strings.TrimSpace(string(body)) == "OK" {
			return time.Now()
		}
	}
	t.Fatalf("the Docker API of %s did not answer within %s", name, timeout)
	return time.Time{}
}
