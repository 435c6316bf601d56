package usernetd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"slices"

	"github.com/zchee/docker-machine-driver-xhyve/internal/usernet"
	"github.com/zchee/docker-machine-driver-xhyve/internal/usernetctl"
)

// errBadRequest marks the caller's mistakes (400).
var errBadRequest = errors.New("bad request")

// handler serves the control API (usernetctl's api.go describes it).
func (d *daemon) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(usernetctl.PathStatus, d.get(func(*http.Request) (any, error) { return d.status(), nil }))
	mux.HandleFunc(usernetctl.PathLeases, d.get(func(*http.Request) (any, error) { return d.leases() }))
	mux.HandleFunc(usernetctl.PathExpose, d.post(d.expose))
	mux.HandleFunc(usernetctl.PathUnexpose, d.post(d.unexpose))
	return mux
}

func (d *daemon) get(f func(*http.Request) (any, error)) http.HandlerFunc {
	return d.method(http.MethodGet, f)
}

func (d *daemon) post(f func(*http.Request) (any, error)) http.HandlerFunc {
	return d.method(http.MethodPost, func(r *http.Request) (any, error) {
		r.Body = http.MaxBytesReader(nil, r.Body, usernetctl.MaxRequestBody)
		return f(r)
	})
}

// method serves f for requests of method m, counting each as activity.
func (d *daemon) method(m string, f func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != m {
			w.Header().Set("Allow", m)
			reply(w, http.StatusMethodNotAllowed, usernetctl.Error{Message: fmt.Sprintf("%s wants %s", r.URL.Path, m)})
			return
		}
		if !d.touch() {
			reply(w, http.StatusServiceUnavailable, usernetctl.Error{Message: "the network process is stopping"})
			return
		}
		out, err := f(r)
		if err != nil {
			reply(w, statusOf(err), usernetctl.Error{Message: err.Error()})
			return
		}
		reply(w, http.StatusOK, out)
	}
}

func statusOf(err error) int {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, usernet.ErrForwarded):
		return http.StatusConflict
	case errors.Is(err, usernet.ErrNotForwarded):
		return http.StatusNotFound
	case errors.Is(err, errBadRequest):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("usernet: write API reply: %v", err)
	}
}

func (d *daemon) status() usernetctl.Status {
	st := usernetctl.Status{
		PID:       os.Getpid(),
		Subnet:    d.net.Subnet(),
		Gateway:   d.net.Gateway(),
		MTU:       d.cfg.MTU,
		Connected: []string{},
		Forwards:  []usernetctl.Forward{},
	}
	for _, id := range d.net.Connected() {
		st.Connected = append(st.Connected, id.String())
	}
	slices.Sort(st.Connected)
	for _, f := range d.net.Forwards() {
		st.Forwards = append(st.Forwards, usernetctl.Forward{Proto: f.Proto, Host: f.Host, Guest: f.Guest})
	}
	return st
}

func (d *daemon) leases() (any, error) {
	ls, err := d.net.Leases()
	if err != nil {
		return nil, err
	}
	out := make([]usernetctl.Lease, 0, len(ls))
	for _, l := range ls {
		out = append(out, usernetctl.Lease{IP: l.IP, MAC: l.MAC.String()})
	}
	return out, nil
}

func (d *daemon) expose(r *http.Request) (any, error) {
	var req usernetctl.ExposeRequest
	if err := decode(r.Body, &req, &req.Proto, &req.Host, &req.Guest); err != nil {
		return nil, err
	}
	if err := d.net.Expose(req.Proto, req.Host, req.Guest); err != nil {
		if errors.Is(err, usernet.ErrForwarded) {
			return nil, err
		}
		// The rest are the request's: a bad address, or a host port that
		// something else has.
		return nil, fmt.Errorf("%w: %w", errBadRequest, err)
	}
	for _, f := range d.net.Forwards() {
		if f.Proto == req.Proto && f.Host.String() == req.Host {
			log.Printf("usernet: forwarding %s %s to %s", f.Proto, f.Host, f.Guest)
			return usernetctl.Forward{Proto: f.Proto, Host: f.Host, Guest: f.Guest}, nil
		}
	}
	return nil, fmt.Errorf("expose %s %s: the forward is not listed after it was made", req.Proto, req.Host)
}

func (d *daemon) unexpose(r *http.Request) (any, error) {
	var req usernetctl.UnexposeRequest
	if err := decode(r.Body, &req, &req.Proto, &req.Host); err != nil {
		return nil, err
	}
	if err := d.net.Unexpose(req.Proto, req.Host); err != nil {
		if errors.Is(err, usernet.ErrNotForwarded) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", errBadRequest, err)
	}
	log.Printf("usernet: stopped forwarding %s %s", req.Proto, req.Host)
	return struct{}{}, nil
}

// decode reads one JSON object into v, refusing unknown fields, trailing
// data and any of fields longer than MaxFieldLen.
func decode(body io.Reader, v any, fields ...*string) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Errorf("request body larger than %d bytes: %w", usernetctl.MaxRequestBody, err)
		}
		return fmt.Errorf("%w: decode request: %w", errBadRequest, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: data after the request object", errBadRequest)
	}
	for _, f := range fields {
		if len(*f) > usernetctl.MaxFieldLen {
			return fmt.Errorf("%w: a field is longer than %d bytes", errBadRequest, usernetctl.MaxFieldLen)
		}
	}
	return nil
}
