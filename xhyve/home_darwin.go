//go:build darwin

package xhyve

// homeRoot is what --xhyve-experimental-nfs-share exports: on macOS every
// home directory lives under /Users.
func homeRoot() string { return "/Users" }
