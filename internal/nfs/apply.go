package nfs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/atomicfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/lockfile"
)

// ErrSudo reports that a privileged step needs a password sudo cannot ask
// for; its message carries the sudoers line that fixes it.
var ErrSudo = errors.New("sudo needs a password")

// DefaultLockTimeout bounds the wait for another process editing the
// exports file: long enough for any edit, short enough that a lock held by
// a stuck (or hostile) process ends in an error, not a hang.
const DefaultLockTimeout = 60 * time.Second

// tempSuffix names the copy that replaces the exports file when not root:
// a fixed name (sudoers must list it) in the same directory (the rename
// must not cross file systems).
const tempSuffix = ".docker-machine-driver-xhyve"

// Host edits the exports file and restarts nfsd, as root when the plugin is
// root and through `sudo -n` for exactly three steps otherwise.
//
// Every driver process locks the directory of Exports around its
// read-modify-write, so concurrent creates and removes never lose an entry.
// Locking the directory needs no file of our own: nothing to create, and
// nothing another user could plant (a symbolic link in /tmp, say).
type Host struct {
	// Exports is the exports file, /etc/exports on macOS.
	Exports string
	// NFSD is nfsd's path, /sbin/nfsd on macOS.
	NFSD string
	// Root reports whether the plugin runs as root.
	Root bool
	// Sudo, Tee and Mv are the binaries (absolute paths, as sudoers names
	// them) used when not root.
	Sudo, Tee, Mv string
	// LockTimeout bounds the wait for the lock; DefaultLockTimeout when 0.
	LockTimeout time.Duration
	// CheckTimeout bounds `nfsd checkexports`; DefaultCheckTimeout when 0.
	CheckTimeout time.Duration
}

// Reconcile replaces the blocks whose IDs start with prefix by blocks and
// restarts nfsd when the file changed. It reports whether it did.
func (h Host) Reconcile(prefix string, blocks []Block) (changed bool, err error) {
	lock, err := h.lock()
	if err != nil {
		return false, err
	}
	defer func() {
		if uerr := lock.Unlock(); uerr != nil && err == nil {
			err = fmt.Errorf("unlock the exports: %w", uerr)
		}
	}()
	current, err := os.ReadFile(h.Exports)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("read %s: %w", h.Exports, err)
	}
	next, err := h.Plan(current, prefix, blocks)
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

// lock takes the lock every driver process shares: the directory of the
// exports file (/etc, which lockfile.Dir resolves to /private/etc on macOS).
func (h Host) lock() (*lockfile.Lock, error) {
	dir := filepath.Dir(h.Exports)
	timeout := h.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	l, err := lockfile.Dir(dir, lockfile.Options{Timeout: timeout})
	switch {
	case errors.Is(err, lockfile.ErrTimeout):
		return nil, fmt.Errorf("lock the exports (directory %s): another docker-machine, maybe another user's, has been editing %s for %s; try again when it is done: %w",
			dir, h.Exports, timeout, err)
	case err != nil:
		return nil, fmt.Errorf("lock the exports (directory %s): %w", dir, err)
	}
	return l, nil
}

// temp is where the new exports file is written before it replaces the old.
func (h Host) temp() string { return h.Exports + tempSuffix }

// install replaces the exports file atomically: readers (nfsd, other
// editors) see the old file or the new, and a full disk or a kill leaves
// the old one. As root it writes a temporary file itself; otherwise
// `sudo -n tee TEMP` then `sudo -n mv -f TEMP EXPORTS`.
func (h Host) install(data []byte) error {
	if h.Root {
		return atomicfile.WriteFile(h.Exports, data, 0o644)
	}
	tmp := h.temp()
	if err := h.run(bytes.NewReader(data), h.Sudo, "-n", h.Tee, tmp); err != nil {
		if !errors.Is(err, ErrSudo) {
			// Empty the partial copy (the same permitted step, no input):
			// on a full disk it holds space the user needs back.
			if cerr := h.run(bytes.NewReader(nil), h.Sudo, "-n", h.Tee, tmp); cerr != nil {
				err = errors.Join(err, fmt.Errorf("empty %s: %w", tmp, cerr))
			}
		}
		return fmt.Errorf("write the new exports to %s (%s is unchanged): %w", tmp, h.Exports, err)
	}
	if err := h.run(nil, h.Sudo, "-n", h.Mv, "-f", tmp, h.Exports); err != nil {
		return fmt.Errorf("replace %s with %s: %w", h.Exports, tmp, err)
	}
	return nil
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

// steps are the privileged commands of a non-root Reconcile, exactly as
// sudo runs them.
func (h Host) steps() [][]string {
	return [][]string{
		{h.Tee, h.temp()},
		{h.Mv, "-f", h.temp(), h.Exports},
		{h.NFSD, "restart"},
	}
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

// SudoersLine lets the current user run exactly the privileged steps
// without a password.
func (h Host) SudoersLine() string {
	user := os.Getenv("USER")
	if user == "" {
		user = fmt.Sprint(os.Getuid())
	}
	var cmds []string
	for _, s := range h.steps() {
		cmds = append(cmds, strings.Join(s, " "))
	}
	return fmt.Sprintf("%s ALL=(root) NOPASSWD: %s", user, strings.Join(cmds, ", "))
}

// Check tells, before anything is created, whether Reconcile will be able to
// do its privileged steps: nfsd exists and, when not root, sudo allows every
// step without a password (`sudo -n -l CMD` answers without one as soon as
// any of the user's sudoers entries is NOPASSWD).
func (h Host) Check() error {
	if _, err := os.Stat(h.NFSD); err != nil {
		return fmt.Errorf("NFS sharing needs nfsd: %w", err)
	}
	if h.Root {
		return nil
	}
	for _, step := range h.steps() {
		out, err := exec.Command(h.Sudo, append([]string{"-n", "-l"}, step...)...).CombinedOutput()
		if err != nil {
			return h.sudoRefused(step, strings.TrimSpace(string(out)))
		}
	}
	return nil
}
