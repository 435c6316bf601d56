//go:build tools

// Package tools records Rancher's docker-machine fork, rancher-machine, as a
// dependency of the e2e harness; `go build -mod=mod
// github.com/rancher/machine/cmd/rancher-machine` builds it from this module.
package tools

import _ "github.com/rancher/machine/cmd/rancher-machine"
