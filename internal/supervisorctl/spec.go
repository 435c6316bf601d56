// Package supervisorctl is the driver's side of a machine's supervisor:
// where the machine's processes keep their files (Layout), what the driver
// asks the supervisor to run (Spec) and what the supervisor records
// (Status), and how to find (Inspect), launch and signal its processes.
// The supervisor (package supervisor) follows the same contract.
package supervisorctl

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/atomicfile"
	"github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"
)

// Command is the plugin binary's hidden subcommand that runs a supervisor:
// `docker-machine-driver-xhyve supervise SPEC`.
const Command = "supervise"

// Spec tells a supervisor what to run. The driver writes it into the
// machine directory (Layout.Spec) before each launch; where the processes
// keep their files is the directory's Layout, so the driver inspects a
// running VM without a spec (it never trusts one it could read back
// damaged). Specs of older drivers also named those files, and a "tty"
// link; such fields are ignored.
type Spec struct {
	Hypervisor string             `json:"hypervisor"`
	Args       []string           `json:"args"`
	Dialect    hypervisor.Dialect `json:"dialect"`
	// Supervisor is the binary that runs the supervisor (the plugin), for
	// identity checks when the status file cannot be read.
	Supervisor string `json:"supervisor,omitempty"`
	// LogLimit caps each log file in bytes (DefaultLogLimit when 0); one
	// older file (NAME.1) is kept beside it.
	LogLimit int64 `json:"log_limit,omitempty"`
	// Guest says how to reach the guest, for the services below.
	Guest *GuestSpec `json:"guest,omitempty"`
	// NFS, when set, makes the supervisor serve the machine's shares for
	// the VM's whole life (--xhyve-nfs-server builtin).
	NFS *NFSSpec `json:"nfs,omitempty"`
	// TimeSync is the interval in seconds between checks of the guest's
	// clock (--xhyve-time-sync); 0 turns them off.
	TimeSync int `json:"time_sync,omitempty"`
}

// GuestSpec is how the supervisor reaches the guest: at the address of the
// lease for MAC in Leases, over SSH as SSHUser with SSHKey.
type GuestSpec struct {
	MAC     string `json:"mac"`
	Leases  string `json:"leases"`
	SSHUser string `json:"ssh_user"`
	SSHKey  string `json:"ssh_key"`
	SSHPort int    `json:"ssh_port"`
}

// NFSSpec says what the built-in NFS server serves (to the guest only).
type NFSSpec struct {
	// Shares are the host directories, symlinks resolved.
	Shares []string `json:"shares"`
	// VMNetPlist says which address the host has on vmnet's network.
	VMNetPlist string `json:"vmnet_plist"`
}

// Status is what a supervisor records about itself and the hypervisor.
type Status struct {
	PID     int       `json:"pid"`
	Exe     string    `json:"exe"`
	Started time.Time `json:"started"`
	// Hypervisor is the resolved hypervisor executable, for identity checks.
	Hypervisor        string    `json:"hypervisor"`
	HypervisorPID     int       `json:"hypervisor_pid,omitempty"`
	HypervisorStarted time.Time `json:"hypervisor_started,omitempty"`
	Boots             int       `json:"boots"`
	Stopping          bool      `json:"stopping,omitempty"`
	// NFSAddr is where the built-in NFS server listens ("" until it does);
	// its port stays the same for the supervisor's life.
	NFSAddr string `json:"nfs_addr,omitempty"`
	Done    bool   `json:"done,omitempty"`
	Last    *Exit  `json:"last,omitempty"`
}

// Exit records how a hypervisor run ended.
type Exit struct {
	Outcome hypervisor.Outcome `json:"outcome"`
	Code    int                `json:"code"`
	Signal  string             `json:"signal,omitempty"`
	At      time.Time          `json:"at"`
	Detail  string             `json:"detail,omitempty"`
	// ConsoleBytes is how much the guest wrote to its console during the
	// run: none means it never ran (see hypervisor.Run.GuestRan).
	ConsoleBytes int64 `json:"console_bytes"`
}

// String says how the run ended, for logs and error messages.
func (e *Exit) String() string {
	s := fmt.Sprintf("%s (exit status %d", e.Outcome, e.Code)
	if e.Signal != "" {
		s = fmt.Sprintf("%s (signal %s", e.Outcome, e.Signal)
	}
	s += " at " + e.At.Format(time.RFC3339) + ")"
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// DefaultLogLimit keeps a VM that runs for weeks at a few MB of logs.
const DefaultLogLimit = 1 << 20

// Binaries are the executables the spec's processes run.
func (s Spec) Binaries() Binaries {
	return Binaries{Hypervisor: s.Hypervisor, Supervisor: s.Supervisor}
}

// LogLimitBytes is the cap of each log file, DefaultLogLimit unless set.
func (s Spec) LogLimitBytes() int64 {
	if s.LogLimit > 0 {
		return s.LogLimit
	}
	return DefaultLogLimit
}

// writeJSON atomically replaces path with v as indented JSON.
func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, append(data, '\n'), 0o600)
}

// readJSON decodes path into v.
func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// WriteSpec writes the spec a supervisor is launched with.
func WriteSpec(path string, spec Spec) error { return writeJSON(path, spec) }

// ReadSpec reads the spec a supervisor was launched with.
func ReadSpec(path string) (Spec, error) {
	var spec Spec
	err := readJSON(path, &spec)
	return spec, err
}

// WriteStatus atomically replaces the supervisor's record in l.
func WriteStatus(l Layout, st Status) error { return writeJSON(l.Status(), st) }
