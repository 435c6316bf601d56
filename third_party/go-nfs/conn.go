package nfs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/willscott/go-nfs-client/nfs/rpc"
	"github.com/willscott/go-nfs-client/nfs/xdr"
)

var (
	// ErrInputInvalid is returned when input cannot be parsed
	ErrInputInvalid = errors.New("invalid input")
	// ErrAlreadySent is returned when writing a header/status multiple times
	ErrAlreadySent = errors.New("response already started")
)

// ResponseCode is a combination of accept_stat and reject_stat.
type ResponseCode uint32

// ResponseCode Codes
const (
	ResponseCodeSuccess ResponseCode = iota
	ResponseCodeProgUnavailable
	ResponseCodeProcUnavailable
	ResponseCodeGarbageArgs
	ResponseCodeSystemErr
	ResponseCodeRPCMismatch
	ResponseCodeAuthError
)

type conn struct {
	*Server
	net.Conn
	// Fork: record is the buffer the connection's records are read into,
	// reused from one call to the next (calls are served one at a time);
	// it grows with the bytes received, up to the record limit.
	record []byte
}

// Fork: serve closes the connection whenever it stops serving it: upstream
// returned without closing after an unparsable record, leaking the
// descriptor. A malformed record or a call whose arguments do not decode
// ends the connection without a reply, logged with the remote address and
// the reason.
//
// Fork: each reply is written by serve itself once the call is handled
// (upstream handed it to a writer goroutine over a channel). Calls are
// served one at a time either way, so the hand-over bought nothing and
// cost a goroutine, a channel and a wait for queued replies at close.
func (c *conn) serve(ctx context.Context) {
	defer c.Close()
	bio := bufio.NewReader(c.Conn)
	for {
		w, err := c.readRequestHeader(ctx, bio)
		if err != nil {
			if err != io.EOF { // io.EOF: a clean close between records
				Log.Warnf("closing connection from %v: %v", c.RemoteAddr(), err)
			}
			return
		}
		Log.Tracef("request: %v", w.req)
		err = c.handle(ctx, w)
		if err != nil {
			w.discard()
			Log.Warnf("closing connection from %v: %v: %v", c.RemoteAddr(), w.req, err)
			return
		}
		if respErr := w.finish(); respErr != nil {
			Log.Errorf("closing connection from %v: send response: %v", c.RemoteAddr(), respErr)
			return
		}
	}
}

// Handle a request. errors from this method indicate a failure to read or
// write on the network stream, and trigger a disconnection of the connection.
func (c *conn) handle(ctx context.Context, w *response) error {
	handler := c.Server.handlerFor(w.req.Header.Prog, w.req.Header.Proc)
	if handler == nil {
		Log.Errorf("No handler for %d.%d", w.req.Header.Prog, w.req.Header.Proc)
		if err := w.drain(ctx); err != nil {
			return err
		}
		return c.err(ctx, w, &ResponseCodeProcUnavailableError{})
	}
	appError := handler(ctx, w, c.Server.Handler)
	// Fork: arguments that do not decode end the connection.
	if isDecodeError(appError) {
		return fmt.Errorf("malformed arguments: %w", appError)
	}
	if drainErr := w.drain(ctx); drainErr != nil {
		return drainErr
	}
	if appError != nil && !w.responded {
		if err := c.err(ctx, w, appError); err != nil {
			return err
		}
	}
	if !w.responded {
		Log.Errorf("Handler did not indicate response status via writing or erroring")
		if err := c.err(ctx, w, &ResponseCodeSystemError{}); err != nil {
			return err
		}
	}
	return nil
}

func (c *conn) err(ctx context.Context, w *response, err error) error {
	select {
	case <-ctx.Done():
		return nil
	default:
	}

	if w.err == nil {
		w.err = err
	}

	if w.responded {
		return nil
	}

	rpcErr := w.errorFmt(err)
	if writeErr := w.writeHeader(rpcErr.Code()); writeErr != nil {
		return writeErr
	}

	body, _ := rpcErr.MarshalBinary()
	return w.Write(body)
}

type request struct {
	xid uint32
	rpc.Header
	Body io.Reader
	// Fork: record is the whole call Body reads from, for the arguments
	// taken from it without a copy (see takeOpaque).
	record []byte
}

func (r *request) String() string {
	if r.Header.Prog == nfsServiceID {
		return fmt.Sprintf("RPC #%d (nfs.%s)", r.xid, NFSProcedure(r.Header.Proc))
	} else if r.Header.Prog == mountServiceID {
		return fmt.Sprintf("RPC #%d (mount.%s)", r.xid, MountProcedure(r.Header.Proc))
	}
	return fmt.Sprintf("RPC #%d (%d.%d)", r.xid, r.Header.Prog, r.Header.Proc)
}

