//go:build !darwin && !linux

package proc

// The driver runs on macOS and is developed on Linux; other systems have
// neither xhyve nor the /proc this package reads. The undefined name below
// makes their build fail with a message that says so.
var _ = docker_machine_driver_xhyve_supports_only_darwin_and_linux

// get exists only so that the line above is the build's one error.
func get(int) (Info, error) { return Info{}, ErrNotRunning }
