package supervisor

import (
	"fmt"
	"os"
)

// asStdio makes f the process's stdout and stderr, so that what is written
// there directly (the Go runtime's crash output) lands in the current log.
func asStdio(f *os.File) error {
	for _, fd := range []int{1, 2} {
		if err := dupOnto(int(f.Fd()), fd); err != nil {
			return fmt.Errorf("redirect descriptor %d to %s: %w", fd, f.Name(), err)
		}
	}
	return nil
}
