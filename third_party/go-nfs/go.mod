module github.com/willscott/go-nfs

// Fork: 1.21 for the min builtin and errors with several %w.
go 1.21

require (
	github.com/go-git/go-billy/v5 v5.6.0
	github.com/rasky/go-xdr v0.0.0-20170124162913-1a41d1a06c93
	github.com/willscott/go-nfs-client v0.0.0-20240104095149-b44639837b00
	golang.org/x/sys v0.24.0
)

// Fork: for this module's own tests; a replace here is ignored when the
// module is a dependency (the driver's go.mod has its own).
replace (
	github.com/rasky/go-xdr => ../go-xdr
	github.com/willscott/go-nfs-client => ../go-nfs-client
)
