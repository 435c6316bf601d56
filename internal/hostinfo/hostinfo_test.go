package hostinfo

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestMemoryMBMatchesProcMeminfo(t *testing.T) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Skip("no /proc/meminfo on this OS")
	}
	fields := strings.Fields(strings.SplitN(string(data), "\n", 2)[0]) // MemTotal: N kB
	kb, err := strconv.Atoi(fields[1])
	if err != nil {
		t.Fatal(err)
	}
	got, err := MemoryMB()
	if err != nil {
		t.Fatal(err)
	}
	if want := kb / 1024; got < want-1 || got > want+1 {
		t.Errorf("MemoryMB = %d, /proc/meminfo says %d", got, want)
	}
	if CPUs() < 1 {
		t.Errorf("CPUs = %d", CPUs())
	}
}
