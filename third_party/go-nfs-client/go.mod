module github.com/willscott/go-nfs-client

go 1.19

require github.com/rasky/go-xdr v0.0.0-20170124162913-1a41d1a06c93

// Fork: for this module's own tests; a replace here is ignored when the
// module is a dependency (the driver's go.mod has its own).
replace github.com/rasky/go-xdr => ../go-xdr
