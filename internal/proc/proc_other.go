//go:build !darwin

package proc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of /proc/PID/stat times; 100 on every Linux ABI Go
// supports.
const userHZ = 100

func get(pid int) (Info, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, os.ErrNotExist) {
		return Info{}, ErrNotRunning
	}
	if err != nil {
		return Info{}, fmt.Errorf("read process %d status: %w", pid, err)
	}
	// comm sits in parentheses and may itself contain spaces or ')'.
	open, end := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || end < open {
		return Info{}, fmt.Errorf("parse process %d status %q", pid, stat)
	}
	comm := string(stat[open+1 : end])
	fields := strings.Fields(string(stat[end+1:]))
	// fields[0] is field 3 (state); starttime is field 22.
	if len(fields) < 20 {
		return Info{}, fmt.Errorf("parse process %d status: %d fields", pid, len(fields))
	}
	if fields[0] == "Z" || fields[0] == "X" {
		return Info{}, ErrNotRunning
	}
	ticks, err := strconv.ParseInt(fields[19], 10, 64)
	if err != nil {
		return Info{}, fmt.Errorf("parse process %d start time: %w", pid, err)
	}
	boot, err := bootTime()
	if err != nil {
		return Info{}, err
	}
	info := Info{
		Comm:  comm,
		Start: boot.Add(time.Duration(ticks) * time.Second / userHZ),
	}
	if cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && len(cmdline) > 0 {
		info.Args = strings.Split(strings.TrimSuffix(string(cmdline), "\x00"), "\x00")
	}
	return info, nil
}

func bootTime() (time.Time, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, fmt.Errorf("read boot time: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("parse boot time %q: %w", v, err)
			}
			return time.Unix(secs, 0), nil
		}
	}
	return time.Time{}, errors.New("read boot time: no btime in /proc/stat")
}
