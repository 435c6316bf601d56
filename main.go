// Command docker-machine-driver-xhyve is the docker-machine driver plugin for
// the xhyve and hyperkit hypervisors on macOS.
package main

import (
	"fmt"
	"os"

	"github.com/docker/machine/libmachine/drivers/plugin"
	"github.com/docker/machine/libmachine/drivers/plugin/localbinary"

	"github.com/zchee/docker-machine-driver-xhyve/xhyve"
)

// version is set by the Makefile from git.
var version = "dev"

func main() {
	// A caller that sets the plugin token wants RPC, whatever the arguments:
	// docker-machine passes none, Rancher's fork passes its own. The
	// driver's own subcommands are started without the token.
	if len(os.Args) > 1 && os.Getenv(localbinary.PluginEnvKey) == "" {
		if os.Args[1] == "version" || os.Args[1] == "--version" {
			fmt.Println(version)
			return
		}
		if run, ok := xhyve.Subcommands()[os.Args[1]]; ok {
			os.Exit(run(os.Args[2:]))
		}
	}
	// Nothing may reach stdout before this: docker-machine reads the
	// plugin's RPC address from the first line.
	plugin.RegisterDriver(xhyve.NewDriver("", ""))
}
