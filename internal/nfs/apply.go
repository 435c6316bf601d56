package nfs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/zchee/docker-machine-driver-xhyve/internal/atomicfile"
)

// ErrSudo reports that a privileged step needs a password sudo cannot ask
// for; its message carries the sudoers line that fixes it.
var ErrSudo = errors.New("sudo needs a password")

// Host edits the exports file and restarts nfsd, as root when the plugin is
// root and through `sudo -n` for exactly those two steps otherwise.
type Host struct {
	// Exports is the exports file, /etc/exports on macOS.
	Exports string
	// NFSD is nfsd's path, /sbin/nfsd on macOS.
	NFSD string
	// Lock is a file every driver process locks around its read-modify-write
	// of Exports, so concurrent creates and removes never lose an entry.
	Lock string
	// Root reports whether the plugin runs as root.
	Root bool
	// Sudo and Tee are the binaries used when not root.
	Sudo, Tee string
}

// Reconcile replaces the blocks whose IDs start with prefix by blocks and
// restarts nfsd when the file changed. It reports whether it did.
func (h Host) Reconcile(prefix string, blocks []Block) (bool, error) {
	unlock, err := lockFile(h.Lock)
	if err != nil {
		return false, err
	}
	defer unlock()
	current, err := os.ReadFile(h.Exports)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("read %s: %w", h.Exports, err)
	}
	next, err := Plan(current, prefix, blocks)
	if err != nil {
		return false, err
	}
	if bytes.Equal(next, current) {
		return false, nil
	}
	if err := h.install(next); err != nil {
		return false, err
	}
	if err := h.privileged(h.NFSD, "restart"); err != nil {
		return true, fmt.Errorf("restart nfsd: %w", err)
	}
	return true, nil
}

// install replaces the exports file: atomically when root, else through
// `sudo -n tee`, which keeps the file's owner and mode.
func (h Host) install(data []byte) error {
	if !h.Root {
		return h.run(bytes.NewReader(data), h.Sudo, "-n", h.Tee, h.Exports)
	}
	return atomicfile.WriteFile(h.Exports, data, 0o644)
}

func (h Host) privileged(name string, args ...string) error {
	if h.Root {
		return h.run(nil, name, args...)
	}
	return h.run(nil, h.Sudo, append([]string{"-n", name}, args...)...)
}

func (h Host) run(stdin *bytes.Reader, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if name == h.Sudo && (strings.Contains(msg, "password is required") || strings.Contains(msg, "terminal is required")) {
			return h.sudoRefused(args[1:], "")
		}
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, msg)
	}
	return nil
}

// sudoRefused explains that sudo wants a password for step, and how to let
// it run without one.
func (h Host) sudoRefused(step []string, detail string) error {
	if detail != "" {
		detail = " (" + detail + ")"
	}
	return fmt.Errorf("%w for %q%s: allow it without one by adding this line with `sudo visudo -f /etc/sudoers.d/docker-machine-driver-xhyve`:\n  %s",
		ErrSudo, strings.Join(step, " "), detail, h.SudoersLine())
}

// SudoersLine lets the current user run exactly the two privileged steps
// without a password.
func (h Host) SudoersLine() string {
	user := os.Getenv("USER")
	if user == "" {
		user = fmt.Sprint(os.Getuid())
	}
	return fmt.Sprintf("%s ALL=(root) NOPASSWD: %s %s, %s restart", user, h.Tee, h.Exports, h.NFSD)
}

// lockFile takes an exclusive lock on path, creating it readable by all so
// every user's driver can lock it too.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open exports lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

// Check tells, before anything is created, whether Reconcile will be able to
// do its privileged steps: nfsd exists and, when not root, sudo allows both
// steps without a password (`sudo -n -l CMD` answers without one as soon as
// any of the user's sudoers entries is NOPASSWD).
func (h Host) Check() error {
	if _, err := os.Stat(h.NFSD); err != nil {
		return fmt.Errorf("NFS sharing needs nfsd: %w", err)
	}
	if h.Root {
		return nil
	}
	for _, step := range [][]string{{h.Tee, h.Exports}, {h.NFSD, "restart"}} {
		out, err := exec.Command(h.Sudo, append([]string{"-n", "-l"}, step...)...).CombinedOutput()
		if err != nil {
			return h.sudoRefused(step, strings.TrimSpace(string(out)))
		}
	}
	return nil
}
