package exports

import (
	"os"
	"path"
	"strings"
)

// checkDirPath reports whether every component of dir exists and is a
// directory, none a symbolic link (mountd's check_dirpath).
func checkDirPath(dir string) bool {
	if !path.IsAbs(dir) {
		return false
	}
	p := ""
	for _, c := range strings.Split(strings.TrimPrefix(dir, "/"), "/") {
		p += "/" + c
		fi, err := os.Lstat(p)
		if err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}
