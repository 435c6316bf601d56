// Package harness holds the helpers that the suites run in the Linux
// sandbox share: test/e2e, which drives the plugin through docker-machine,
// and test/selftest, which checks the harness itself. They run commands
// with a deadline under the Mac's privilege split (user.go), read and
// write the sandbox user's files, and reach the sandbox's DHCP and NFS
// servers. Each helper fails the test it is given, as the test's own
// helper would. test/README.md describes the sandbox.
package harness
