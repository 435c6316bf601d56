package supervisor

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"syscall"
	"time"

	"golang.org/x/term"
)

// ptyLine is how xhyve and hyperkit announce the console pty on stdout.
var ptyLine = regexp.MustCompile(`^COM1 connected to (/dev/\S+)`)

// lineWatcher copies the hypervisor's stdout to its log and reports the
// console pty it announces.
type lineWatcher struct {
	pw   *io.PipeWriter
	ptys chan string
	done chan struct{}
}

func newLineWatcher(log io.Writer) *lineWatcher {
	pr, pw := io.Pipe()
	w := &lineWatcher{pw: pw, ptys: make(chan string, 1), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(log, line)
			if m := ptyLine.FindStringSubmatch(line); m != nil {
				select {
				case w.ptys <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, pr) // an over-long line must not block the hypervisor
	}()
	return w
}

// Write takes the hypervisor's stdout.
func (w *lineWatcher) Write(p []byte) (int, error) { return w.pw.Write(p) }

// Close ends the copy and waits for it.
func (w *lineWatcher) Close() {
	w.pw.Close()
	<-w.done
}

// captureConsole copies the guest's serial console into the console log
// until done. The pty comes from the hypervisor's stdout, or for hyperkit
// from the autopty link, which the supervisor removed before the boot.
func captureConsole(link string, started time.Time, ptys <-chan string, out io.Writer, done <-chan struct{}) {
	path := waitForPTY(link, started, ptys, done)
	if path == "" {
		return
	}
	// O_NOCTTY: the supervisor leads a session without a terminal; opening
	// the pty must not make it the controlling one.
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		fmt.Fprintf(out, "\n=== cannot open console %s: %v ===\n", path, err)
		return
	}
	defer f.Close()
	// Raw mode: with echo on, the guest would read back its own output.
	if _, err := term.MakeRaw(int(f.Fd())); err != nil {
		fmt.Fprintf(out, "\n=== cannot set console %s raw: %v ===\n", path, err)
		return
	}
	go func() {
		<-done
		f.Close() // the hypervisor is gone; do not wait for the pty to hang up
	}()
	io.Copy(out, f)
}

func waitForPTY(link string, started time.Time, ptys <-chan string, done <-chan struct{}) string {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case p := <-ptys:
			return p
		case <-done:
			return ""
		case <-timeout:
			return ""
		case <-tick.C:
			if p, ok := freshPTYLink(link, started); ok {
				return p
			}
		}
	}
}

// freshPTYLink returns the target of the autopty link if this boot's
// hypervisor made it: the link is newer than the boot (file times have a
// second's granularity on some file systems) and names a terminal device.
func freshPTYLink(link string, started time.Time) (string, bool) {
	if link == "" {
		return "", false
	}
	info, err := os.Lstat(link)
	if err != nil || info.Mode()&os.ModeSymlink == 0 || info.ModTime().Before(started.Add(-time.Second)) {
		return "", false
	}
	target, err := os.Readlink(link)
	if err != nil {
		return "", false
	}
	if dev, err := os.Stat(target); err != nil || dev.Mode()&os.ModeCharDevice == 0 {
		return "", false
	}
	return target, true
}
