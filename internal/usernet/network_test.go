package usernet

import (
	"bytes"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/insomniacslk/dhcp/dhcpv4"
)

func mustMAC(s string) net.HardwareAddr {
	m, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string // "" = valid
	}{
		{Config{}, ""},
		{Config{Subnet: netip.MustParsePrefix("10.0.0.0/8")}, ""},
		{Config{Subnet: netip.MustParsePrefix("172.31.7.0/29")}, ""},
		{Config{Subnet: netip.MustParsePrefix("192.168.127.0/30")}, "prefix length"},
		{Config{Subnet: netip.MustParsePrefix("192.168.0.0/15")}, "not inside a private range"},
		{Config{Subnet: netip.MustParsePrefix("8.8.8.0/24")}, "not inside a private range"},
		{Config{Subnet: netip.MustParsePrefix("192.168.127.5/24")}, "use 192.168.127.0/24"},
		{Config{Subnet: netip.MustParsePrefix("fd00::/64")}, "not IPv4"},
		{Config{MTU: 9000}, "MTU 9000"},
		{Config{MTU: 100}, "MTU 100"},
		{Config{MTU: MaxMTU}, ""},
		{Config{MaxConns: -1}, "MaxConns"},
	} {
		err := tc.cfg.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: Validate() = %v, want %q", tc.cfg, err, tc.want)
		}
		if _, err := New(tc.cfg); (err == nil) != (tc.want == "") {
			t.Errorf("%+v: New() error %v", tc.cfg, err)
		}
	}
}

func TestAddresses(t *testing.T) {
	n, err := New(Config{Subnet: netip.MustParsePrefix("10.11.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	if n.Gateway().String() != "10.11.0.1" || n.HostAlias().String() != "10.11.255.254" {
		t.Errorf("gateway %s, host alias %s", n.Gateway(), n.HostAlias())
	}
}

// dhcpExchange sends m from v and returns the server's reply of type want.
func dhcpExchange(t *testing.T, v *vm, m *dhcpv4.DHCPv4, want dhcpv4.MessageType) *dhcpv4.DHCPv4 {
	t.Helper()
	v.send(t, udpFrame(broadcast, v.mac, netip.IPv4Unspecified(), netip.MustParseAddr("255.255.255.255"), 68, 67, m.ToBytes()))
	var reply *dhcpv4.DHCPv4
	v.recv(t, want.String(), func(f []byte) bool {
		p, ok := udpPayload(f, 68)
		if !ok {
			return false
		}
		r, err := dhcpv4.FromBytes(p)
		if err != nil || r.TransactionID != m.TransactionID || r.MessageType() != want {
			return false
		}
		reply = r
		return true
	})
	return reply
}

// TestDHCP: a machine gets an address of the subnet, the lease is listed
// for its MAC, and it gets the same one when it asks again.
func TestDHCP(t *testing.T) {
	n, path := startNetwork(t, Config{})
	v := join(t, path, uuid.New())
	if !bytes.Equal(v.mac, MACForUUID(uuid.MustParse(n.Connected()[0].String()))) {
		t.Fatalf("handshake MAC %s is not MACForUUID's", v.mac)
	}
	var ip netip.Addr
	for range 2 {
		disc, err := dhcpv4.NewDiscovery(v.mac)
		if err != nil {
			t.Fatal(err)
		}
		offer := dhcpExchange(t, v, disc, dhcpv4.MessageTypeOffer)
		req, err := dhcpv4.NewRequestFromOffer(offer)
		if err != nil {
			t.Fatal(err)
		}
		ack := dhcpExchange(t, v, req, dhcpv4.MessageTypeAck)
		got, _ := netip.AddrFromSlice(ack.YourIPAddr.To4())
		if !n.Subnet().Contains(got) || got == n.Gateway() || got == n.HostAlias() {
			t.Fatalf("leased %s in %s (gateway %s)", got, n.Subnet(), n.Gateway())
		}
		if ip.IsValid() && got != ip {
			t.Errorf("second lease %s, first %s", got, ip)
		}
		ip = got
		if r := ack.Router(); len(r) != 1 || r[0].String() != n.Gateway().String() {
			t.Errorf("router %v, want %s", r, n.Gateway())
		}
	}
	leased, ok, err := n.LeaseOf(v.mac)
	if err != nil || !ok || leased != ip {
		t.Errorf("LeaseOf(%s) = %s, %v, %v; want %s", v.mac, leased, ok, err, ip)
	}
}

// TestTwoMachines: machines on one network reach each other: B sees A's
// broadcast ARP request (hyperkit-padded) and A gets B's reply.
func TestTwoMachines(t *testing.T) {
	_, path := startNetwork(t, Config{})
	a, b := join(t, path, uuid.New()), join(t, path, uuid.New())
	ipA, ipB := netip.MustParseAddr("192.168.127.40"), netip.MustParseAddr("192.168.127.41")
	// B joins the switch just after its handshake: A asks until B hears,
	// as ARP does
	req := encode(arp(1, broadcast, a.mac, ipA, ipB, make([]byte, 6)))
	heard := make(chan struct{})
	go func() {
		for {
			select {
			case <-heard:
				return
			case <-time.After(20 * time.Millisecond):
				if _, err := a.conn.Write(req); err != nil {
					return
				}
			}
		}
	}()
	b.recv(t, "A's ARP request", func(f []byte) bool { return isARP(f, 1, a.mac) && len(f) == 60 })
	close(heard)
	b.send(t, arp(2, a.mac, b.mac, ipB, ipA, a.mac))
	a.recv(t, "B's ARP reply", func(f []byte) bool { return isARP(f, 2, b.mac) })
}
