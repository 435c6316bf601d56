package vmnet

import (
	"bytes"
	"strings"
	"testing"

	"howett.net/plist"
)

const xmlPlist = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Shared_Net_Address</key>
	<string>192.168.64.1</string>
	<key>Shared_Net_Mask</key>
	<string>255.255.255.0</string>
	<key>Shared_Net_IPv6_Enable</key>
	<true/>
</dict>
</plist>
`

func TestParseXML(t *testing.T) {
	s, err := Parse(strings.NewReader(xmlPlist))
	if err != nil {
		t.Fatal(err)
	}
	if s.Address.String() != "192.168.64.1" || s.Network().String() != "192.168.64.0/24" {
		t.Errorf("got %v %v", s.Address, s.Network())
	}
}

func TestParseBinary(t *testing.T) {
	bin, err := plist.Marshal(map[string]string{"Shared_Net_Address": "10.0.5.1", "Shared_Net_Mask": "255.255.0.0"}, plist.BinaryFormat)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(bytes.NewReader(bin))
	if err != nil {
		t.Fatal(err)
	}
	if s.Network().String() != "10.0.0.0/16" {
		t.Errorf("network %v", s.Network())
	}
}

func TestParseErrors(t *testing.T) {
	for name, in := range map[string]string{
		"not a plist": "hello",
		"no address":  strings.Replace(xmlPlist, "Shared_Net_Address", "Other", 1),
		"bad address": strings.Replace(xmlPlist, "192.168.64.1", "nope", 1),
		"bad mask":    strings.Replace(xmlPlist, "255.255.255.0", "255.0.255.0", 1),
	} {
		if _, err := Parse(strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
