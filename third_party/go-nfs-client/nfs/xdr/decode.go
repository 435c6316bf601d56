// Copyright © 2017 VMware, Inc. All Rights Reserved.
// SPDX-License-Identifier: BSD-2-Clause
package xdr

import (
	"io"

	xdr "github.com/rasky/go-xdr/xdr2"
)

func Read(r io.Reader, val interface{}) error {
	_, err := xdr.Unmarshal(r, val)
	return err
}

func ReadUint32(r io.Reader) (uint32, error) {
	var n uint32
	if err := Read(r, &n); err != nil {
		return n, err
	}

	return n, nil
}

// ReadOpaque reads variable-length opaque data.
//
// Fork: decoded by go-xdr, whose fork checks the length against the bytes
// the reader has left before allocating (upstream allocated whatever length
// came, up to 4 GiB), reads all of the data (upstream made one Read call,
// which may return less), and consumes the padding to four bytes (upstream
// left it, misplacing whatever followed data of other lengths).
func ReadOpaque(r io.Reader) ([]byte, error) {
	b, _, err := xdr.NewDecoder(r).DecodeOpaque()
	return b, err
}

// ReadOpaqueMax is ReadOpaque for data of at most max bytes: a longer length
// is an error, returned before anything is allocated.
//
// Fork: new.
func ReadOpaqueMax(r io.Reader, max uint32) ([]byte, error) {
	b, _, err := xdr.NewDecoder(r).DecodeOpaqueLimited(uint(max))
	return b, err
}

// ReadUint32List reads a variable-length array of uint32.
//
// Fork: decoded by go-xdr, which checks the count against the bytes the
// reader has left (upstream allocated up to 16 GiB for any count).
func ReadUint32List(r io.Reader) ([]uint32, error) {
	var buf []uint32
	if err := Read(r, &buf); err != nil {
		return nil, err
	}
	return buf, nil
}
