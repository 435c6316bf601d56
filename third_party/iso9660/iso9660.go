// Package iso9660 implements reading and creating basic ISO9660 images.
package iso9660

import (
	"encoding"
	"errors"
	"fmt"
	"io"
)

// ISO 9660 Overview
// https://archive.fo/xs9ac

const (
	sectorSize         uint32 = 2048
	systemAreaSize            = sectorSize * 16
	standardIdentifier        = "CD001"
	udfIdentifier             = "BEA01"

	volumeTypeBoot          byte = 0
	volumeTypePrimary       byte = 1
	volumeTypeSupplementary byte = 2
	volumeTypePartition     byte = 3
	volumeTypeTerminator    byte = 255

	volumeDescriptorBodySize = sectorSize - 7

	aCharacters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_!\"%&'()*+,-./:;<=>?"
	dCharacters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
	// ECMA-119 7.4.2.2 defines d1-characters as
	// "subject to agreement between the originator and the recipient of the volume".
	d1Characters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_!\"%&'()*+,-./:;<=>?"
)

const (
	dirFlagHidden = 1 << iota
	dirFlagDir
	dirFlagAssociated
	dirFlagRecord
	dirFlagProtection
	_
	_
	dirFlagMultiExtent
)

var standardIdentifierBytes = [5]byte{'C', 'D', '0', '0', '1'}

var ErrUDFNotSupported = errors.New("UDF volumes are not supported")

// volumeDescriptorHeader represents the data in bytes 0-6
// of a Volume Descriptor as defined in ECMA-119 8.1
type volumeDescriptorHeader struct {
	Type       byte
	Identifier [5]byte
	Version    byte
}

var _ encoding.BinaryUnmarshaler = &volumeDescriptorHeader{}
var _ encoding.BinaryMarshaler = &volumeDescriptorHeader{}

// UnmarshalBinary decodes a volumeDescriptorHeader from binary form
func (vdh *volumeDescriptorHeader) UnmarshalBinary(data []byte) error {
	if len(data) < 7 {
		return io.ErrUnexpectedEOF
	}

	vdh.Type = data[0]
	copy(vdh.Identifier[:], data[1:6])
	vdh.Version = data[6]
	return nil
}

func (vdh volumeDescriptorHeader) MarshalBinary() ([]byte, error) {
	data := make([]byte, 7)
	data[0] = vdh.Type
	data[6] = vdh.Version
	copy(data[1:6], vdh.Identifier[:])
	return data, nil
}

// BootVolumeDescriptorBody represents the data in bytes 7-2047
// of a Boot Record as defined in ECMA-119 8.2
type BootVolumeDescriptorBody struct {
	BootSystemIdentifier string
	BootIdentifier       string
	BootSystemUse        [1977]byte
}

var _ encoding.BinaryUnmarshaler = &BootVolumeDescriptorBody{}

// PrimaryVolumeDescriptorBody represents the data in bytes 7-2047
// of a Primary Volume Descriptor as defined in ECMA-119 8.4
type PrimaryVolumeDescriptorBody struct {
	SystemIdentifier              string
	VolumeIdentifier              string
	VolumeSpaceSize               int32
	VolumeSetSize                 int16
	VolumeSequenceNumber          int16
	LogicalBlockSize              int16
	PathTableSize                 int32
	TypeLPathTableLoc             int32
	OptTypeLPathTableLoc          int32
	TypeMPathTableLoc             int32
	OptTypeMPathTableLoc          int32
	RootDirectoryEntry            *DirectoryEntry
	VolumeSetIdentifier           string
	PublisherIdentifier           string
	DataPreparerIdentifier        string
	ApplicationIdentifier         string
	CopyrightFileIdentifier       string
	AbstractFileIdentifier        string
	BibliographicFileIdentifier   string
	VolumeCreationDateAndTime     VolumeDescriptorTimestamp
	VolumeModificationDateAndTime VolumeDescriptorTimestamp
	VolumeExpirationDateAndTime   VolumeDescriptorTimestamp
	VolumeEffectiveDateAndTime    VolumeDescriptorTimestamp
	FileStructureVersion          byte
	ApplicationUsed               [512]byte
}

var _ encoding.BinaryUnmarshaler = &PrimaryVolumeDescriptorBody{}
var _ encoding.BinaryMarshaler = PrimaryVolumeDescriptorBody{}

