package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"strings"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/xhyveargv"
)

func formatUUID(u [16]byte) string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// randomUUID returns a version 4 UUID, as vmnet uses when no -U is given.
func randomUUID() string {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		panic(err)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return formatUUID(u)
}

// MACForUUID is the stand-in's fixed replacement for vmnet's UUID -> MAC
// mapping: the first six bytes of SHA-256("vmnet-standin-mac:" + the 16 UUID
// bytes), made unicast (bit 0 of the first octet cleared) and locally
// administered (bit 1 set). The same UUID always gives the same MAC, so -M
// predicts the MAC the VM's NIC (and hence the DHCP lease) will carry.
func MACForUUID(uuid string) (net.HardwareAddr, error) {
	u, err := xhyveargv.ParseUUID(uuid)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte("vmnet-standin-mac:"), u[:]...))
	mac := net.HardwareAddr(append([]byte(nil), sum[:6]...))
	mac[0] = (mac[0] &^ 0x01) | 0x02
	return mac, nil
}

// formatMAC prints like vmnet's "%02x:%02x:..." (zero-padded, lowercase).
func formatMAC(mac net.HardwareAddr) string {
	parts := make([]string, len(mac))
	for i, b := range mac {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts, ":")
}

// TapNameForUUID derives the tap interface name (<= 15 characters, the Linux
// IFNAMSIZ limit) from the UUID: "xh-" + 12 hex digits of SHA-256(UUID).
func TapNameForUUID(uuid string) string {
	u, err := xhyveargv.ParseUUID(uuid)
	if err != nil {
		sum := sha256.Sum256([]byte(uuid))
		return "xh-" + hex.EncodeToString(sum[:6])
	}
	sum := sha256.Sum256(append([]byte("vmnet-standin-tap:"), u[:]...))
	return "xh-" + hex.EncodeToString(sum[:6])
}
