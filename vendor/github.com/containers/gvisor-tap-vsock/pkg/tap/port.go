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

// txQueueLen is how many frames wait for one connection's writer.
const txQueueLen = 256

// queueWait is how long a sender waits for room in a full queue before it
// takes the peer for stalled. Waiting paces a sender that is faster than a
// peer that reads (the gVisor stack sends a TCP window in one burst, and a
// Unix socket's buffer on macOS holds a few frames), as v0.8.9's blocking
// writes did, instead of dropping most of the burst. A stalled peer's
// frames are dropped without waiting until its writer makes progress
// again, as a switch's congested port drops them: the sender (the stack,
// or another peer's reader) waits at most this long once per stall.
const queueWait = 100 * time.Millisecond

// enobufsRetry is the pause before a write that failed with ENOBUFS (a full
// datagram socket buffer) is tried again.
const enobufsRetry = 100 * time.Microsecond

// port is one connection of the switch with its transmit queue. A queue
// and a writer per connection, rather than a lock per connection, because
// a lock would make every sender wait for as long as a slow peer takes:
// one peer that stops reading must not stop the stack or the other peers.
// A stalled peer is not disconnected for being slow (a stopped hyperkit may
// resume, and losing its connection powers its VM off); it loses frames
// instead, and its writer ends when its connection ends.
type port struct {
	id      int
	conn    protocolConn
	queue   chan []byte
	done    chan struct{}
	stopped atomic.Bool
	once    sync.Once
	// stalled is set when a sender found the queue full for queueWait,
	// and cleared by the writer's next successful write.
	stalled atomic.Bool

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

// enqueue queues a frame, waiting up to queueWait for room unless the peer
// is stalled; buf must not change afterwards.
func (p *port) enqueue(buf []byte) {
	select {
	case <-p.done:
		return
	case p.queue <- buf:
		return
	default:
	}
	if !p.stalled.Load() {
		t := time.NewTimer(queueWait)
		defer t.Stop()
		select {
		case <-p.done:
			return
		case p.queue <- buf:
			return
		case <-t.C:
			p.stalled.Store(true)
		}
	}
	if p.dropped.Add(1)%txQueueLen == 1 {
		log.Debugf("connection %d is not reading: %d frames dropped", p.id, p.dropped.Load())
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
			p.stalled.Store(false)
			atomic.AddUint64(&e.Sent, uint64(len(buf)))
		}
	}
}
