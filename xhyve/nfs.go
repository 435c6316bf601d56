package xhyve

// setupShares exports the machine's shares and mounts them in the guest.
// NFS support arrives with its own issue; without shares there is nothing
// to do.
func (d *Driver) setupShares() error { return nil }

// removeShares deletes the machine's exports.
func (d *Driver) removeShares() error { return nil }
