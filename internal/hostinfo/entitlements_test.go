package hostinfo

import (
	"strings"
	"testing"
)

func TestParseEntitlementsFixtures(t *testing.T) {
	for _, tt := range []struct {
		file       string
		hypervisor bool
		keys       int
	}{
		{"codesign/blob.bin", true, 1},             // older codesign: blob header + XML
		{"codesign/blob-without.bin", false, 3},    // xhyve's own list minus the hypervisor key
		{"codesign/xml.plist", true, 1},            // --entitlements :- or --xml
		{"codesign/listing.txt", true, 1},          // newer codesign
		{"codesign/listing-false.txt", false, 3},   // present but false, after an array
		{"codesign/listing-without.txt", false, 1}, // another entitlement only
		{"codesign/none.txt", false, 0},            // signed without entitlements
	} {
		e, err := ParseEntitlements(open(t, tt.file))
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if e.Has(HypervisorEntitlement) != tt.hypervisor || len(e) != tt.keys {
			t.Errorf("%s: %v; want hypervisor %v and %d keys", tt.file, e, tt.hypervisor, tt.keys)
		}
	}
}

func TestParseEntitlementsVariants(t *testing.T) {
	for _, tt := range []struct {
		name, in   string
		hypervisor bool
	}{
		{"executable line", "Executable=/usr/local/bin/hyperkit\n[Dict]\n\t[Key] com.apple.security.hypervisor\n\t[Value]\n\t\t[Bool] true\n", true},
		{"one line per entry", "[Dict]\n    [Key] com.apple.security.cs.disable-library-validation  [Bool] true\n    [Key] com.apple.security.hypervisor  [Value] [Bool] true\n", true},
		{"nested dict keys are not top level", "[Dict]\n\t[Key] outer\n\t[Value]\n\t\t[Dict]\n\t\t\t[Key] com.apple.security.hypervisor\n\t\t\t[Value]\n\t\t\t\t[Bool] true\n", false},
		{"string true is not a bool", "[Dict]\n\t[Key] com.apple.security.hypervisor\n\t[Value]\n\t\t[String] true\n", false},
		{"xml false", `<?xml version="1.0"?><plist version="1.0"><dict><key>com.apple.security.hypervisor</key><false/></dict></plist>`, false},
	} {
		e, err := ParseEntitlements(strings.NewReader(tt.in))
		if err != nil || e.Has(HypervisorEntitlement) != tt.hypervisor {
			t.Errorf("%s: %v, %v; want hypervisor %v", tt.name, e, err, tt.hypervisor)
		}
	}
	for _, bad := range []string{
		"code object is not signed at all",
		"[Dict]\n\tcom.apple.security.hypervisor\n",
		"<plist><dict>",
		"\xfa\xde\x71\x71\x00\x00\x10\x00<plist/>",
	} {
		if e, err := ParseEntitlements(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: %v, want an error", bad, e)
		}
	}
}
