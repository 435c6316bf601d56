//go:build linux

package main

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// TestQEMUDiesWithStandin: whatever signal ends the stand-in, and however
// it is installed, its QEMU ends with it. The reported bug: the stand-in
// installed setuid root and run by a user (ruid = the user, euid 0) left
// its QEMU running as root after `docker-machine kill`: executing QEMU in
// that state is a secure exec, which clears the parent-death signal. Each
// case starts a VM (fake QEMU), sends the signal, and checks the stand-in
// died by it (TERM before ACPI, INT, HUP, QUIT: default action, as the
// real binaries) and QEMU is gone.
func TestQEMUDiesWithStandin(t *testing.T) {
	uid, gid := needRoot(t)
	for _, setuid := range []bool{false, true} {
		r := newRig(t, setuid)
		if setuid && nosuid(r.dir) {
			t.Skipf("%s is on a nosuid file system: set TMPDIR elsewhere", r.dir)
		}
		runAs := -1
		how := "root"
		if setuid {
			runAs, how = uid, fmt.Sprintf("setuid root, run by uid %d", uid)
		}
		for _, prog := range []string{"xhyve", "hyperkit"} {
			for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGKILL, syscall.SIGQUIT} {
				t.Run(fmt.Sprintf("%s/%s/%s", how, prog, sig), func(t *testing.T) {
					cmd := r.command(prog, runAs, gid, nil, "-s", "31,lpc", "-l", "com1,autopty", "-f", "kexec,"+r.kernel+",,")
					cmd.Dir = r.qemuDir // where a SIGQUIT core would go
					if err := cmd.Start(); err != nil {
						t.Fatal(err)
					}
					done := make(chan struct{})
					var werr error
					go func() { werr = cmd.Wait(); close(done) }()
					defer func() {
						cmd.Process.Kill()
						<-done
					}()
					qpid := r.qemuPid(t, done)
					t.Cleanup(func() { syscall.Kill(qpid, syscall.SIGKILL) })
					if setuid {
						if ruid, euid := procIDs(cmd.Process.Pid); ruid != uid || euid != 0 {
							t.Fatalf("stand-in runs as ruid %d euid %d, want %d and 0", ruid, euid, uid)
						}
					}
					cmd.Process.Signal(sig)
					select {
					case <-done:
					case <-time.After(15 * time.Second):
						t.Fatalf("the stand-in still runs 15s after %s", sig)
					}
					ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
					if !ws.Signaled() || ws.Signal() != sig {
						t.Errorf("the stand-in ended with %v after %s, want death by the signal", werr, sig)
					}
					deadline := time.Now().Add(5 * time.Second)
					for alive(qpid) && time.Now().Before(deadline) {
						time.Sleep(20 * time.Millisecond)
					}
					if alive(qpid) {
						ruid, euid := procIDs(qpid)
						t.Errorf("QEMU (pid %d, ruid %d, euid %d) outlived the stand-in killed by %s", qpid, ruid, euid, sig)
					}
				})
				// a fresh note directory for the next case
				clearNotes(r)
			}
		}
	}
}
