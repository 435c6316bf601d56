package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/zchee/docker-machine-driver-xhyve/test/nfsd/exports"
)

// Ports the server listens on (fixed: the namespace is private, and fixed
// ports let a guest mount without asking rpcbind if it wants to).
const (
	portNFS = 2049
	portMNT = 20048
	portNLM = 32803
)

// verifierClient is the address nfsd asks mountd from. No VM can have it.
const verifierClient = "127.0.0.1"

// ganeshaMain is the server's own configuration; exports.conf holds what
// /etc/exports says.
func ganeshaMain(bind, recovery, exportsConf string) string {
	return fmt.Sprintf(`# Written by the nfsd stand-in (test/nfsd); the exports are in %[3]s.
NFS_CORE_PARAM {
	Bind_addr = %[1]s;
	Protocols = 3, 4;
	NFS_Port = %[4]d;
	MNT_Port = %[5]d;
	NLM_Port = %[6]d;
	Enable_NLM = true;
	Enable_RQUOTA = false;
	mount_path_pseudo = false;
}
NFSV4 {
	# no grace period: a restarted server answers at once
	Graceless = true;
	Lease_Lifetime = 15;
	UseGetpwnam = true;
	Allow_Numeric_Owners = true;
	RecoveryRoot = %[2]s;
}
NFS_KRB5 {
	Active_krb5 = false;
}
EXPORT_DEFAULTS {
	# files the host changes are seen at once, like with the macOS kernel server
	Attr_Expiration_Time = 0;
}
LOG {
	Default_Log_Level = EVENT;
}
%%include %[3]s
`, bind, quoteConf(recovery), quoteConf(exportsConf), portNFS, portMNT, portNLM)
}

// quoteConf writes a ganesha configuration string.
func quoteConf(s string) string { return `"` + s + `"` }

// servable reports whether ganesha's configuration can name path.
func servable(path string) error {
	if strings.ContainsAny(path, "\"\\\n") {
		return fmt.Errorf("%s: the NFS server's configuration cannot name a path with a quote, a backslash or a newline", path)
	}
	return nil
}

// ExportIDs keeps each path's Export_Id stable across reloads: ganesha's
// file handles carry it, so a changed id would break the mounts of clients
// whose export did not change.
type ExportIDs map[string]int

func loadIDs(file string) (ExportIDs, error) {
	ids := ExportIDs{}
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return ids, nil
	}
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		id, p, ok := strings.Cut(sc.Text(), " ")
		n, err := strconv.Atoi(id)
		if ok && err == nil {
			ids[p] = n
		}
	}
	return ids, nil
}

func (ids ExportIDs) bytes() []byte {
	var paths []string
	for p := range ids {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool { return ids[paths[i]] < ids[paths[j]] })
	var b bytes.Buffer
	for _, p := range paths {
		fmt.Fprintf(&b, "%d %s\n", ids[p], p)
	}
	return b.Bytes()
}

// of returns path's id, giving a new path the smallest free one (1-65535;
// 0 is ganesha's pseudo root).
func (ids ExportIDs) of(path string) (int, error) {
	if id, ok := ids[path]; ok {
		return id, nil
	}
	used := map[int]bool{}
	for _, id := range ids {
		used[id] = true
	}
	for id := 1; id <= 65535; id++ {
		if !used[id] {
			ids[path] = id
			return id, nil
		}
	}
	return 0, fmt.Errorf("no free export id for %s", path)
}

// ganeshaExports renders the exports as ganesha EXPORT blocks: one per
// directory, one CLIENT block per rule, hosts first, then networks (longest
// prefix first), then everyone. Clients that no rule names get nothing.
func ganeshaExports(list []exports.Export, ids ExportIDs) (string, error) {
	var b strings.Builder
	b.WriteString("# Written by the nfsd stand-in (test/nfsd) from /etc/exports.\n")
	for _, x := range list {
		if err := servable(x.Path); err != nil {
			return "", err
		}
		id, err := ids.of(x.Path)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "\nEXPORT {\n\tExport_Id = %d;\n\tPath = %s;\n\tPseudo = %s;\n", id, quoteConf(x.Path), quoteConf(pseudo(x.Path)))
		b.WriteString("\tProtocols = 3, 4;\n\tTransports = UDP, TCP;\n\tAccess_Type = None;\n\tSquash = Root_Squash;\n\tSecType = sys;\n\tAttr_Expiration_Time = 0;\n\tFSAL {\n\t\tName = VFS;\n\t}\n")
		rules := append([]exports.Rule(nil), x.Rules...)
		sort.SliceStable(rules, func(i, j int) bool { return ruleRank(rules[i]) < ruleRank(rules[j]) })
		for _, r := range rules {
			access := "RW"
			if r.ReadOnly {
				access = "RO"
			}
			squash := map[string]string{exports.SquashAll: "All_Squash", exports.SquashRoot: "Root_Squash", exports.SquashNone: "No_Root_Squash"}[r.Squash]
			gid := uint32(0xfffffffe)
			if len(r.Anon.GIDs) > 0 {
				gid = r.Anon.GIDs[0]
			}
			fmt.Fprintf(&b, "\tCLIENT {\n\t\t# exports line %d: %s\n\t\tClients = %s;\n\t\tAccess_Type = %s;\n\t\tSquash = %s;\n\t\tAnonymous_Uid = %d;\n\t\tAnonymous_Gid = %d;\n\t\tSecType = %s;\n\t}\n",
				r.Line, r.Name, r.Match, access, squash, r.Anon.UID, gid, strings.Join(r.Sec, ", "))
		}
		// Last, the verifier: nfsd itself, asking mountd what is exported
		// (mountd lists only the exports the asking client may use).
		fmt.Fprintf(&b, "\tCLIENT {\n\t\t# nfsd's own check of what is served (no data access)\n\t\tClients = %s;\n\t\tAccess_Type = MDONLY_RO;\n\t}\n", verifierClient)
		b.WriteString("}\n")
	}
	return b.String(), nil
}

// pseudo is where an export appears to NFSv4 clients: its own path, but
// "/" is ganesha's pseudo root, so an export of / appears as /.root (NFSv3
// mounts name the real path either way).
func pseudo(path string) string {
	if path == "/" {
		return "/.root"
	}
	return path
}

// ruleRank orders rules most specific first.
func ruleRank(r exports.Rule) int {
	if r.Match == "*" {
		return 1000
	}
	if p, err := netip.ParsePrefix(r.Match); err == nil {
		return 100 - p.Bits()
	}
	return 0
}