type response struct {
	*conn
	writer *bytes.Buffer
	// Fork: data follows writer's bytes in the reply, padded to four
	// bytes, without being copied into writer (READ's data); dataBuf
	// is the pooled buffer it lies in, if any.
	data      []byte
	dataBuf   *[]byte
	responded bool
	err       error
	errorFmt  func(error) RPCError
	req       *request
}

func (w *response) writeXdrHeader() error {
	err := xdr.Write(w.writer, &w.req.xid)
	if err != nil {
		return err
	}
	respType := uint32(1)
	err = xdr.Write(w.writer, &respType)
	if err != nil {
		return err
	}
	return nil
}

func (w *response) writeHeader(code ResponseCode) error {
	if w.responded {
		return ErrAlreadySent
	}
	w.responded = true
	if err := w.writeXdrHeader(); err != nil {
		return err
	}

	status := rpc.MsgAccepted
	if code == ResponseCodeAuthError || code == ResponseCodeRPCMismatch {
		status = rpc.MsgDenied
	}

	err := xdr.Write(w.writer, &status)
	if err != nil {
		return err
	}

	if status == rpc.MsgAccepted {
		// Write opaque_auth header.
		err = xdr.Write(w.writer, &rpc.AuthNull)
		if err != nil {
			return err
		}
	}

	return xdr.Write(w.writer, &code)
}

// Write a response to an xdr message
func (w *response) Write(dat []byte) error {
	if !w.responded {
		if err := w.writeHeader(ResponseCodeSuccess); err != nil {
			return err
		}
	}

	acc := 0
	for acc < len(dat) {
		n, err := w.writer.Write(dat[acc:])
		if err != nil {
			return err
		}
		acc += n
	}
	return nil
}

// drain reads the rest of the request frame if not consumed by the handler.
func (w *response) drain(ctx context.Context) error {
	if reader, ok := w.req.Body.(*io.LimitedReader); ok {
		if reader.N == 0 {
			return nil
		}
		// todo: wrap body in a context reader.
		_, err := io.CopyN(io.Discard, w.req.Body, reader.N)
		if err == nil || err == io.EOF {
			return nil
		}
		return err
	}
	return io.ErrUnexpectedEOF
}

// finish writes the reply and gives its buffers back.
func (w *response) finish() error {
	msg := w.takeReply()
	defer msg.release()
	return msg.writeTo(w.conn.Conn)
}

// discard gives back the buffers of a reply that will not be sent.
func (w *response) discard() {
	msg := w.takeReply()
	msg.release()
}

// takeReply moves the reply's buffers out of w, which holds none after.
func (w *response) takeReply() reply {
	msg := reply{head: w.writer, data: w.data, dataBuf: w.dataBuf}
	w.writer, w.data, w.dataBuf = nil, nil, nil
	return msg
}

// readRequestHeader reads the next record and decodes its RPC call header;
// the arguments are left in w.req.Body.
//
// Fork: the whole record is read before it is decoded, into a buffer that
// grows with the data received and only up to the server's record limit
// (see readRecord); upstream decoded straight from the connection, so
// every length in the call sized an allocation. Every length is then
// checked against the bytes left in the record before anything is
// allocated for it. A record that is not a version 2 call is an error.
func (c *conn) readRequestHeader(ctx context.Context, reader *bufio.Reader) (w *response, err error) {
	record, err := readRecordInto(reader, c.Server.maxRecordSize(), c.record)
	if err != nil {
		return nil, err
	}
	c.record = record
	r := io.LimitedReader{R: bytes.NewReader(record), N: int64(len(record))}

	xid, err := xdr.ReadUint32(&r)
	if err != nil {
		return nil, err
	}
	reqType, err := xdr.ReadUint32(&r)
	if err != nil {
		return nil, err
	}
	if reqType != 0 { // 0 = request, 1 = response
		return nil, fmt.Errorf("%w: message type %d, not a call", ErrInputInvalid, reqType)
	}

	req := request{
		xid:    xid,
		Body:   &r,
		record: record,
	}
	if err = xdr.Read(&r, &req.Header); err != nil {
		return nil, fmt.Errorf("%w: call header: %w", ErrInputInvalid, err)
	}
	if req.Header.Rpcvers != 2 {
		return nil, fmt.Errorf("%w: RPC version %d", ErrInputInvalid, req.Header.Rpcvers)
	}

	w = &response{
		conn:     c,
		req:      &req,
		errorFmt: basicErrorFormatter,
		writer:   getReplyBuffer(), // Fork: pooled
	}
	return w, nil
}
