package main

import (
	"regexp"
	"testing"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/xhyveargv"
)

func TestMACForUUID(t *testing.T) {
	a, err := MACForUUID(testUUID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := MACForUUID("6BA7B810-9DAD-11D1-80B4-00C04FD430C8") // case does not matter
	if a.String() != b.String() {
		t.Errorf("case changes the MAC: %s vs %s", a, b)
	}
	again, _ := MACForUUID(testUUID)
	if a.String() != again.String() {
		t.Errorf("not deterministic")
	}
	// fixed value: changing the derivation changes every VM's MAC and lease
	if got := formatMAC(a); got != "da:e1:5a:e0:e6:3f" {
		t.Errorf("MAC for %s = %s, want da:e1:5a:e0:e6:3f", testUUID, got)
	}
	seen := map[string]string{}
	for i := 0; i < 2000; i++ {
		u := randomUUID()
		m, err := MACForUUID(u)
		if err != nil {
			t.Fatal(err)
		}
		if m[0]&1 != 0 {
			t.Fatalf("%s: multicast MAC %s", u, m)
		}
		if m[0]&2 == 0 {
			t.Fatalf("%s: MAC %s not locally administered", u, m)
		}
		if prev, ok := seen[m.String()]; ok {
			t.Fatalf("MAC collision %s for %s and %s", m, prev, u)
		}
		seen[m.String()] = u
	}
	if _, err := MACForUUID("nope"); err == nil {
		t.Errorf("invalid UUID accepted")
	}
}

func TestFormatMACZeroPadded(t *testing.T) {
	if got := formatMAC([]byte{0x0a, 0, 0x3b, 0x4, 0x5d, 0xff}); got != "0a:00:3b:04:5d:ff" {
		t.Errorf("formatMAC = %s", got)
	}
}

func TestTapName(t *testing.T) {
	n := TapNameForUUID(testUUID)
	if len(n) > 15 || !regexp.MustCompile(`^xh-[0-9a-f]{12}$`).MatchString(n) {
		t.Errorf("tap name %q", n)
	}
	if TapNameForUUID(randomUUID()) == n {
		t.Errorf("tap names collide")
	}
}

func TestRandomUUID(t *testing.T) {
	u := randomUUID()
	if _, err := xhyveargv.ParseUUID(u); err != nil || u[14] != '4' {
		t.Errorf("randomUUID %q: %v", u, err)
	}
}
