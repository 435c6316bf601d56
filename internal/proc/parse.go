package proc

// The decoders of what the kernels report, free of system calls so that they
// build (and are fuzzed) on every OS.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// stat is what get needs from Linux's /proc/PID/stat.
type stat struct {
	pid   int
	comm  string
	state byte
	// startTicks is the start time in clock ticks since boot.
	startTicks uint64
}

// gone reports a zombie ('Z') or a dead task ('X', 'x' before Linux 3.13).
func (s stat) gone() bool {
	return s.state == 'Z' || s.state == 'X' || s.state == 'x'
}

// start is the process's start time, given the boot time.
func (s stat) start(boot time.Time) time.Time {
	// Multiply by a tick's length: ticks*time.Second/userHZ would overflow a
	// Duration after under three years of uptime.
	return boot.Add(time.Duration(s.startTicks) * (time.Second / userHZ))
}

// parseStat reads /proc/PID/stat: "pid (comm) state ppid ...", where
// starttime is field 22.
func parseStat(r io.Reader) (stat, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return stat{}, fmt.Errorf("read process status: %w", err)
	}
	// comm may itself hold spaces, parentheses and newlines, but the fields
	// after it hold no ')': the last one closes comm.
	open, end := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if open < 1 || end < open || data[open-1] != ' ' {
		return stat{}, fmt.Errorf("process status %q has no \"pid (comm)\"", truncate(data))
	}
	pid, err := strconv.Atoi(string(data[:open-1]))
	if err != nil || pid <= 0 || strconv.Itoa(pid) != string(data[:open-1]) {
		return stat{}, fmt.Errorf("process status %q has no pid", truncate(data))
	}
	// ") S ppid ...": the state is one letter, then fields 4 to 22 (starttime).
	after := data[end+1:]
	if len(after) < 4 || after[0] != ' ' || !isLetter(after[1]) || after[2] != ' ' {
		return stat{}, fmt.Errorf("process status %q has no state after comm", truncate(data))
	}
	fields := bytes.Fields(after[3:])
	if len(fields) < 19 {
		return stat{}, fmt.Errorf("process status %q: %d fields after the state, want 19 or more", truncate(data), len(fields))
	}
	ticks, err := strconv.ParseUint(string(fields[18]), 10, 64)
	if err != nil {
		return stat{}, fmt.Errorf("process start time: %w", err)
	}
	return stat{pid: pid, comm: string(data[open+1 : end]), state: after[1], startTicks: ticks}, nil
}

// userHZ is the unit of /proc/PID/stat times; 100 on every Linux ABI Go
// supports.
const userHZ = 100

// maxBootTime (year 10000) bounds a sane btime, and keeps time.Time's
// arithmetic on it from overflowing.
const maxBootTime = 253402300800

// parseBootTime finds the btime line (boot time in epoch seconds) of Linux's
// /proc/stat.
func parseBootTime(r io.Reader) (time.Time, error) {
	// Not bufio.Scanner: the intr line of a machine with many interrupts
	// outgrows its 64 KiB limit.
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			secs, perr := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if perr != nil || secs < 0 || secs >= maxBootTime {
				return time.Time{}, fmt.Errorf("boot time %q is not a count of seconds", strings.TrimSpace(v))
			}
			return time.Unix(secs, 0), nil
		}
		if errors.Is(err, io.EOF) {
			return time.Time{}, errors.New("no btime line")
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("read boot time: %w", err)
		}
	}
}

// parseCmdline splits Linux's /proc/PID/cmdline: arguments each ended by a
// NUL. It is empty for kernel threads, whose arguments are then unknown (nil).
func parseCmdline(r io.Reader) ([]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read process arguments: %w", err)
	}
	if len(data) == 0 {
		return nil, nil
	}
	// A process that rewrote its arguments may have dropped the final NUL.
	return strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00"), nil
}

// parseProcargs2 decodes macOS's kern.procargs2: argc (a native int32), the
// executable path, NUL padding, then the argc NUL-terminated arguments (the
// environment follows). The padding cannot be told from empty leading
// arguments; like ps(1), it takes every NUL there as padding.
func parseProcargs2(r io.Reader) ([]string, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read process arguments: %w", err)
	}
	if len(raw) < 4 {
		return nil, fmt.Errorf("process arguments: %d bytes, no argc", len(raw))
	}
	argc := int32(binary.NativeEndian.Uint32(raw))
	rest := raw[4:]
	i := bytes.IndexByte(rest, 0)
	if argc < 0 || i < 0 {
		return nil, fmt.Errorf("process arguments: argc %d, then %q", argc, truncate(rest))
	}
	rest = bytes.TrimLeft(rest[i:], "\x00")
	// Each argument takes at least its NUL: argc cannot exceed the bytes
	// left, which also bounds the allocation.
	if int(argc) > len(rest) {
		return nil, fmt.Errorf("process arguments: argc %d, but %d bytes", argc, len(rest))
	}
	args := make([]string, 0, argc)
	for len(args) < int(argc) {
		j := bytes.IndexByte(rest, 0)
		if j < 0 {
			return nil, fmt.Errorf("process arguments: %d of %d, then %q without a NUL", len(args), argc, truncate(rest))
		}
		args = append(args, string(rest[:j]))
		rest = rest[j+1:]
	}
	return args, nil
}

func isLetter(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// truncate shortens raw data quoted in an error.
func truncate(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}
