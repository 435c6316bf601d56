package dhcp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Environment of a remover process started by TestRemoveMACFromFileConcurrent.
const (
	removerFileEnv = "DHCP_TEST_REMOVER_FILE"
	removerMACsEnv = "DHCP_TEST_REMOVER_MACS"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(removerFileEnv); path != "" {
		os.Exit(removerMain(path, strings.Split(os.Getenv(removerMACsEnv), ",")))
	}
	os.Exit(m.Run())
}

// removerMain is a separate driver process removing macs at once, one
// goroutine each, as soon as its stdin closes (the parent's start signal).
// It prints "MAC N" per removal.
func removerMain(path string, macs []string) int {
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil {
		fmt.Fprintf(os.Stderr, "wait for the start: %v\n", err)
		return 2
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed bool
	)
	for _, s := range macs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mac, err := net.ParseMAC(s)
			var n int
			if err == nil {
				n, err = RemoveMACFromFile(path, mac)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				fmt.Fprintf(os.Stderr, "remove %s: %v\n", s, err)
				failed = true
				return
			}
			fmt.Printf("%s %d\n", s, n)
		}()
	}
	wg.Wait()
	if failed {
		return 1
	}
	return 0
}

// TestRemoveMACFromFileConcurrent runs removals of different MACs at once,
// from goroutines and from separate processes: every removal must stick and
// every other entry must stay byte for byte.
func TestRemoveMACFromFileConcurrent(t *testing.T) {
	const (
		procs       = 4
		perProc     = 4
		inProcess   = 16
		keptEntries = 20
	)
	var (
		file, want strings.Builder
		removed    = map[string]int{} // MAC -> its entries
		ip         = 2
	)
	add := func(text string, keep bool) {
		file.WriteString(text)
		if keep {
			want.WriteString(text)
		}
	}
	for i := 0; i < procs*perProc+inProcess; i++ {
		mac := net.HardwareAddr{0x0a, 0, 0, 1, 0, byte(i)}
		removed[mac.String()] = 1 + i%2 // every other MAC owns a stale entry too
		for j := 0; j < removed[mac.String()]; j++ {
			add(entry(mac, fmt.Sprintf("192.168.64.%d", ip), 0x5f000000+ip), false)
			ip++
		}
		if i < keptEntries {
			add(entry(net.HardwareAddr{0x0a, 0, 0, 2, 0, byte(i)}, fmt.Sprintf("192.168.65.%d", i+2), 0x5f100000+i), true)
		}
		if i%5 == 0 {
			add("{\n\tname\n\tip_address=192.168.66.7\n\thw_address=ff,1:2:3:4:5:6:7\n\tdeclined\n}\n\n", true)
		}
	}
	path := filepath.Join(t.TempDir(), "dhcpd_leases")
	if err := os.WriteFile(path, []byte(file.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var macs []string
	for mac := range removed {
		macs = append(macs, mac)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	type child struct {
		cmd            *exec.Cmd
		stdin          io.WriteCloser
		stdout, stderr bytes.Buffer
	}
	var children []*child
	for p := 0; p < procs; p++ {
		c := &child{}
		c.cmd = exec.CommandContext(ctx, exe)
		c.cmd.Env = append(os.Environ(), removerFileEnv+"="+path, removerMACsEnv+"="+strings.Join(macs[p*perProc:(p+1)*perProc], ","))
		c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
		if c.stdin, err = c.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children = append(children, c)
	}
	start := make(chan struct{})
	results := make(chan string, inProcess)
	var wg sync.WaitGroup
	for _, s := range macs[procs*perProc:] {
		mac := mustMAC(t, s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			n, err := RemoveMACFromFile(path, mac)
			if err != nil {
				results <- fmt.Sprintf("remove %s: %v", s, err)
				return
			}
			results <- fmt.Sprintf("%s %d", s, n)
		}()
	}
	// Go: the processes see their stdin close, the goroutines the channel.
	for _, c := range children {
		if err := c.stdin.Close(); err != nil {
			t.Error(err)
		}
	}
	close(start)
	wg.Wait()
	close(results)

	var lines []string
	for r := range results {
		lines = append(lines, r)
	}
	for i, c := range children {
		if err := c.cmd.Wait(); err != nil {
			t.Errorf("remover process %d: %v: %s", i, err, c.stderr.String())
		}
		if out := strings.TrimSpace(c.stdout.String()); out != "" {
			lines = append(lines, strings.Split(out, "\n")...)
		}
	}
	got := map[string]int{}
	for _, l := range lines {
		var (
			mac string
			n   int
		)
		if _, err := fmt.Sscanf(l, "%s %d", &mac, &n); err != nil {
			t.Errorf("remover said %q", l)
			continue
		}
		got[mac] = n
	}
	for mac, n := range removed {
		if got[mac] != n {
			t.Errorf("removing %s reported %d entries, want %d", mac, got[mac], n)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != want.String() {
		leases, _ := Parse(bytes.NewReader(data))
		var back []string
		for _, l := range leases {
			if _, ok := removed[l.HWAddress.String()]; ok {
				back = append(back, l.HWAddress.String())
			}
		}
		t.Errorf("lease file is not the original minus the removed entries; removed MACs back: %v\n%s", back, data)
	}
}
