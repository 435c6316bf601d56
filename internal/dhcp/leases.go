// Package dhcp reads and edits the macOS bootpd lease file
// (/var/db/dhcpd_leases), where vmnet records the address it gave each VM.
package dhcp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// ErrNotFound reports that no lease exists for a MAC address.
var ErrNotFound = errors.New("no dhcp lease for this MAC address")

// Lease is one `{ ... }` entry of the lease file.
type Lease struct {
	Name       string
	IP         net.IP
	HWAddress  net.HardwareAddr // nil when the entry has no Ethernet address (`ff,` identifiers)
	Identifier string
	Expiry     time.Time
	// Line is the 1-based line of the entry's opening brace, for messages.
	Line int
}

// SyntaxError locates a malformed line in a lease file.
type SyntaxError struct {
	Line int
	Msg  string
}

// Error names the line and what is wrong with it.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// Parse reads every entry of a bootpd lease file. Unknown keys and value-less
// properties are ignored, as bootpd itself writes them; structural damage
// (unbalanced braces, a bad address) is an error naming the line.
func Parse(r io.Reader) ([]Lease, error) {
	var p parser
	// bufio.Reader rather than bufio.Scanner: lines have no length limit, so
	// Parse accepts every file RemoveMAC accepts.
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			if perr := p.feed(strings.TrimSuffix(line, "\n")); perr != nil {
				return nil, perr
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read leases: %w", err)
		}
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	return p.leases, nil
}

// parser takes a lease file line by line.
type parser struct {
	leases []Lease
	cur    *Lease
	line   int
}

func (p *parser) feed(raw string) error {
	p.line++
	text := strings.TrimSpace(raw)
	switch {
	case text == "":
	case text == "{":
		if p.cur != nil {
			return &SyntaxError{p.line, "'{' inside an entry opened at line " + strconv.Itoa(p.cur.Line)}
		}
		p.cur = &Lease{Line: p.line}
	case text == "}":
		if p.cur == nil {
			return &SyntaxError{p.line, "'}' without an open entry"}
		}
		p.leases = append(p.leases, *p.cur)
		p.cur = nil
	default:
		if p.cur == nil {
			return &SyntaxError{p.line, fmt.Sprintf("%q outside an entry", text)}
		}
		if err := p.cur.set(text); err != nil {
			return &SyntaxError{p.line, err.Error()}
		}
	}
	return nil
}

func (p *parser) end() error {
	if p.cur != nil {
		return &SyntaxError{p.cur.Line, "entry is never closed with '}'"}
	}
	return nil
}

func (l *Lease) set(prop string) error {
	key, value, ok := strings.Cut(prop, "=")
	if !ok {
		return nil // a bare property such as "name" carries no value
	}
	switch key {
	case "name":
		l.Name = value
	case "ip_address":
		ip := net.ParseIP(value)
		if ip == nil || ip.To4() == nil {
			return fmt.Errorf("ip_address %q is not an IPv4 address", value)
		}
		l.IP = ip.To4()
	case "hw_address":
		mac, err := parseHWAddress(value)
		if err != nil {
			return err
		}
		l.HWAddress = mac
	case "identifier":
		l.Identifier = value
	case "lease":
		secs, err := strconv.ParseInt(strings.TrimPrefix(value, "0x"), 16, 64)
		if err != nil || !strings.HasPrefix(value, "0x") {
			return fmt.Errorf("lease %q is not a hex epoch time", value)
		}
		l.Expiry = time.Unix(secs, 0)
	}
	return nil
}

// parseHWAddress reads bootpd's `type,octets` form. Only type 1 (Ethernet)
// carries a MAC; other types yield nil without error.
func parseHWAddress(value string) (net.HardwareAddr, error) {
	typ, addr, ok := strings.Cut(value, ",")
	if !ok {
		return nil, fmt.Errorf("hw_address %q lacks the type prefix", value)
	}
	if typ != "1" {
		return nil, nil
	}
	mac, err := ParseMAC(addr)
	if err != nil {
		return nil, fmt.Errorf("hw_address %q: %w", value, err)
	}
	return mac, nil
}

// ParseMAC reads a MAC address whose octets may lack leading zeros, as
// bootpd writes them (a:3b:0:5d:6e:7f).
func ParseMAC(s string) (net.HardwareAddr, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 6 {
		return nil, fmt.Errorf("MAC %q does not have 6 octets", s)
	}
	mac := make(net.HardwareAddr, 6)
	for i, p := range parts {
		if p == "" || len(p) > 2 {
			return nil, fmt.Errorf("MAC %q has a bad octet %q", s, p)
		}
		v, err := strconv.ParseUint(p, 16, 8)
		if err != nil {
			return nil, fmt.Errorf("MAC %q has a bad octet %q", s, p)
		}
		mac[i] = byte(v)
	}
	return mac, nil
}

// FormatMAC writes a MAC the way bootpd does: lowercase, octets unpadded.
func FormatMAC(mac net.HardwareAddr) string {
	parts := make([]string, len(mac))
	for i, b := range mac {
		parts[i] = strconv.FormatUint(uint64(b), 16)
	}
	return strings.Join(parts, ":")
}

// Find returns the lease for mac with the latest expiry: bootpd never removes
// stale entries, so one MAC can own several.
func Find(leases []Lease, mac net.HardwareAddr) (Lease, error) {
	var (
		best  Lease
		found bool
	)
	for _, l := range leases {
		if !bytes.Equal(l.HWAddress, mac) {
			continue
		}
		if !found || l.Expiry.After(best.Expiry) {
			best, found = l, true
		}
	}
	if !found {
		return Lease{}, fmt.Errorf("%w %s", ErrNotFound, mac)
	}
	return best, nil
}
