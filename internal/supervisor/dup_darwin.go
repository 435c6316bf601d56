package supervisor

import "golang.org/x/sys/unix"

// dupOnto makes descriptor newfd refer to oldfd's file.
func dupOnto(oldfd, newfd int) error { return unix.Dup2(oldfd, newfd) }
