package usernetctl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// maxResponse bounds every reply the client reads: a status or lease list
// of the most machines a network takes is far smaller.
const maxResponse = 4 << 20

// DefaultCallTimeout bounds a call whose context has no deadline.
const DefaultCallTimeout = 5 * time.Second

// ErrAPI is wrapped by errors the process replied with (as opposed to
// failures to reach it).
var ErrAPI = errors.New("usernet process refused the request")

// Client calls the control API of a network process.
type Client struct {
	layout Layout
	http   *http.Client
}

// NewClient returns a client of the process serving dir. It connects on
// each call.
func NewClient(dir string) *Client {
	l := Layout{Dir: dir}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", l.APISocket())
		},
		// One short call at a time: nothing worth keeping open.
		DisableKeepAlives: true,
	}
	return &Client{layout: l, http: &http.Client{Transport: tr}}
}

// Layout is the directory the client's process serves.
func (c *Client) Layout() Layout { return c.layout }

// Status returns the process's status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	err := c.call(ctx, http.MethodGet, PathStatus, nil, &s)
	return s, err
}

// Leases lists the network's DHCP leases, by address.
func (c *Client) Leases(ctx context.Context) ([]Lease, error) {
	var ls []Lease
	err := c.call(ctx, http.MethodGet, PathLeases, nil, &ls)
	return ls, err
}

// LeaseOf returns the lease of mac, if DHCP gave it one.
func (c *Client) LeaseOf(ctx context.Context, mac net.HardwareAddr) (Lease, bool, error) {
	ls, err := c.Leases(ctx)
	if err != nil {
		return Lease{}, false, err
	}
	for _, l := range ls {
		if strings.EqualFold(l.MAC, mac.String()) {
			return l, true, nil
		}
	}
	return Lease{}, false, nil
}

// Expose forwards proto ("tcp" or "udp") from host ("127.0.0.1:8080") to
// guest (an address of the network and a port).
func (c *Client) Expose(ctx context.Context, proto, host, guest string) (Forward, error) {
	var f Forward
	err := c.call(ctx, http.MethodPost, PathExpose, ExposeRequest{Proto: proto, Host: host, Guest: guest}, &f)
	return f, err
}

// Unexpose removes the forward of proto from host.
func (c *Client) Unexpose(ctx context.Context, proto, host string) error {
	return c.call(ctx, http.MethodPost, PathUnexpose, UnexposeRequest{Proto: proto, Host: host}, nil)
}

// call sends req (JSON; none when nil) and decodes the reply into out.
func (c *Client) call(ctx context.Context, method, path string, req, out any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultCallTimeout)
		defer cancel()
	}
	var body io.Reader
	if req != nil {
		b, err := json.Marshal(req)
		if err != nil {
			return fmt.Errorf("usernet %s: encode request: %w", path, err)
		}
		body = bytes.NewReader(b)
	}
	r, err := http.NewRequestWithContext(ctx, method, "http://usernet"+path, body)
	if err != nil {
		return fmt.Errorf("usernet %s: %w", path, err)
	}
	if req != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(r)
	if err != nil {
		return fmt.Errorf("usernet %s: reach the network process at %s: %w", path, c.layout.APISocket(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("usernet %s: read reply: %w", path, err)
	}
	if len(data) > maxResponse {
		return fmt.Errorf("usernet %s: reply larger than %d bytes", path, maxResponse)
	}
	if resp.StatusCode != http.StatusOK {
		var e Error
		if json.Unmarshal(data, &e) != nil || e.Message == "" {
			e.Message = resp.Status
		}
		return fmt.Errorf("usernet %s: %w: %s", path, ErrAPI, e.Message)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("usernet %s: decode reply: %w", path, err)
		}
	}
	return nil
}
