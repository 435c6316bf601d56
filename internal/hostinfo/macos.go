package hostinfo

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Version is a macOS product version as `sw_vers -productVersion` prints
// it: 10.15.7, 11.7.10, 26.1. Missing parts are 0.
type Version struct {
	Major, Minor, Patch int
}

// String writes the version back as sw_vers does, without a zero patch.
func (v Version) String() string {
	if v.Patch == 0 {
		return fmt.Sprintf("%d.%d", v.Major, v.Minor)
	}
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// AtLeast reports whether v is other or later.
func (v Version) AtLeast(other Version) bool {
	if v.Major != other.Major {
		return v.Major > other.Major
	}
	if v.Minor != other.Minor {
		return v.Minor > other.Minor
	}
	return v.Patch >= other.Patch
}

// ParseProductVersion reads the output of `sw_vers -productVersion`: one
// line of two or three dot-separated numbers. (With SYSTEM_VERSION_COMPAT=1
// in its environment, sw_vers on macOS 11 and later prints 10.16; callers
// run it without.)
func ParseProductVersion(r io.Reader) (Version, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<10))
	if err != nil {
		return Version{}, fmt.Errorf("read product version: %w", err)
	}
	text := strings.TrimSpace(string(data))
	parts := strings.Split(text, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("product version %q: want N.N or N.N.N", text)
	}
	var nums [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p != strconv.Itoa(n) {
			return Version{}, fmt.Errorf("product version %q: %q is not a number", text, p)
		}
		nums[i] = n
	}
	return Version{nums[0], nums[1], nums[2]}, nil
}

// CPUSysctls are the sysctl names CPUFromSysctl reads. On an Intel Mac
// hw.optional.arm64 and sysctl.proc_translated may not exist at all.
func CPUSysctls() []string {
	return []string{"hw.optional.arm64", "sysctl.proc_translated", "machdep.cpu.vendor", "machdep.cpu.brand_string"}
}

// CPU is what the Mac says of its processor.
type CPU struct {
	// AppleSilicon: hw.optional.arm64 is 1, also seen by an x86 process
	// under Rosetta.
	AppleSilicon bool
	// Translated: sysctl.proc_translated is 1, the asking process runs
	// under Rosetta.
	Translated bool
	// Vendor is machdep.cpu.vendor ("GenuineIntel"); empty where the
	// kernel has no such value (Apple silicon).
	Vendor string
	// Brand is machdep.cpu.brand_string ("Intel(R) Core(TM) i7-8850H CPU
	// @ 2.60GHz", "Apple M1").
	Brand string
}

// CPUFromSysctl reads a CPU from sysctl values by name (ParseSysctl's
// result, or values read through the sysctl system call).
func CPUFromSysctl(values map[string]string) CPU {
	return CPU{
		AppleSilicon: values["hw.optional.arm64"] == "1",
		Translated:   values["sysctl.proc_translated"] == "1",
		Vendor:       values["machdep.cpu.vendor"],
		Brand:        values["machdep.cpu.brand_string"],
	}
}

// ParseSysctl reads what `sysctl NAME...` prints: one "name: value" line
// per name. Names sysctl does not know are reported on stderr, so they are
// simply absent here.
func ParseSysctl(r io.Reader) (map[string]string, error) {
	values := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("sysctl line %q: want name: value", line)
		}
		values[name] = strings.TrimSpace(value)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read sysctl values: %w", err)
	}
	if len(values) == 0 {
		return nil, errors.New("no sysctl values")
	}
	return values, nil
}
