//go:build !darwin

package xhyve

import "github.com/zchee/docker-machine-driver-xhyve/internal/hypervisor"

// platformChecks has nothing to check off macOS: there the hypervisor is a
// stand-in that was already found and identified.
func platformChecks(hypervisor.Info) error { return nil }
