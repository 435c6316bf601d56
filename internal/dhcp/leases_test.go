package dhcp

import (
	"bytes"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const sample = `{
	name=boot2docker
	ip_address=192.168.64.2
	hw_address=1,a:3b:4c:5d:6e:7f
	identifier=1,a:3b:4c:5d:6e:7f
	lease=0x5f1e2b3c
}
{
	name
	ip_address=192.168.64.3
	hw_address=ff,f1:2:3:4:5:6:7
	identifier=ff,f1:2:3:4:5:6:7
	declined
	lease=0x5f1e2b00
}
{
	name=boot2docker
	ip_address=192.168.64.9
	hw_address=1,a:3b:4c:5d:6e:7f
	identifier=1,a:3b:4c:5d:6e:7f
	lease=0x5f1e2c00
}
{
	name=other
	ip_address=192.168.64.4
	hw_address=1,0:0:c:1:2:3
	identifier=1,0:0:c:1:2:3
	lease=0x5f1e2b3c
}
`

func mustMAC(t testing.TB, s string) net.HardwareAddr {
	t.Helper()
	mac, err := net.ParseMAC(s)
	if err != nil {
		t.Fatal(err)
	}
	return mac
}

func TestParseSample(t *testing.T) {
	leases, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(leases) != 4 {
		t.Fatalf("got %d leases, want 4", len(leases))
	}
	if got := leases[1].HWAddress; got != nil {
		t.Errorf("client-identifier entry got MAC %v, want none", got)
	}
	if leases[1].Name != "" || !leases[1].IP.Equal(net.ParseIP("192.168.64.3")) {
		t.Errorf("value-less name entry parsed as %+v", leases[1])
	}
	if want := time.Unix(0x5f1e2b3c, 0); !leases[0].Expiry.Equal(want) {
		t.Errorf("expiry %v, want %v", leases[0].Expiry, want)
	}
	if leases[2].Line != 16 {
		t.Errorf("third entry line %d, want 16", leases[2].Line)
	}
}

func TestFind(t *testing.T) {
	leases, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mac    string
		wantIP string
	}{
		{"0a:3b:4c:5d:6e:7f", "192.168.64.9"}, // the later of two leases
		{"00:00:0c:01:02:03", "192.168.64.4"}, // unpadded zero octets
		{"0A:3B:4C:5D:6E:7F", "192.168.64.9"}, // case does not matter
	}
	for _, tt := range tests {
		l, err := Find(leases, mustMAC(t, tt.mac))
		if err != nil {
			t.Errorf("Find(%s): %v", tt.mac, err)
			continue
		}
		if l.IP.String() != tt.wantIP {
			t.Errorf("Find(%s) = %s, want %s", tt.mac, l.IP, tt.wantIP)
		}
	}
	if _, err := Find(leases, mustMAC(t, "0a:3b:4c:5d:6e:70")); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown MAC: err %v, want ErrNotFound", err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unclosed", "{\n\tip_address=1.2.3.4\n", "line 1: entry is never closed"},
		{"nested", "{\n{\n}\n", "line 2: '{' inside an entry"},
		{"stray close", "}\n", "line 1: '}' without an open entry"},
		{"outside", "ip_address=1.2.3.4\n", "line 1: \"ip_address=1.2.3.4\" outside an entry"},
		{"bad ip", "{\n\tip_address=1.2.3\n}\n", "line 2: ip_address \"1.2.3\""},
		{"bad mac", "{\n\thw_address=1,zz:1:2:3:4:5\n}\n", "line 2: hw_address"},
		{"short mac", "{\n\thw_address=1,1:2:3\n}\n", "does not have 6 octets"},
		{"no type", "{\n\thw_address=1:2:3:4:5:6\n}\n", "lacks the type prefix"},
		{"bad lease", "{\n\tlease=12\n}\n", "not a hex epoch time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a SyntaxError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestFormatMAC(t *testing.T) {
	if got := FormatMAC(mustMAC(t, "0a:3b:00:5d:6e:7f")); got != "a:3b:0:5d:6e:7f" {
		t.Errorf("FormatMAC = %q", got)
	}
}

