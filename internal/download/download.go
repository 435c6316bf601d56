// Package download fetches a file whose size and sha256 are known before it
// is fetched (a release's ISO), so that nothing else ever takes its place:
// no more bytes than the size are read, the sha256 is checked before the file
// appears under its name, and a stalled or endless transfer ends.
package download

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/zchee/docker-machine-driver-xhyve/internal/atomicfile"
)

// Want is what the file must be.
type Want struct {
	Size   int64
	SHA256 string // lowercase hex
}

// Sentinels for the ways a file can differ from what was wanted.
var (
	ErrSize    = errors.New("wrong size")
	ErrDigest  = errors.New("wrong sha256")
	ErrStalled = errors.New("no data arrived")
)

// Options tune a download; the zero value takes the defaults.
type Options struct {
	// Client makes the request; nil: NewClient().
	Client *http.Client
	// Progress, when set, is called as bytes arrive with how many have
	// and the total.
	Progress func(done, total int64)
	// Stall ends a download when no byte arrives for this long (default
	// one minute); Total ends it after this long in all (default one hour).
	Stall, Total time.Duration
}

// NewClient is the default client: proxies from the environment, the
// system's roots, bounded connection and header waits, and no redirect from
// https to plain http.
func NewClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   30 * time.Second,
			ResponseHeaderTimeout: time.Minute,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
				return fmt.Errorf("refused redirect from https to %s", req.URL.Redacted())
			}
			return nil
		},
	}
}

// File downloads url into dst, replacing it atomically, only when the bytes
// are want's size and sha256; on any failure dst is left as it was.
func File(ctx context.Context, url, dst string, want Want, opt Options) error {
	if opt.Client == nil {
		opt.Client = NewClient()
	}
	if opt.Stall <= 0 {
		opt.Stall = time.Minute
	}
	if opt.Total <= 0 {
		opt.Total = time.Hour
	}
	ctx, cancel := context.WithTimeoutCause(ctx, opt.Total, fmt.Errorf("download took longer than %s", opt.Total))
	defer cancel()
	ctx, stall := context.WithCancelCause(ctx)
	defer stall(nil)

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("request %s: %w", url, err)
	}
	resp, err := opt.Client.Do(req)
	if err != nil {
		return fmt.Errorf("download %s: %w", url, cause(ctx, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("download %s: the server answered %s", url, resp.Status)
	}
	if resp.ContentLength >= 0 && resp.ContentLength != want.Size {
		return fmt.Errorf("download %s: the server announces %d bytes, not %d: %w", url, resp.ContentLength, want.Size, ErrSize)
	}
	timer := time.AfterFunc(opt.Stall, func() { stall(fmt.Errorf("%w for %s", ErrStalled, opt.Stall)) })
	defer timer.Stop()
	body := &progressReader{r: resp.Body, total: want.Size, progress: opt.Progress, arrived: func() { timer.Reset(opt.Stall) }}
	err = atomicfile.Write(dst, 0o644, func(w io.Writer) error {
		return copyChecked(w, body, want)
	})
	if err != nil {
		return fmt.Errorf("download %s: %w", url, cause(ctx, err))
	}
	return nil
}

// Verify checks that the file at path is want's size and sha256.
func Verify(path string, want Want) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("verify %s: %w", path, err)
	}
	defer f.Close()
	if err := copyChecked(io.Discard, f, want); err != nil {
		return fmt.Errorf("verify %s: %w", path, err)
	}
	return nil
}

// copyChecked copies r to w, reading at most one byte more than want.Size,
// and fails unless exactly want.Size bytes with want.SHA256 came.
func copyChecked(w io.Writer, r io.Reader, want Want) error {
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(r, want.Size+1))
	if err != nil {
		return err
	}
	if n != want.Size {
		more := ""
		if n > want.Size {
			more = " or more"
		}
		return fmt.Errorf("it is %d%s bytes, not %d: %w", n, more, want.Size, ErrSize)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want.SHA256 {
		return fmt.Errorf("its sha256 is %s, not %s: %w", got, want.SHA256, ErrDigest)
	}
	return nil
}

// cause prefers the reason the context ended (a stall, the total deadline)
// over the error it made a read return.
func cause(ctx context.Context, err error) error {
	if c := context.Cause(ctx); c != nil && !errors.Is(err, c) {
		return fmt.Errorf("%w (%v)", c, err)
	}
	return err
}

// progressReader reports each read: to the stall timer and to Progress.
type progressReader struct {
	r        io.Reader
	done     int64
	total    int64
	progress func(done, total int64)
	arrived  func()
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.done += int64(n)
		p.arrived()
		if p.progress != nil {
			p.progress(p.done, p.total)
		}
	}
	return n, err
}
