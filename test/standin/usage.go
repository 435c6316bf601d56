package main

import (
	"os"

	"github.com/zchee/docker-machine-driver-xhyve/test/standin/xhyveargv"
)

// versionText is what -v prints. v0.2.0 as packaged (Homebrew builds it
// with its version number) says "xhyve: 0.2.0"; the stand-in's other
// dialects mark themselves "-standin".
func versionText(d xhyveargv.Dialect, prog string) string {
	switch d {
	case xhyveargv.Hyperkit:
		return prog + ": v0.20210107-standin\n\n" +
			"Homepage: https://github.com/docker/hyperkit\n" +
			"License: BSD\n\n"
	case xhyveargv.Xhyve020:
		return prog + ": 0.2.0\n\n" +
			"xhyve is a port of FreeBSD's bhyve hypervisor to OS X that\n" +
			"works entirely in userspace and has no other dependencies.\n\n" +
			"Homepage: https://github.com/mist64/xhyve\n" +
			"License: BSD\n\n"
	}
	// master's banner names the project's site since December 2015
	return prog + ": v0.2.0-standin\n\n" +
		"xhyve is a port of FreeBSD's bhyve hypervisor to OS X that\n" +
		"works entirely in userspace and has no other dependencies.\n\n" +
		"Homepage: http://www.xhyve.xyz\n" +
		"License: BSD\n\n"
}

// printUsage prints the usage text on stderr, as both real binaries do
// (usage() is fprintf(stderr, ...) then exit(code)).
func printUsage(d xhyveargv.Dialect, prog string) {
	os.Stderr.WriteString(xhyveargv.UsageText(d, prog))
}
