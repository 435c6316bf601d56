// Package usernet is the user-mode network that one user's machines share:
// hyperkit's virtio-vpnkit devices connect to it over a Unix socket, and it
// gives them an Ethernet switch, DHCP, DNS through the host's resolver, NAT
// through the host's own sockets (so VPN routes and split DNS apply), port
// forwards from host addresses, and listeners inside the network.
//
// It is built on the gvisor-tap-vsock fork in third_party/gvisor-tap-vsock
// (frame lengths checked, one queue per connection, a strict handshake),
// and speaks hyperkit's side of the vpnkit handshake itself so that a
// machine's MAC address follows from its UUID (see MACForUUID).
//
// gvisor-tap-vsock logs through logrus's standard logger; the process that
// runs a Network decides where that goes.
package usernet
