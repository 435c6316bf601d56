package dhcp

import (
	"bytes"
	"fmt"
	"net"
	"testing"
)

// fullLeaseFile is what bootpd's pool looks like after months of VMs: 253
// addresses, several stale entries per MAC.
func fullLeaseFile() []byte {
	var b bytes.Buffer
	for i := 0; i < 253*3; i++ {
		mac := net.HardwareAddr{0x0a, 0, 0, 0, byte(i >> 8), byte(i)}
		fmt.Fprintf(&b, "{\n\tname=boot2docker\n\tip_address=192.168.64.%d\n\thw_address=1,%s\n\tidentifier=1,%s\n\tlease=0x%x\n}\n",
			2+i%253, FormatMAC(mac), FormatMAC(mac), 0x5f000000+i)
	}
	return b.Bytes()
}

func BenchmarkLookupFullPool(b *testing.B) {
	data := fullLeaseFile()
	mac := net.HardwareAddr{0x0a, 0, 0, 0, 2, 0xf0}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		leases, err := Parse(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Find(leases, mac); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRemoveMACFullPool(b *testing.B) {
	data := fullLeaseFile()
	mac := net.HardwareAddr{0x0a, 0, 0, 0, 2, 0xf0}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, n, err := RemoveMAC(bytes.NewReader(data), mac); err != nil || n != 1 {
			b.Fatal(n, err)
		}
	}
}