func TestRemoveMAC(t *testing.T) {
	out, n, err := RemoveMAC(strings.NewReader(sample), mustMAC(t, "0a:3b:4c:5d:6e:7f"))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("removed %d entries, want 2", n)
	}
	want := sample[strings.Index(sample, "{\n\tname\n"):strings.Index(sample, "{\n\tname=boot2docker\n\tip_address=192.168.64.9")] +
		sample[strings.Index(sample, "{\n\tname=other"):]
	if string(out) != want {
		t.Errorf("kept bytes differ:\n%s\nwant:\n%s", out, want)
	}
	if _, n, _ := RemoveMAC(strings.NewReader(sample), mustMAC(t, "02:00:00:00:00:01")); n != 0 {
		t.Errorf("removed %d entries of an unknown MAC", n)
	}
}

func TestRemoveMACFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dhcpd_leases")
	if n, err := RemoveMACFromFile(path, mustMAC(t, "0a:3b:4c:5d:6e:7f")); err != nil || n != 0 {
		t.Fatalf("missing file: n=%d err=%v", n, err)
	}
	if err := os.WriteFile(path, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := RemoveMACFromFile(path, mustMAC(t, "00:00:0c:01:02:03"))
	if err != nil || n != 1 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if _, err := LookupFile(path, mustMAC(t, "00:00:0c:01:02:03")); !errors.Is(err, ErrNotFound) {
		t.Errorf("entry still found after removal: %v", err)
	}
	l, err := LookupFile(path, mustMAC(t, "0a:3b:4c:5d:6e:7f"))
	if err != nil || l.IP.String() != "192.168.64.9" {
		t.Errorf("other entries damaged: %v %v", l.IP, err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("mode after rewrite: %v %v", info.Mode(), err)
	}
	if err := os.WriteFile(path, []byte("{\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := RemoveMACFromFile(path, mustMAC(t, "00:00:0c:01:02:03")); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("malformed file: err %v, want one naming %s", err, path)
	}
	if got, _ := os.ReadFile(path); string(got) != "{\n" {
		t.Errorf("malformed file was changed to %q", got)
	}
}

// FuzzRemoveMAC checks that removal never touches bytes outside the removed
// entries and that parsing never panics.
func FuzzRemoveMAC(f *testing.F) {
	f.Add([]byte(sample), []byte{0x0a, 0x3b, 0x4c, 0x5d, 0x6e, 0x7f})
	f.Add([]byte("{\n\tname\n}\n"), []byte{0, 0, 0, 0, 0, 0})
	f.Add([]byte("garbage\n{"), []byte{1, 2, 3, 4, 5, 6})
	f.Fuzz(func(t *testing.T, data, macBytes []byte) {
		if len(macBytes) != 6 {
			return
		}
		mac := net.HardwareAddr(macBytes)
		leases, perr := Parse(bytes.NewReader(data))
		out, n, err := RemoveMAC(bytes.NewReader(data), mac)
		if (perr == nil) != (err == nil) {
			t.Fatalf("Parse err %v but RemoveMAC err %v", perr, err)
		}
		if err != nil {
			return
		}
		want := 0
		for _, l := range leases {
			if bytes.Equal(l.HWAddress, mac) {
				want++
			}
		}
		if n != want {
			t.Fatalf("removed %d, want %d", n, want)
		}
		if n == 0 && !bytes.Equal(out, data) {
			t.Fatalf("nothing removed but bytes changed")
		}
		after, err := Parse(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		if len(after) != len(leases)-n {
			t.Fatalf("%d entries left, want %d", len(after), len(leases)-n)
		}
		if _, err := Find(after, mac); !errors.Is(err, ErrNotFound) {
			t.Fatalf("MAC still present")
		}
	})
}
