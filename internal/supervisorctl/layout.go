package supervisorctl

import "path/filepath"

// Layout is where one machine's processes keep their files: under fixed
// names in the machine directory. The driver and the supervisor both derive
// it from that directory alone, so finding a running VM needs nothing of
// what would launch one (Spec).
type Layout struct {
	// Dir is the machine directory.
	Dir string
}

// LayoutOf is the layout of the machine whose spec file is specPath.
func LayoutOf(specPath string) Layout { return Layout{Dir: filepath.Dir(specPath)} }

// Spec is the file the driver writes the launch spec into; the supervisor
// runs as `supervise SPEC`.
func (l Layout) Spec() string { return l.file("vm.json") }

// Status is the supervisor's record of itself and the hypervisor.
func (l Layout) Status() string { return l.file("supervisor.json") }

// PIDFile is the hypervisor's -F file.
func (l Layout) PIDFile() string { return l.file("hypervisor.pid") }

// ConsoleLog receives the guest's serial console (COM1), read from the pty
// whose slave is the hypervisor's stdin.
func (l Layout) ConsoleLog() string { return l.file("console.log") }

// HypervisorLog receives the hypervisor's stdout and stderr.
func (l Layout) HypervisorLog() string { return l.file("hypervisor.log") }

// SupervisorLog receives the supervisor's own output (the driver opens it
// as the supervisor's stdout and stderr).
func (l Layout) SupervisorLog() string { return l.file("supervisor.log") }

func (l Layout) file(name string) string { return filepath.Join(l.Dir, name) }
