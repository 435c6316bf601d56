package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// qmpEvent is an asynchronous QMP event.
type qmpEvent struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

// qmp is a minimal QEMU Machine Protocol client: one command at a time,
// events delivered on Events (closed when the connection ends).
type qmp struct {
	conn   net.Conn
	mu     sync.Mutex // serialises commands
	nextID int
	resp   chan qmpResponse
	Events chan qmpEvent
	done   chan struct{}
}

type qmpResponse struct {
	ID     json.RawMessage `json:"id"`
	Return json.RawMessage `json:"return"`
	Error  *struct {
		Class string `json:"class"`
		Desc  string `json:"desc"`
	} `json:"error"`
}

func newQMP(conn net.Conn) (*qmp, error) {
	q := &qmp{
		conn:   conn,
		resp:   make(chan qmpResponse, 1),
		Events: make(chan qmpEvent, 64),
		done:   make(chan struct{}),
	}
	r := bufio.NewReaderSize(conn, 1<<16)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	greeting, err := r.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("qmp greeting: %w", err)
	}
	var g struct {
		QMP json.RawMessage `json:"QMP"`
	}
	if err := json.Unmarshal(greeting, &g); err != nil || g.QMP == nil {
		return nil, fmt.Errorf("qmp greeting: unexpected %q", greeting)
	}
	conn.SetReadDeadline(time.Time{})
	go q.reader(r)
	if _, err := q.Execute("qmp_capabilities", nil); err != nil {
		return nil, err
	}
	return q, nil
}

func (q *qmp) reader(r *bufio.Reader) {
	defer close(q.done)
	defer close(q.Events)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			var probe struct {
				Event  string          `json:"event"`
				Return json.RawMessage `json:"return"`
				Error  json.RawMessage `json:"error"`
			}
			if json.Unmarshal(line, &probe) == nil {
				if probe.Event != "" {
					var ev qmpEvent
					if json.Unmarshal(line, &ev) == nil {
						select {
						case q.Events <- ev:
						default: // never block the reader on a slow consumer
						}
					}
				} else if probe.Return != nil || probe.Error != nil {
					var resp qmpResponse
					if json.Unmarshal(line, &resp) == nil {
						select {
						case q.resp <- resp:
						default:
						}
					}
				}
			}
		}
		if err != nil {
			return
		}
	}
}

var errQMPClosed = errors.New("qmp connection closed")

// Execute runs one command and returns its "return" value.
func (q *qmp) Execute(cmd string, args any) (json.RawMessage, error) {
	return q.ExecuteTimeout(cmd, args, 30*time.Second)
}

// ExecuteTimeout runs one QMP command and waits for its answer.
func (q *qmp) ExecuteTimeout(cmd string, args any, timeout time.Duration) (json.RawMessage, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.nextID++
	msg := map[string]any{"execute": cmd, "id": q.nextID}
	if args != nil {
		msg["arguments"] = args
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	// drop a stale response left by an earlier timed-out command
	select {
	case <-q.resp:
	default:
	}
	if _, err := q.conn.Write(append(b, '\n')); err != nil {
		return nil, err
	}
	want := fmt.Sprint(q.nextID)
	deadline := time.After(timeout)
	for {
		select {
		case r := <-q.resp:
			if string(r.ID) != want {
				continue
			}
			if r.Error != nil {
				return nil, fmt.Errorf("qmp %s: %s: %s", cmd, r.Error.Class, r.Error.Desc)
			}
			return r.Return, nil
		case <-q.done:
			return nil, errQMPClosed
		case <-deadline:
			return nil, fmt.Errorf("qmp %s: timeout", cmd)
		}
	}
}

// HMP runs a human monitor command and returns its text output.
func (q *qmp) HMP(cmdline string) (string, error) {
	ret, err := q.Execute("human-monitor-command", map[string]any{"command-line": cmdline})
	if err != nil {
		return "", err
	}
	var s string
	if err := json.Unmarshal(ret, &s); err != nil {
		return "", err
	}
	return s, nil
}

// Close ends the QMP session.
func (q *qmp) Close() { q.conn.Close() }
