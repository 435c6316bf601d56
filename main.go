// Command docker-machine-driver-xhyve is the docker-machine driver plugin for
// the xhyve and hyperkit hypervisors on macOS.
package main

import (
	"fmt"
	"os"

	"github.com/docker/machine/libmachine/drivers/plugin"

	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisor"
	"github.com/zchee/docker-machine-driver-xhyve/xhyve"
)

// version is set by the Makefile from git.
var version = "dev"

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "version", "--version":
			fmt.Println(version)
			return
		case supervisor.Command:
			os.Exit(supervisor.Main(os.Args[2:]))
		case xhyve.RemoveLeaseCommand:
			os.Exit(xhyve.RemoveLeaseMain(os.Args[2:]))
		}
	}
	// Nothing may reach stdout before this: docker-machine reads the
	// plugin's RPC address from the first line.
	plugin.RegisterDriver(xhyve.NewDriver("", ""))
}
