// Package hostinfo reports the host resources flag values are checked
// against.
package hostinfo

import "runtime"

// CPUs returns the number of logical CPUs of the host.
func CPUs() int { return runtime.NumCPU() }

// MemoryMB returns the host's physical memory in megabytes.
func MemoryMB() (int, error) {
	b, err := memoryBytes()
	if err != nil {
		return 0, err
	}
	return int(b / (1024 * 1024)), nil
}
