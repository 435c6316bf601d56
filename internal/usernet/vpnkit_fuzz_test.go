package usernet

import (
	"bytes"
	"io"
	"testing"
)

// rw is a connection that reads from a fixed input and keeps what is
// written.
type rw struct {
	io.Reader
	out bytes.Buffer
}

func (c *rw) Write(b []byte) (int, error) { return c.out.Write(b) }

// FuzzReadHello: any bytes from a peer end in a UUID or an error, never a
// panic, and only hyperkit's messages are accepted.
func FuzzReadHello(f *testing.F) {
	good := append(initMsg("VMN3T"), commandMsg(1, "c3d68012-0208-11ea-9fd7-f2189899ab08")...)
	f.Add(good)
	f.Add(good[:48])
	f.Add(append(initMsg("VMN3T"), commandMsg(8, "C3D68012-0208-11EA-9FD7-F2189899AB08")...))
	f.Add([]byte("VMN3T"))
	f.Fuzz(func(t *testing.T, in []byte) {
		c := &rw{Reader: bytes.NewReader(in)}
		id, err := readHello(c)
		if err != nil {
			return
		}
		if len(in) < initSize+commandSize || string(in[:5]) != vpnkitMagic || (in[initSize] != cmdEthernet && in[initSize] != cmdPreferredIPv4) {
			t.Fatalf("accepted %q as %s", in, id)
		}
		if c.out.Len() != initSize || !bytes.HasPrefix(c.out.Bytes(), []byte(vpnkitMagic)) {
			t.Fatalf("init reply %q", c.out.Bytes())
		}
	})
}
