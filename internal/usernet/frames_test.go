package usernet

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
)

var broadcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// arp builds an ARP request (op 1) or reply (op 2) frame, 42 bytes.
func arp(op uint16, dst, src net.HardwareAddr, srcIP, targetIP netip.Addr, targetMAC net.HardwareAddr) []byte {
	b := append(append(bytes.Clone(dst), src...), 0x08, 0x06)
	b = append(b, 0, 1, 0x08, 0x00, 6, 4)
	b = binary.BigEndian.AppendUint16(b, op)
	s, d := srcIP.As4(), targetIP.As4()
	b = append(append(append(b, src...), s[:]...), targetMAC...)
	return append(b, d[:]...)
}

// isARP reports whether f is an ARP frame of op from src.
func isARP(f []byte, op uint16, src net.HardwareAddr) bool {
	return len(f) >= 42 && f[12] == 0x08 && f[13] == 0x06 &&
		binary.BigEndian.Uint16(f[20:22]) == op && bytes.Equal(f[6:12], src)
}

// udpFrame builds an Ethernet/IPv4/UDP frame (UDP checksum 0: none).
func udpFrame(dst, src net.HardwareAddr, srcIP, dstIP netip.Addr, srcPort, dstPort uint16, payload []byte) []byte {
	ip := make([]byte, 20)
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+8+len(payload)))
	ip[8] = 64
	ip[9] = 17
	s, d := srcIP.As4(), dstIP.As4()
	copy(ip[12:], s[:])
	copy(ip[16:], d[:])
	binary.BigEndian.PutUint16(ip[10:], checksum(ip))
	udp := binary.BigEndian.AppendUint16(nil, srcPort)
	udp = binary.BigEndian.AppendUint16(udp, dstPort)
	udp = binary.BigEndian.AppendUint16(udp, uint16(8+len(payload)))
	udp = append(udp, 0, 0)
	f := append(append(bytes.Clone(dst), src...), 0x08, 0x00)
	return append(append(append(f, ip...), udp...), payload...)
}

func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// udpPayload returns the payload of an IPv4/UDP frame to dstPort.
func udpPayload(f []byte, dstPort uint16) ([]byte, bool) {
	if len(f) < 14+20+8 || f[12] != 0x08 || f[13] != 0x00 || f[14+9] != 17 {
		return nil, false
	}
	ihl := int(f[14]&0x0f) * 4
	udp := f[14+ihl:]
	if len(udp) < 8 || binary.BigEndian.Uint16(udp[2:]) != dstPort {
		return nil, false
	}
	n := int(binary.BigEndian.Uint16(udp[4:]))
	if n < 8 || n > len(udp) {
		return nil, false
	}
	return udp[8:n], true
}
