package uuidpool

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	uuidA = "6bce442e-4359-4bd9-84f7-edfb8ec6d2ef"
	uuidB = "0f2a7c1e-9d3b-4e5f-8a6b-1c2d3e4f5a6b"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int // entries; -1: ErrCorrupt
	}{
		{"empty pool", `{"version":1,"entries":[]}`, 0},
		{"no entries key", `{"version":1}`, 0},
		{"two entries", `{"version":1,"entries":[{"uuid":"` + uuidA + `","mac":"a:3b:0:5d:6e:7f","released":"2026-01-02T03:04:05Z"},{"uuid":"` + uuidB + `","reserved_by":"/s/machines/x","released":"2026-01-02T03:04:05Z"}]}`, 2},
		{"unknown keys kept out", `{"version":1,"entries":[{"uuid":"` + uuidA + `","later":true,"released":"2026-01-02T03:04:05Z"}],"more":1}`, 1},
		{"not json", `uuid=` + uuidA, -1},
		{"empty file", ``, -1},
		{"truncated", `{"version":1,"entries":[{"uuid":"` + uuidA, -1},
		{"other version", `{"version":2,"entries":[]}`, -1},
		{"no version", `{"entries":[]}`, -1},
		{"bad uuid", `{"version":1,"entries":[{"uuid":"1234","released":"2026-01-02T03:04:05Z"}]}`, -1},
		{"uppercase uuid", `{"version":1,"entries":[{"uuid":"` + strings.ToUpper(uuidA) + `","released":"2026-01-02T03:04:05Z"}]}`, -1},
		{"bad mac", `{"version":1,"entries":[{"uuid":"` + uuidA + `","mac":"zz:1","released":"2026-01-02T03:04:05Z"}]}`, -1},
		{"repeated uuid", `{"version":1,"entries":[{"uuid":"` + uuidA + `","released":"2026-01-02T03:04:05Z"},{"uuid":"` + uuidA + `","released":"2026-01-02T03:04:05Z"}]}`, -1},
		{"too large", `{"version":1,"entries":[]}` + strings.Repeat(" ", maxFileSize), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.in))
			if tt.want < 0 {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("Parse: %v, want ErrCorrupt", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || len(got) != tt.want {
				t.Fatalf("Parse: %d entries (%v), want %d", len(got), got, tt.want)
			}
		})
	}
}

func TestEncodeParseRoundTrip(t *testing.T) {
	in := []Entry{
		{UUID: uuidA, MAC: "0a:3b:00:5d:6e:7f", Machine: "dev", Released: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{UUID: uuidB, ReservedBy: "/store/machines/b", Released: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)},
	}
	for _, entries := range [][]Entry{in, nil} {
		var buf bytes.Buffer
		if err := Encode(&buf, entries); err != nil {
			t.Fatal(err)
		}
		out, err := Parse(&buf)
		if err != nil {
			t.Fatalf("Parse(Encode): %v", err)
		}
		if len(out) != len(entries) {
			t.Fatalf("round trip: %v, want %v", out, entries)
		}
		for i := range out {
			if out[i] != entries[i] {
				t.Errorf("entry %d: %+v, want %+v", i, out[i], entries[i])
			}
		}
	}
}

func TestParseClaim(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Claim
		wantErr bool
	}{
		{"xhyve machine", `{"Driver":{"UUID":"` + strings.ToUpper(uuidA) + `","MACAddress":"0a:3b:00:5d:6e:7f"},"DriverName":"xhyve"}`, Claim{UUID: uuidA, MAC: "0a:3b:00:5d:6e:7f"}, false},
		{"unpadded MAC", `{"Driver":{"MACAddress":"a:3b:0:5d:6e:7f"}}`, Claim{MAC: "0a:3b:00:5d:6e:7f"}, false},
		{"create not done", `{"Driver":{"UUID":"","MACAddress":""}}`, Claim{}, false},
		{"other driver", `{"Driver":{"IPAddress":"1.2.3.4"},"DriverName":"virtualbox"}`, Claim{}, false},
		{"bad MAC is no claim", `{"Driver":{"MACAddress":"nope"}}`, Claim{}, false},
		{"not json", `{"Driver":`, Claim{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseClaim(strings.NewReader(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseClaim: %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseClaim: %+v, want %+v", got, tt.want)
			}
		})
	}
}
