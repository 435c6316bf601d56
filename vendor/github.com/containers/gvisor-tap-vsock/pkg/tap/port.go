package tap

// Fork: per-connection transmit queues (new file).

import (
	"errors"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	log "github.com/sirupsen/logrus"
)

// txQueueLen is how many frames wait for one connection's writer. When a
// peer reads slower than frames arrive, the frames beyond it are dropped, as
// an Ethernet switch's full egress port drops them: TCP resends, and the
// sender (the stack, or another peer's reader) never waits. 256 frames of
// 1514 bytes hold about 3 ms of a 1 Gbit/s link.
const txQueueLen = 256

// enobufsRetry is the pause before a write that failed with ENOBUFS (a full
// datagram socket buffer) is tried again.
const enobufsRetry = 100 * time.Microsecond

// port is one connection of the switch with its transmit queue. A queue
// and a writer per connection, rather than a lock per connection, because
// a lock would still make the sender wait for a slow peer: one peer that
// stops reading must not stop the stack or the other peers. A stalled peer
// is not disconnected for being slow (a stopped hyperkit may resume, and
// losing its connection powers its VM off); it loses frames instead, and
// its writer ends when its connection ends.
type port struct {
	id      int
	conn    protocolConn
	queue   chan []byte
	done    chan struct{}
	stopped atomic.Bool
	once    sync.Once

	// dropped counts the frames dropped because the queue was full.
	dropped atomic.Uint64
}

func newPort(id int, conn protocolConn) *port {
	return &port{
		id:    id,
		conn:  conn,
		queue: make(chan []byte, txQueueLen),
		done:  make(chan struct{}),
	}
}

// enqueue queues a frame without waiting; buf must not change afterwards.
func (p *port) enqueue(buf []byte) {
	select {
	case <-p.done:
	case p.queue <- buf:
	default:
		if p.dropped.Add(1)%txQueueLen == 1 {
			log.Debugf("connection %d is not reading: %d frames dropped", p.id, p.dropped.Load())
		}
	}
}

// stop ends the writer and closes the connection; it reports whether this
// call did it.
func (p *port) stop() bool {
	first := false
	p.once.Do(func() {
		first = true
		p.stopped.Store(true)
		close(p.done)
		_ = p.conn.Close()
	})
	return first
}

// write writes one buffer, retrying while the socket reports ENOBUFS
// (https://github.com/containers/gvisor-tap-vsock/issues/367).
func (p *port) write(buf []byte) error {
	for {
		_, err := p.conn.Write(buf)
		if !errors.Is(err, syscall.ENOBUFS) || p.stopped.Load() {
			return err
		}
		time.Sleep(enobufsRetry)
	}
}

// writeLoop sends the port's queued frames until the connection ends; a
// write error ends it.
func (e *Switch) writeLoop(p *port) {
	for {
		select {
		case <-p.done:
			return
		case buf := <-p.queue:
			if err := e.txBuf(p, buf); err != nil {
				log.Errorf("cannot send to connection %d, disconnecting: %v", p.id, err)
				e.disconnect(p)
				return
			}
			atomic.AddUint64(&e.Sent, uint64(len(buf)))
		}
	}
}
