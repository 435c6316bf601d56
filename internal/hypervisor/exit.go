package hypervisor

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
	// Failed: the hypervisor reported an error (bad option, vmnet refused).
	Failed Outcome = "failed"
	// Killed: a signal ended the hypervisor.
	Killed Outcome = "killed"
)

// Fault reports whether the outcome is an error (a crash or a hypervisor
// failure) rather than a VM that is simply down.
func (o Outcome) Fault() bool {
	return o == Crash || o == Failed
}

// Classify maps an exit status to an outcome. xhyve exits 1 both on guest
// poweroff and on errors; vmCreated (the hypervisor wrote its pidfile, which
// happens once the VM exists) tells them apart.
func Classify(d Dialect, code int, signaled, vmCreated bool) Outcome {
	if signaled {
		return Killed
	}
	switch d {
	case HyperKit:
		switch code {
		case 0:
			return PowerOff // hyperkit exits 0 on poweroff and halt alike
		case 2:
			return Reset
		case 3:
			return Crash
		}
	default:
		switch code {
		case 0:
			return Reset
		case 1:
			if vmCreated {
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
