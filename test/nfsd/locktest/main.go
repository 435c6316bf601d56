//go:build linux

// Command locktest takes a POSIX record lock (fcntl F_SETLK) on a file, the
// way NFSv3 clients' locks reach the server's lock manager (NLM):
//
//	locktest FILE try          print "locked" or "busy" (exit 0), or the error (exit 1)
//	locktest FILE hold SECONDS lock (waiting for it), print "locked", hold, unlock
//
// The NFS checks copy it into a share and run it in the guest.
package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: locktest FILE try | locktest FILE hold SECONDS")
		os.Exit(2)
	}
	f, err := os.OpenFile(os.Args[1], os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	switch os.Args[2] {
	case "try":
		err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk)
		switch err {
		case nil:
			fmt.Println("locked")
		case syscall.EAGAIN, syscall.EACCES:
			fmt.Println("busy")
		default:
			fmt.Fprintln(os.Stderr, "lock:", err)
			os.Exit(1)
		}
	case "hold":
		secs, _ := strconv.Atoi(os.Args[3])
		if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLKW, &lk); err != nil {
			fmt.Fprintln(os.Stderr, "lock:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		time.Sleep(time.Duration(secs) * time.Second)
	default:
		os.Exit(2)
	}
}
