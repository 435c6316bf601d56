package nfs

import (
	"bytes"
	"context"
	"errors"
	"os"

	"github.com/go-git/go-billy/v5"
	"github.com/willscott/go-nfs-client/nfs/xdr"
)

// onCommit flushes a file's data to stable storage.
//
// Fork: upstream did nothing here, though its WRITE wrote to the page
// cache only; now a file that can sync (see syncer) is synced, whole
// (RFC 1813 lets a server flush more than the range asked).
func onCommit(ctx context.Context, w *response, userHandle Handler) error {
	w.errorFmt = wccDataErrorFormatter
	// Fork: at most FHSize bytes, checked before allocating.
	handle, err := xdr.ReadOpaqueMax(w.req.Body, FHSize)
	if err != nil {
		return &NFSStatusError{NFSStatusInval, err}
	}
	// The conn will drain the unread offset and count arguments.

	fs, path, err := userHandle.FromHandle(handle)
	if err != nil {
		return &NFSStatusError{NFSStatusStale, err}
	}
	if !billy.CapabilityCheck(fs, billy.WriteCapability) {
		return &NFSStatusError{NFSStatusServerFault, os.ErrPermission}
	}
	if err := commitFile(fs, fs.Join(path...)); err != nil {
		return err
	}

	writer := bytes.NewBuffer([]byte{})
	if err := xdr.Write(writer, uint32(NFSStatusOk)); err != nil {
		return err
	}

	// no pre-op cache data.
	if err := xdr.Write(writer, uint32(0)); err != nil {
		return &NFSStatusError{NFSStatusServerFault, err}
	}
	if err := WritePostOpAttrs(writer, tryStat(fs, path)); err != nil {
		return &NFSStatusError{NFSStatusServerFault, err}
	}
	// write the 8 bytes of write verification.
	if err := xdr.Write(writer, w.Server.ID); err != nil {
		return &NFSStatusError{NFSStatusServerFault, err}
	}

	if err := w.Write(writer.Bytes()); err != nil {
		return &NFSStatusError{NFSStatusServerFault, err}
	}
	return nil
}

// commitFile syncs the file at path, if its filesystem's files can sync.
//
// Fork: new.
func commitFile(fs billy.Filesystem, path string) error {
	f, err := fs.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		if os.IsNotExist(err) {
			return &NFSStatusError{NFSStatusStale, err}
		}
		return &NFSStatusError{NFSStatusIO, err}
	}
	s, ok := f.(syncer)
	var syncErr error
	if ok {
		syncErr = s.Sync()
	}
	if err := errors.Join(syncErr, f.Close()); err != nil {
		Log.Errorf("commit %s: %v", path, err)
		return &NFSStatusError{NFSStatusIO, err}
	}
	return nil
}
