package vpnkit

import (
	"fmt"
	"os"
)

// WriteMACFile is hyperkit's macfile=: once connected, the MAC goes into
// PATH.tmp ("xx:xx:xx:xx:xx:xx", no newline; fopen "w", so mode 0666 less
// the umask), which is then renamed to PATH, so a reader never sees half a
// line. hyperkit only logs a failure in debug builds and its caller
// ignores it (the device comes up anyway): the stand-in does the same
// with the error returned here.
func WriteMACFile(path string, v VIF) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return fmt.Errorf("write macfile: %w", err)
	}
	if _, err := f.WriteString(v.MACString()); err != nil {
		f.Close()
		return fmt.Errorf("write macfile: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write macfile: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write macfile: %w", err)
	}
	return nil
}
