package usernet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// gvisor-tap-vsock's port forwarder and DHCP leases are reachable only
// through its HTTP API (VirtualNetwork.ServicesMux); call serves one
// request to it in-process, so the API is never on a socket any guest or
// other user could reach.

// call POSTs req as JSON to path, or GETs path when req is nil, and decodes
// the reply into out when out is not nil.
func (n *Network) call(path string, req, out any) error {
	method, body := http.MethodGet, []byte(nil)
	if req != nil {
		b, err := json.Marshal(req)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		method, body = http.MethodPost, b
	}
	r, err := http.NewRequest(method, "http://usernet"+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	w := &response{header: http.Header{}}
	n.api.ServeHTTP(w, r)
	if w.code != 0 && w.code != http.StatusOK {
		msg := strings.TrimSpace(w.body.String())
		if msg == "" {
			msg = http.StatusText(w.code)
		}
		return errors.New(msg)
	}
	if out != nil {
		if err := json.Unmarshal(w.body.Bytes(), out); err != nil {
			return fmt.Errorf("decode reply of %s: %w", path, err)
		}
	}
	return nil
}

// response is an http.ResponseWriter that keeps the reply.
type response struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (w *response) Header() http.Header { return w.header }

func (w *response) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *response) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}
