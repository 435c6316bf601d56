package dhcp

import (
	"bytes"
	"errors"
	"net"
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

// TestParseLongLine: bootpd puts no bound on a line (a client may send a
// long name), so neither may Parse; it must agree with RemoveMAC.
func TestParseLongLine(t *testing.T) {
	name := strings.Repeat("n", 200<<10)
	in := strings.Replace(sample, "name=other", "name="+name, 1)
	leases, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(leases) != 4 {
		t.Fatalf("got %d entries, want 4", len(leases))
	}
	if l := leases[3]; l.Name != name || l.IP.String() != "192.168.64.4" {
		t.Errorf("the entry with the long line has a %d-byte name and IP %v", len(l.Name), l.IP)
	}
	out, n, err := RemoveMAC(strings.NewReader(in), mustMAC(t, "0a:3b:4c:5d:6e:7f"))
	if err != nil || n != 2 || !strings.Contains(string(out), name) {
		t.Errorf("RemoveMAC on the same input: n=%d err=%v", n, err)
	}
}

// sameLease compares everything but the line number, which removal shifts.
func sameLease(a, b Lease) bool {
	return a.Name == b.Name && a.IP.Equal(b.IP) && bytes.Equal(a.HWAddress, b.HWAddress) &&
		a.Identifier == b.Identifier && a.Expiry.Equal(b.Expiry)
}

// FuzzRemoveMAC checks that Parse and RemoveMAC agree on every input: both
// fail alike or both succeed, RemoveMAC drops exactly the entries Parse
// attributes to the MAC, and what it keeps parses to exactly the other
// entries, in order. (Lines over 64 KiB are TestParseLongLine's: a seed that
// long slows every mutation down.)
func FuzzRemoveMAC(f *testing.F) {
	f.Add([]byte(sample), []byte{0x0a, 0x3b, 0x4c, 0x5d, 0x6e, 0x7f})
	f.Add([]byte("{\n\tname\n}\n"), []byte{0, 0, 0, 0, 0, 0})
	f.Add([]byte("garbage\n{"), []byte{1, 2, 3, 4, 5, 6})
	f.Add([]byte("\r\n{\r\n\thw_address=1,1:2:3:4:5:6\r\n}"), []byte{1, 2, 3, 4, 5, 6})
	f.Fuzz(func(t *testing.T, data, macBytes []byte) {
		if len(macBytes) != 6 {
			return
		}
		mac := net.HardwareAddr(macBytes)
		leases, perr := Parse(bytes.NewReader(data))
		out, n, err := RemoveMAC(bytes.NewReader(data), mac)
		if (perr == nil) != (err == nil) || (err != nil && err.Error() != perr.Error()) {
			t.Fatalf("Parse err %v but RemoveMAC err %v", perr, err)
		}
		if err != nil {
			return
		}
		var others []Lease
		for _, l := range leases {
			if !bytes.Equal(l.HWAddress, mac) {
				others = append(others, l)
			}
		}
		if n != len(leases)-len(others) {
			t.Fatalf("removed %d, want %d", n, len(leases)-len(others))
		}
		if n == 0 && !bytes.Equal(out, data) {
			t.Fatalf("nothing removed but bytes changed")
		}
		after, err := Parse(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		if len(after) != len(others) {
			t.Fatalf("%d entries left, want %d", len(after), len(others))
		}
		for i := range after {
			if !sameLease(after[i], others[i]) {
				t.Fatalf("entry %d left is %+v, want %+v", i, after[i], others[i])
			}
		}
	})
}