// DirectoryEntry contains data from a Directory Descriptor
// as described by ECMA-119 9.1
type DirectoryEntry struct {
	ExtendedAtributeRecordLength byte
	ExtentLocation               int32
	ExtentLength                 uint32
	RecordingDateTime            RecordingTimestamp
	FileFlags                    byte
	FileUnitSize                 byte
	InterleaveGap                byte
	VolumeSequenceNumber         int16
	Identifier                   string
	SystemUse                    []byte
	SystemUseEntries             SystemUseEntrySlice
}

var _ encoding.BinaryUnmarshaler = &DirectoryEntry{}
var _ encoding.BinaryMarshaler = &DirectoryEntry{}

// UnmarshalBinary decodes a DirectoryEntry from binary form
func (de *DirectoryEntry) UnmarshalBinary(data []byte) error {
	// Fork: the record and identifier lengths come from the image; check
	// them against the bytes at hand instead of slicing out of bounds.
	if len(data) == 0 {
		return io.ErrUnexpectedEOF
	}
	length := data[0]
	if length == 0 {
		return io.EOF
	}
	if int(length) > len(data) {
		return fmt.Errorf("directory record of %d bytes, only %d available: %w", length, len(data), io.ErrUnexpectedEOF)
	}
	if length < dirRecordFixedLen {
		return fmt.Errorf("directory record of %d bytes is shorter than its %d fixed bytes", length, dirRecordFixedLen)
	}
	if 33+int(data[32]) > int(length) {
		return fmt.Errorf("directory record of %d bytes cannot hold its %d-byte identifier", length, data[32])
	}

	var err error

	de.ExtendedAtributeRecordLength = data[1]

	if de.ExtentLocation, err = UnmarshalInt32LSBMSB(data[2:10]); err != nil {
		return err
	}

	if de.ExtentLength, err = UnmarshalUint32LSBMSB(data[10:18]); err != nil {
		return err
	}

	if err = de.RecordingDateTime.UnmarshalBinary(data[18:25]); err != nil {
		return err
	}

	de.FileFlags = data[25]
	de.FileUnitSize = data[26]
	de.InterleaveGap = data[27]

	if de.VolumeSequenceNumber, err = UnmarshalInt16LSBMSB(data[28:32]); err != nil {
		return err
	}

	identifierLen := data[32]
	de.Identifier = string(data[33 : 33+identifierLen])

	// add padding if identifier length was even]
	idPaddingLen := (identifierLen + 1) % 2
	// Fork: a record that ends right after an even-length identifier has
	// no padding byte and no System Use field.
	if start := 33 + int(identifierLen) + int(idPaddingLen); start < int(length) {
		de.SystemUse = data[start:length]
	}

	return nil
}

// MarshalBinary encodes a DirectoryEntry to binary form
func (de *DirectoryEntry) MarshalBinary() ([]byte, error) {
	identifierLen := len(de.Identifier)
	idPaddingLen := (identifierLen + 1) % 2
	totalLen := 33 + identifierLen + idPaddingLen + len(de.SystemUse)
	if totalLen > 255 {
		return nil, fmt.Errorf("identifier %q is too long", de.Identifier)
	}

	data := make([]byte, totalLen)

	data[0] = byte(totalLen)
	data[1] = de.ExtendedAtributeRecordLength

	WriteInt32LSBMSB(data[2:10], de.ExtentLocation)
	WriteInt32LSBMSB(data[10:18], int32(de.ExtentLength))
	de.RecordingDateTime.MarshalBinary(data[18:25])
	data[25] = de.FileFlags
	data[26] = de.FileUnitSize
	data[27] = de.InterleaveGap
	WriteInt16LSBMSB(data[28:32], de.VolumeSequenceNumber)
	data[32] = byte(identifierLen)
	copy(data[33:33+identifierLen], []byte(de.Identifier))

	copy(data[33+identifierLen+idPaddingLen:totalLen], de.SystemUse)

	return data, nil
}

// Clone creates a copy of the DirectoryEntry
func (de *DirectoryEntry) Clone() DirectoryEntry {
	newDE := DirectoryEntry{
		ExtendedAtributeRecordLength: de.ExtendedAtributeRecordLength,
		ExtentLocation:               de.ExtentLocation,
		ExtentLength:                 de.ExtentLength,
		RecordingDateTime:            de.RecordingDateTime,
		FileFlags:                    de.FileFlags,
		FileUnitSize:                 de.FileUnitSize,
		InterleaveGap:                de.InterleaveGap,
		VolumeSequenceNumber:         de.VolumeSequenceNumber,
		Identifier:                   de.Identifier,
		SystemUse:                    make([]byte, len(de.SystemUse)),
	}
	copy(newDE.SystemUse, de.SystemUse)
	return newDE
}
