//go:build !darwin && !linux

package clone

// cloneFile: no clone call is known here; File falls back to a copy.
func cloneFile(src, dst string) (bool, error) { return false, errNoClone }
