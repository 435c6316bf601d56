//go:build tools

// Package tools records the docker-machine CLI as a dependency of the e2e
// harness; `go build -mod=mod github.com/docker/machine/cmd/docker-machine`
// builds it from this module.
package tools

import _ "github.com/docker/machine/cmd/docker-machine"
