package guestssh

import (
	"bytes"
	"fmt"
	"sync"
)

// DefaultMaxOutput caps a command's output when Run is given no MaxOutput:
// 64 KiB, far more than any command the driver runs prints.
const DefaultMaxOutput = 64 << 10

// Option tunes one Run.
type Option func(*runOptions)

type runOptions struct {
	maxOutput int
}

// MaxOutput caps what the command may print, stdout and stderr together,
// at n bytes (n <= 0: DefaultMaxOutput).
func MaxOutput(n int) Option {
	return func(o *runOptions) {
		if n > 0 {
			o.maxOutput = n
		}
	}
}

// OutputLimitError reports a command that printed more than its cap.
type OutputLimitError struct {
	Limit int // bytes
}

func (e *OutputLimitError) Error() string {
	return fmt.Sprintf("output exceeded %d bytes", e.Limit)
}

// cappedBuffer keeps the first limit bytes written to it, by any number
// of goroutines. The first write past limit calls overflow, once, and
// fails, as does every later one: the excess is never kept.
type cappedBuffer struct {
	limit    int
	overflow func()

	mu   sync.Mutex
	buf  bytes.Buffer
	over bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.over {
		return 0, &OutputLimitError{Limit: b.limit}
	}
	if room := b.limit - b.buf.Len(); len(p) > room {
		b.buf.Write(p[:room])
		b.over = true
		b.overflow()
		return room, &OutputLimitError{Limit: b.limit}
	}
	return b.buf.Write(p)
}

// exceeded reports whether more than limit bytes came.
func (b *cappedBuffer) exceeded() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.over
}

// Bytes returns a copy of what was kept.
func (b *cappedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}
