package nfs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"

	"github.com/willscott/go-nfs-client/nfs/xdr"
)

// Fork: the handle is at most FHSize (64) bytes, checked by go-xdr.
type nfsReadArgs struct {
	Handle []byte `xdr:"maxlen=64"`
	Offset uint64
	Count  uint32
}

type nfsReadResponse struct {
	Count uint32
	EOF   uint32
	Data  []byte
}

// MaxRead is the advertised largest buffer the server is willing to read
//
// Fork: READ counts are cut to MaxIOSize, the size FSINFO advertises, and
// no longer to MaxRead; kept for the API.
const MaxRead = 1 << 24

func onRead(ctx context.Context, w *response, userHandle Handler) error {
	w.errorFmt = opAttrErrorFormatter
	var obj nfsReadArgs
	err := xdr.Read(w.req.Body, &obj)
	if err != nil {
		return &NFSStatusError{NFSStatusInval, err}
	}
	fs, path, err := userHandle.FromHandle(obj.Handle)
	if err != nil {
		return &NFSStatusError{NFSStatusStale, err}
	}

	fh, err := fs.Open(fs.Join(path...))
	if err != nil {
		if os.IsNotExist(err) {
			return &NFSStatusError{NFSStatusNoEnt, err}
		}
		return &NFSStatusError{NFSStatusAccess, err}
	}
	defer fh.Close()

	resp := nfsReadResponse{}
	setEOF := false

	fullPath := fs.Join(path...)
	info, err := fs.Stat(fullPath)
	if err != nil {
		return &NFSStatusError{NFSStatusAccess, err}
	}
	if int64(obj.Offset) >= info.Size() {
		obj.Count = 0
		setEOF = true
	} else if info.Size()-int64(obj.Offset) <= int64(obj.Count) {
		obj.Count = uint32(uint64(info.Size()) - obj.Offset)
		setEOF = true
	}
	if obj.Count > MaxIOSize { // Fork: was MaxRead
		obj.Count = MaxIOSize
	}
	// Fork: the data is read into a pooled buffer that the reply sends as
	// it is (upstream allocated it per call, then copied it twice into
	// growing reply buffers).
	data, dataBuf := getIOBuffer(int(obj.Count))
	// todo: multiple reads if size isn't full
	cnt, err := fh.ReadAt(data, int64(obj.Offset))
	if err != nil && !errors.Is(err, io.EOF) {
		putIOBuffer(dataBuf)
		return &NFSStatusError{NFSStatusIO, err}
	}
	resp.Count = uint32(cnt)
	data = data[:resp.Count]
	if errors.Is(err, io.EOF) || setEOF {
		resp.EOF = 1
	}

	writer := bytes.NewBuffer(make([]byte, 0, 128))
	if err := xdr.Write(writer, uint32(NFSStatusOk)); err != nil {
		putIOBuffer(dataBuf)
		return &NFSStatusError{NFSStatusServerFault, err}
	}
	if err := WritePostOpAttrs(writer, ToFileAttribute(info, fullPath)); err != nil {
		putIOBuffer(dataBuf)
		return &NFSStatusError{NFSStatusServerFault, err}
	}

	// count, eof, and the data's length; the data follows the head.
	tail := struct{ Count, EOF, Len uint32 }{resp.Count, resp.EOF, resp.Count}
	if err := xdr.Write(writer, &tail); err != nil {
		putIOBuffer(dataBuf)
		return &NFSStatusError{NFSStatusServerFault, err}
	}
	if err := w.Write(writer.Bytes()); err != nil {
		putIOBuffer(dataBuf)
		return &NFSStatusError{NFSStatusServerFault, err}
	}
	w.setData(data, dataBuf)
	return nil
}
