package vmnet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"testing/iotest"

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

// FuzzParse feeds XML and binary plists: whatever parses names an IPv4 host
// address inside a network with a contiguous IPv4 mask, and says the same
// again once written back as a plist of either format.
func FuzzParse(f *testing.F) {
	f.Add([]byte(xmlPlist))
	for _, prefs := range []map[string]any{
		{"Shared_Net_Address": "10.0.5.1", "Shared_Net_Mask": "255.255.0.0"},
		{"Shared_Net_Address": "192.168.64.1"},
		{"Shared_Net_Address": "::ffff:192.168.64.1", "Shared_Net_Mask": "255.255.255.252"},
		{"Shared_Net_Address": "192.168.64.1", "Shared_Net_Mask": "255.0.255.0"},
		{"Shared_Net_Address": 42, "Shared_Net_Mask": []string{"x"}},
	} {
		for _, format := range []int{plist.XMLFormat, plist.BinaryFormat} {
			data, err := plist.Marshal(prefs, format)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("bplist00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(s.Address) != net.IPv4len {
			t.Fatalf("address %v is %d bytes, want an IPv4 address", s.Address, len(s.Address))
		}
		ones, bits := s.Mask.Size()
		if bits != 32 {
			t.Fatalf("mask %v is not a contiguous IPv4 mask", s.Mask)
		}
		if !s.Network().Contains(s.Address) || s.Network().String() != fmt.Sprintf("%s/%d", s.Address.Mask(s.Mask), ones) {
			t.Fatalf("network %v does not fit address %v and mask /%d", s.Network(), s.Address, ones)
		}
		for _, format := range []int{plist.XMLFormat, plist.BinaryFormat} {
			again, err := plist.Marshal(map[string]string{"Shared_Net_Address": s.Address.String(), "Shared_Net_Mask": net.IP(s.Mask).String()}, format)
			if err != nil {
				t.Fatal(err)
			}
			s2, err := Parse(bytes.NewReader(again))
			if err != nil || !s2.Address.Equal(s.Address) || s2.Mask.String() != s.Mask.String() {
				t.Fatalf("written back as format %d it parses as %+v, %v; want %+v", format, s2, err, s)
			}
		}
	})
}

// TestParseReader: Parse takes any reader, though the plist decoder seeks.
func TestParseReader(t *testing.T) {
	s, err := Parse(iotest.OneByteReader(strings.NewReader(xmlPlist)))
	if err != nil || s.Address.String() != "192.168.64.1" {
		t.Errorf("got %+v, %v", s, err)
	}
	if _, err := Parse(iotest.ErrReader(io.ErrUnexpectedEOF)); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("read error: %v", err)
	}
}
