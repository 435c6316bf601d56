module github.com/zchee/docker-machine-driver-xhyve

go 1.26.0

require (
	github.com/containers/gvisor-tap-vsock v0.8.9
	github.com/docker/machine v0.16.2
	github.com/go-git/go-billy/v5 v5.6.0
	github.com/gofrs/flock v0.12.1
	github.com/google/uuid v1.6.0
	github.com/insomniacslk/dhcp v0.0.0-20240710054256-ddd8a41251c9
	github.com/kdomanski/iso9660 v0.4.0
	github.com/sirupsen/logrus v1.10.2
	github.com/willscott/go-nfs v0.0.4
	github.com/willscott/go-nfs-client v0.0.0-20240104095149-b44639837b00
	golang.org/x/crypto v0.59.0
	golang.org/x/sys v0.50.0
	golang.org/x/term v0.48.0
	howett.net/plist v1.0.1
)

require (
	github.com/Azure/go-ansiterm v0.0.0-20261006220739-8c912ac31dd4 // indirect
	github.com/Microsoft/go-winio v0.6.2 // indirect
	github.com/apparentlymart/go-cidr v1.1.1 // indirect
	github.com/docker/docker v17.12.0-ce+incompatible // indirect
	github.com/google/btree v1.1.2 // indirect
	github.com/google/gopacket v1.1.19 // indirect
	github.com/inetaf/tcpproxy v0.0.0-20250222171855-c4b9df066048 // indirect
	github.com/miekg/dns v1.1.72 // indirect
	github.com/pierrec/lz4/v4 v4.1.14 // indirect
	github.com/rasky/go-xdr v0.0.0-20170124162913-1a41d1a06c93 // indirect
	github.com/u-root/uio v0.0.0-20240224005618-d2acac8f3701 // indirect
	golang.org/x/mod v0.35.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sync v0.20.0 // indirect
	golang.org/x/time v0.5.0 // indirect
	golang.org/x/tools v0.43.0 // indirect
	gvisor.dev/gvisor v0.0.0-20240916094835-a174eb65023f // indirect
)

replace github.com/kdomanski/iso9660 => ./third_party/iso9660

replace github.com/willscott/go-nfs => ./third_party/go-nfs

replace github.com/willscott/go-nfs-client => ./third_party/go-nfs-client

replace github.com/rasky/go-xdr => ./third_party/go-xdr

replace github.com/containers/gvisor-tap-vsock => ./third_party/gvisor-tap-vsock
