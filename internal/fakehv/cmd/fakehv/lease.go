package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// bootpdMAC writes mac as bootpd does in hw_address and identifier:
// lowercase hex octets without zero padding (docs/facts.md §4). The fake has
// its own formatter so that a driver bug in formatting or parsing shows up
// instead of cancelling out.
func bootpdMAC(mac net.HardwareAddr) string {
	octets := make([]string, len(mac))
	for i, b := range mac {
		octets[i] = fmt.Sprintf("%x", b)
	}
	return strings.Join(octets, ":")
}

// leaseEntry is one entry in bootpd's layout; "1," marks an Ethernet
// address and lease is the expiry in hex epoch seconds.
func leaseEntry(name, ip string, mac net.HardwareAddr, expiry time.Time) string {
	hw := "1," + bootpdMAC(mac)
	return fmt.Sprintf("{\n\tname=%s\n\tip_address=%s\n\thw_address=%s\n\tidentifier=%s\n\tlease=0x%x\n}\n",
		name, ip, hw, hw, expiry.Unix())
}

// writeLease puts an entry for mac ahead of the file's old ones, which
// bootpd never removes, and replaces the file whole: write a new file, then
// rename it over the old one, as bootpd does. Like bootpd it takes no lock.
func writeLease(path, ip string, mac net.HardwareAddr, expiry time.Time) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("read leases: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".dhcpd_leases.fakehv-*")
	if err != nil {
		return fmt.Errorf("write leases: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	data := append([]byte(leaseEntry("boot2docker", ip, mac, expiry)), old...)
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write leases: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write leases: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write leases: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace leases: %w", err)
	}
	return nil
}
