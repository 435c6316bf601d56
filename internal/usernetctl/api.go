package usernetctl

import "net/netip"

// The control API, served on Layout.APISocket as HTTP with JSON bodies:
//
//	GET  /status   -> Status
//	GET  /leases   -> []Lease
//	POST /expose   ExposeRequest   -> Forward
//	POST /unexpose UnexposeRequest -> {}
//
// Errors come as an Error body with a 4xx status for the caller's
// mistakes (400 bad request, 404 no such forward, 405 wrong method, 409
// port already forwarded, 413 body too large) and 500 otherwise.

// API paths.
const (
	PathStatus   = "/status"
	PathLeases   = "/leases"
	PathExpose   = "/expose"
	PathUnexpose = "/unexpose"
)

// MaxRequestBody bounds every request body the API reads.
const MaxRequestBody = 64 << 10

// MaxFieldLen bounds every string field of a request: the longest valid
// value ("255.255.255.255:65535") is far shorter.
const MaxFieldLen = 64

// Status describes the running process and its network.
type Status struct {
	PID       int          `json:"pid"`
	Subnet    netip.Prefix `json:"subnet"`
	Gateway   netip.Addr   `json:"gateway"`
	MTU       int          `json:"mtu"`
	Connected []string     `json:"connected"` // machine UUIDs, sorted
	Forwards  []Forward    `json:"forwards"`
}

// Forward is one port forward: Proto ("tcp" or "udp") from Host on the
// host to Guest in the network.
type Forward struct {
	Proto string         `json:"proto"`
	Host  netip.AddrPort `json:"host"`
	Guest netip.AddrPort `json:"guest"`
}

// Lease is an address DHCP gave a MAC address.
type Lease struct {
	IP  netip.Addr `json:"ip"`
	MAC string     `json:"mac"`
}

// ExposeRequest asks for a forward of Proto from Host to Guest.
type ExposeRequest struct {
	Proto string `json:"proto"`
	Host  string `json:"host"`
	Guest string `json:"guest"`
}

// UnexposeRequest asks to remove the forward of Proto from Host.
type UnexposeRequest struct {
	Proto string `json:"proto"`
	Host  string `json:"host"`
}

// Error is the body of every error reply.
type Error struct {
	Message string `json:"error"`
}
