package usernetctl

import (
	"fmt"
	"path/filepath"
)

// Command is the plugin binary's hidden subcommand that runs the network
// process: `docker-machine-driver-xhyve usernet DIR`.
const Command = "usernet"

// MaxSocketPath is the longest socket path hyperkit can use: macOS's
// sun_path holds 104 bytes with the terminating NUL. hyperkit silently
// truncates a longer path and then retries the wrong one forever.
const MaxSocketPath = 103

// Layout is where the network process of one machine store keeps its
// files: under fixed names in DIR (STORE/usernet), so the driver and the
// process derive everything from the directory alone.
type Layout struct {
	// Dir is the network directory, mode 0700.
	Dir string
}

// Config is network.json: what the process serves, written by Ensure.
func (l Layout) Config() string { return l.file("network.json") }

// PIDFile holds the process's pid while it runs.
func (l Layout) PIDFile() string { return l.file("usernet.pid") }

// VPNKitSocket is where hyperkit's virtio-vpnkit devices connect.
func (l Layout) VPNKitSocket() string { return l.file("vpnkit.sock") }

// APISocket serves the control API (HTTP) to the user only.
func (l Layout) APISocket() string { return l.file("api.sock") }

// Log receives the process's stdout and stderr.
func (l Layout) Log() string { return l.file("usernet.log") }

// Lock serialises starting the process (Ensure) across plugin processes.
func (l Layout) Lock() string { return l.file("lock") }

// ProcessLock is held by the running process for its whole life, so a
// second one on the same directory is refused, and a crashed one (whose
// lock the kernel released) is told from a live one.
func (l Layout) ProcessLock() string { return l.file("usernet.lock") }

func (l Layout) file(name string) string { return filepath.Join(l.Dir, name) }

// CheckSocketPath refuses a layout whose vpnkit socket path hyperkit
// cannot use.
func (l Layout) CheckSocketPath() error {
	p := l.VPNKitSocket()
	if len(p) > MaxSocketPath {
		return fmt.Errorf("usernet socket path %s is %d bytes, more than the %d macOS allows (hyperkit would truncate it and never connect): use a shorter MACHINE_STORAGE_PATH (docker-machine -s)", p, len(p), MaxSocketPath)
	}
	return nil
}
