package nfs

import (
	"bytes"
	"context"
	"io"
	"math"
	"os"

	"github.com/go-git/go-billy/v5"
	"github.com/willscott/go-nfs-client/nfs/xdr"
)

// writeStability is the level of durability requested with the write
type writeStability uint32

const (
	unstable writeStability = 0
	dataSync writeStability = 1
	fileSync writeStability = 2
)

// Fork: the handle is at most FHSize (64) bytes and the data MaxIOSize
// (1 MiB), checked before allocating (by readWriteArgs, which reads the
// data without a copy; the tags say the same for go-xdr).
type writeArgs struct {
	Handle []byte `xdr:"maxlen=64"`
	Offset uint64
	Count  uint32
	How    uint32
	Data   []byte `xdr:"maxlen=1048576"`
}

// readWriteArgs decodes WRITE's arguments, the data without a copy.
//
// Fork: new. The data is a slice of the connection's record buffer, valid
// until the handler returns (upstream allocated and copied up to 1 MiB per
// call); the limits are writeArgs' tags, checked the same way.
func readWriteArgs(req *request) (writeArgs, error) {
	var args writeArgs
	var err error
	if args.Handle, err = xdr.ReadOpaqueMax(req.Body, FHSize); err != nil {
		return args, err
	}
	var fixed struct {
		Offset uint64
		Count  uint32
		How    uint32
	}
	if err = xdr.Read(req.Body, &fixed); err != nil {
		return args, err
	}
	args.Offset, args.Count, args.How = fixed.Offset, fixed.Count, fixed.How
	args.Data, err = req.takeOpaque(MaxIOSize)
	return args, err
}

func onWrite(ctx context.Context, w *response, userHandle Handler) error {
	w.errorFmt = wccDataErrorFormatter
	req, err := readWriteArgs(w.req) // Fork: was xdr.Read into writeArgs
	if err != nil {
		return &NFSStatusError{NFSStatusInval, err}
	}

	fs, path, err := userHandle.FromHandle(req.Handle)
	if err != nil {
		return &NFSStatusError{NFSStatusStale, err}
	}
	if !billy.CapabilityCheck(fs, billy.WriteCapability) {
		return &NFSStatusError{NFSStatusROFS, os.ErrPermission}
	}
	if len(req.Data) > math.MaxInt32 || req.Count > math.MaxInt32 {
		return &NFSStatusError{NFSStatusFBig, os.ErrInvalid}
	}
	if req.How != uint32(unstable) && req.How != uint32(dataSync) && req.How != uint32(fileSync) {
		return &NFSStatusError{NFSStatusInval, os.ErrInvalid}
	}

	// stat first for pre-op wcc.
	fullPath := fs.Join(path...)
	info, err := fs.Stat(fullPath)
	if err != nil {
		if os.IsNotExist(err) {
			return &NFSStatusError{NFSStatusNoEnt, err}
		}
		return &NFSStatusError{NFSStatusAccess, err}
	}
	if !info.Mode().IsRegular() {
		return &NFSStatusError{NFSStatusInval, os.ErrInvalid}
	}
	preOpCache := ToFileAttribute(info, fullPath).AsCache()

	// now the actual op.
	// Fork: an offset past what a file can hold is refused before the file
	// is opened.
	if req.Offset > math.MaxInt64 {
		return &NFSStatusError{NFSStatusFBig, os.ErrInvalid}
	}
	file, err := fs.OpenFile(fs.Join(path...), os.O_RDWR, info.Mode().Perm())
	if err != nil {
		return &NFSStatusError{NFSStatusAccess, err}
	}
	// Fork: the file is closed on every error path too (upstream left it
	// open after a failed seek or write).
	closed := false
	defer func() {
		if !closed {
			_ = file.Close()
		}
	}()
	if req.Offset > 0 {
		if _, err := file.Seek(int64(req.Offset), io.SeekStart); err != nil {
			return &NFSStatusError{NFSStatusIO, err}
		}
	}
	end := req.Count
	if len(req.Data) < int(end) {
		end = uint32(len(req.Data))
	}
	writtenCount, err := file.Write(req.Data[:end])
	if err != nil {
		Log.Errorf("Error writing: %v", err)
		return &NFSStatusError{statusFromWriteError(err), err}
	}
	// Fork: a DATA_SYNC or FILE_SYNC write is on stable storage before the
	// reply says so, and an UNSTABLE one is reported as such, for COMMIT
	// to sync (RFC 1813, 3.3.7 and 3.3.21). Upstream replied FILE_SYNC to
	// every write and synced none: a guest's fsync returned with its data
	// still only in the host's page cache.
	committed, err := syncWrite(file, writeStability(req.How))
	if err != nil {
		return &NFSStatusError{NFSStatusIO, err}
	}
	closed = true
	if err := file.Close(); err != nil {
		Log.Errorf("error closing: %v", err)
		return &NFSStatusError{statusFromWriteError(err), err}
	}

	writer := bytes.NewBuffer(make([]byte, 0, 256)) // Fork: sized once
	if err := xdr.Write(writer, uint32(NFSStatusOk)); err != nil {
		return &NFSStatusError{NFSStatusServerFault, err}
	}

	if err := WriteWcc(writer, preOpCache, tryStat(fs, path)); err != nil {
		return &NFSStatusError{NFSStatusServerFault, err}
	}
	if err := xdr.Write(writer, uint32(writtenCount)); err != nil {
		return &NFSStatusError{NFSStatusServerFault, err}
	}
	if err := xdr.Write(writer, committed); err != nil {
		return &NFSStatusError{NFSStatusServerFault, err}
	}
	if err := xdr.Write(writer, w.Server.ID); err != nil {
		return &NFSStatusError{NFSStatusServerFault, err}
	}

	if err := w.Write(writer.Bytes()); err != nil {
		return &NFSStatusError{NFSStatusServerFault, err}
	}
	return nil
}

// syncer is a billy.File that can flush its data to stable storage.
//
// Fork: new.
type syncer interface {
	Sync() error
}

// syncWrite makes a write as stable as how asks, and returns how stable
// it is. A file that cannot sync keeps upstream's behaviour: every write
// is reported FILE_SYNC (a filesystem without stable storage, in memory
// say, has nothing to flush).
//
// Fork: new.
func syncWrite(file billy.File, how writeStability) (writeStability, error) {
	s, ok := file.(syncer)
	if !ok {
		return fileSync, nil
	}
	if how == unstable {
		return unstable, nil
	}
	if err := s.Sync(); err != nil {
		return unstable, err
	}
	return fileSync, nil
}
