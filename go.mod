module github.com/zchee/docker-machine-driver-xhyve

go 1.26.0

require (
	github.com/docker/machine v0.16.2
	github.com/go-git/go-billy/v5 v5.6.0
	github.com/gofrs/flock v0.12.1
	github.com/google/uuid v1.6.0
	github.com/kdomanski/iso9660 v0.4.0
	github.com/willscott/go-nfs v0.0.4
	github.com/willscott/go-nfs-client v0.0.0-20240104095149-b44639837b00
	golang.org/x/crypto v0.59.0
	golang.org/x/sys v0.50.0
	golang.org/x/term v0.48.0
	howett.net/plist v1.0.1
)

require (
	github.com/Azure/go-ansiterm v0.0.0-20261006220739-8c912ac31dd4 // indirect
	github.com/docker/docker v17.12.0-ce+incompatible // indirect
	github.com/rasky/go-xdr v0.0.0-20170124162913-1a41d1a06c93 // indirect
	github.com/sirupsen/logrus v1.10.2 // indirect
)

replace github.com/kdomanski/iso9660 => ./third_party/iso9660

replace github.com/willscott/go-nfs => ./third_party/go-nfs

replace github.com/willscott/go-nfs-client => ./third_party/go-nfs-client

replace github.com/rasky/go-xdr => ./third_party/go-xdr
