package hypervisor

import (
	"strings"
	"time"
)

// Outcome is what a hypervisor's exit means for the VM.
type Outcome string

// Outcomes of a hypervisor run.
const (
	// Reset: the guest rebooted; xhyve cannot reset in place, so the
	// hypervisor exits and must be started again.
	Reset Outcome = "reset"
	// PowerOff and Halt: the guest shut down cleanly.
	PowerOff Outcome = "poweroff"
	Halt     Outcome = "halt"
	// Crash: the guest triple-faulted.
	Crash Outcome = "crash"
	// Failed: the hypervisor reported an error (bad option, vmnet refused,
	// a disk that will not open).
	Failed Outcome = "failed"
	// Killed: a signal ended the hypervisor.
	Killed Outcome = "killed"
)

// Fault reports whether the outcome is an error (a crash or a hypervisor
// failure) rather than a VM that is simply down.
func (o Outcome) Fault() bool {
	return o == Crash || o == Failed
}

// QuietGuestAfter is how long a VM whose kernel does not write to COM1 must
// have existed before its exit counts as the guest's own: only device
// setup runs between the pidfile and the first vCPU (docs/facts.md §3),
// which takes a few seconds at most.
const QuietGuestAfter = 10 * time.Second

// Run is what the supervisor saw of one hypervisor run: the exit status and
// the evidence it is read with.
type Run struct {
	Code     int
	Signaled bool
	// VMCreated: the hypervisor wrote its pidfile, which it does once the
	// VM and its memory exist, before device setup.
	VMCreated bool
	// Uptime is how long the hypervisor ran after the pidfile appeared.
	Uptime time.Duration
	// ConsoleBytes is how much arrived on the console (COM1) during the run.
	ConsoleBytes int64
	// ConsoleExpected: the kernel command line puts a console on ttyS0
	// (COM1), so a guest that ran wrote to it.
	ConsoleExpected bool
}

// GuestRan reports whether the guest ever ran in this run, as opposed to a
// hypervisor that failed while setting up devices.
//
// Both hypervisors write the pidfile after creating the VM and BEFORE device
// setup; a refused vmnet, a disk or ISO that will not open then exits 1
// after the pidfile existed (docs/facts.md §3), and for xhyve exit 1 is also
// the guest's poweroff. The pidfile therefore does not tell them apart. What
// does is the console: the supervisor owns the pty that is the hypervisor's
// COM1, the hypervisor's own messages go to its log instead (its stdout and
// stderr are a pipe; the stdio backend reads and writes fd 0 only), and a
// kernel started with console=ttyS0 writes to COM1 from early boot. So a byte
// on the console means the vCPUs ran the guest. A guest without a ttyS0
// console gives no such sign; for it, having existed QuietGuestAfter is
// taken instead, as device setup is long over by then.
func (r Run) GuestRan() bool {
	switch {
	case !r.VMCreated:
		return false
	case r.ConsoleBytes > 0:
		return true
	case r.ConsoleExpected:
		return false
	}
	return r.Uptime >= QuietGuestAfter
}

// Classify maps a run's exit to an outcome. xhyve exits 1 both on guest
// poweroff and on errors: it is a poweroff only when the guest ran.
// hyperkit's poweroff is 0, so its 1 is always an error.
func Classify(d Dialect, r Run) Outcome {
	if r.Signaled {
		return Killed
	}
	switch d {
	case HyperKit:
		switch r.Code {
		case 0:
			return PowerOff // hyperkit exits 0 on poweroff and halt alike
		case 2:
			return Reset
		case 3:
			return Crash
		}
	default:
		switch r.Code {
		case 0:
			return Reset
		case 1:
			if r.GuestRan() {
				return PowerOff
			}
		case 2:
			return Halt
		case 3:
			return Crash
		}
	}
	return Failed
}

// ConsoleOnCOM1 reports whether the kernel command line in a hypervisor
// argv (-f kexec,KERNEL,INITRD,CMDLINE) puts a console on ttyS0, COM1.
func ConsoleOnCOM1(args []string) bool {
	for i := 0; i+1 < len(args); i++ {
		if args[i] != "-f" {
			continue
		}
		// Split at the first three commas only: the command line keeps its own.
		parts := strings.SplitN(args[i+1], ",", 4)
		if len(parts) != 4 || parts[0] != "kexec" {
			return false
		}
		for _, opt := range strings.Fields(parts[3]) {
			// console=ttyS0 or console=ttyS0,115200n8
			if name, ok := strings.CutPrefix(opt, "console="); ok && strings.SplitN(name, ",", 2)[0] == "ttyS0" {
				return true
			}
		}
		return false
	}
	return false
}
