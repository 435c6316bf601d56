package supervisor

import "golang.org/x/sys/unix"

// dupOnto makes descriptor newfd refer to oldfd's file (dup3: Linux on some
// architectures has no dup2).
func dupOnto(oldfd, newfd int) error { return unix.Dup3(oldfd, newfd, 0) }
