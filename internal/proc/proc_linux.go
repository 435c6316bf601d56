package proc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"
)

func get(pid int) (Info, error) {
	var st stat
	err := readProc(fmt.Sprintf("/proc/%d/stat", pid), func(f *os.File) (err error) {
		st, err = parseStat(f)
		return err
	})
	if err != nil {
		return Info{}, exited(fmt.Errorf("read process %d status: %w", pid, err))
	}
	if st.pid != pid {
		return Info{}, fmt.Errorf("read process %d status: it names pid %d", pid, st.pid)
	}
	if st.gone() {
		return Info{}, ErrNotRunning
	}
	var boot time.Time
	err = readProc("/proc/stat", func(f *os.File) (err error) {
		boot, err = parseBootTime(f)
		return err
	})
	if err != nil {
		return Info{}, fmt.Errorf("read boot time: %w", err)
	}
	info := Info{
		Comm:  st.comm,
		Start: st.start(boot),
	}
	err = readProc(fmt.Sprintf("/proc/%d/cmdline", pid), func(f *os.File) (err error) {
		info.Args, err = parseCmdline(f)
		return err
	})
	if err != nil {
		return Info{}, exited(fmt.Errorf("read process %d arguments: %w", pid, err))
	}
	return info, nil
}

// exited turns the errors of a process that exited meanwhile into
// ErrNotRunning.
func exited(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
		return ErrNotRunning
	}
	return err
}

// readProc opens path and hands it to parse.
func readProc(path string, parse func(*os.File) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return parse(f)
}
