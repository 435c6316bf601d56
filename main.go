// Command docker-machine-driver-xhyve is the docker-machine driver plugin for
// the xhyve and hyperkit hypervisors on macOS.
package main

import (
	"fmt"
	"os"

	"github.com/docker/machine/libmachine/drivers/plugin"
	"github.com/docker/machine/libmachine/drivers/plugin/localbinary"

	"github.com/zchee/docker-machine-driver-xhyve/internal/supervisor"
	"github.com/zchee/docker-machine-driver-xhyve/xhyve"
)

// version is set by the Makefile from git.
var version = "dev"

func main() {
	// A caller that sets the plugin token wants RPC, whatever the arguments:
	// docker-machine passes none, Rancher's fork passes its own. The
	// driver's own subcommands are started without the token.
	if len(os.Args) > 1 && os.Getenv(localbinary.PluginEnvKey) == "" {
		switch os.Args[1] {
		case "version", "--version":
			fmt.Println(version)
			return
		case supervisor.Command:
			os.Exit(supervisor.Main(os.Args[2:]))
		case supervisor.NFSCommand:
			os.Exit(supervisor.ServeNFSMain(os.Args[2:]))
		case xhyve.RemoveLeaseCommand:
			os.Exit(xhyve.RemoveLeaseMain(os.Args[2:]))
		case xhyve.DoctorCommand:
			os.Exit(xhyve.DoctorMain(os.Args[2:], os.Stdout))
		}
	}
	// Nothing may reach stdout before this: docker-machine reads the
	// plugin's RPC address from the first line.
	plugin.RegisterDriver(xhyve.NewDriver("", ""))
}
