package iso9660

import (
	"bytes"
	"container/list"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"time"
)

// processDirectory writes a given directory item to the destination sectors
func processDirectory(w io.Writer, children []*DirectoryEntry, ownEntry *DirectoryEntry, parentEntry *DirectoryEntry) error {
	var currentOffset uint32

	currentDE := ownEntry.Clone()
	currentDE.Identifier = string([]byte{0})
	parentDE := parentEntry.Clone()
	parentDE.Identifier = string([]byte{1})

	currentDEData, err := currentDE.MarshalBinary()
	if err != nil {
		return err
	}
	parentDEData, err := parentDE.MarshalBinary()
	if err != nil {
		return err
	}

	n, err := w.Write(currentDEData)
	if err != nil {
		return err
	}
	currentOffset += uint32(n)
	n, err = w.Write(parentDEData)
	if err != nil {
		return err
	}
	currentOffset += uint32(n)

	for _, childDescriptor := range children {
		data, err := childDescriptor.MarshalBinary()
		if err != nil {
			return err
		}

		remainingSectorSpace := sectorSize - (currentOffset % sectorSize)
		if remainingSectorSpace < uint32(len(data)) {
			// ECMA-119 6.8.1.1 If the body of the next descriptor won't fit into the sector,
			// we fill the rest of space with zeros and skip to the next sector.
			zeros := bytes.Repeat([]byte{0}, int(remainingSectorSpace))
			_, err = w.Write(zeros)
			if err != nil {
				return err
			}

			// skip to the next sector
			currentOffset = 0
		}

		n, err = w.Write(data)
		if err != nil {
			return err
		}
		currentOffset += uint32(n)
	}

	// fill with zeros to the end of the sector
	remainingSectorSpace := sectorSize - (currentOffset % sectorSize)
	if remainingSectorSpace != 0 {
		zeros := bytes.Repeat([]byte{0}, int(remainingSectorSpace))
		_, err = w.Write(zeros)
		if err != nil {
			return err
		}
	}

	return nil
}

func processFile(w io.Writer, dirPath string) error {
	f, err := os.Open(dirPath)
	if err != nil {
		return err
	}
	defer f.Close()

	fileinfo, err := f.Stat()
	if err != nil {
		return err
	}

	if fileinfo.Size() > int64(math.MaxUint32) {
		return ErrFileTooLarge
	}

	buffer := make([]byte, sectorSize)

	for bytesLeft := uint32(fileinfo.Size()); bytesLeft > 0; {
		var toRead uint32
		if bytesLeft < sectorSize {
			toRead = bytesLeft
		} else {
			toRead = sectorSize
		}

		if _, err = io.ReadAtLeast(f, buffer, int(toRead)); err != nil {
			return err
		}

		if _, err = w.Write(buffer); err != nil {
			return err
		}

		bytesLeft -= toRead
	}
	// We already write a whole sector-sized buffer, so there's need to fill with zeroes.

	return nil
}

// traverseStagingDir creates a new queue of items to write by traversing the staging directory
func (wc *writeContext) traverseStagingDir(rootItem itemToWrite) (*list.List, error) {
	itemsToWrite := list.New()
	itemsToWrite.PushBack(rootItem)

	for item := itemsToWrite.Front(); item != nil; item = item.Next() {
		it := item.Value.(itemToWrite)

		if it.isDirectory {
			newItems, err := wc.scanDirectory(&it, it.dirPath, it.ownEntry, it.parentEntery, it.targetSector)
			if err != nil {
				relativePath := it.dirPath[len(wc.stagingDir):]
				return nil, fmt.Errorf("processing %s: %s", relativePath, err)
			}
			itemsToWrite.PushBackList(newItems)
		}

		item.Value = it
	}

	return itemsToWrite, nil
}

func writeAll(w io.Writer, itemsToWrite *list.List) error {
	for item := itemsToWrite.Front(); item != nil; item = item.Next() {
		it := item.Value.(itemToWrite)
		var err error
		if it.isDirectory {
			err = processDirectory(w, it.childrenEntries, it.ownEntry, it.parentEntery)
		} else {
			err = processFile(w, it.dirPath)
		}

		if err != nil {
			return err
		}
	}

	return nil
}

// WriteTo writes the image to the given WriterAt
func (iw *ImageWriter) WriteTo(w io.Writer, volumeIdentifier string) error {
	now := time.Now()

	wc := writeContext{
		stagingDir:        iw.stagingDir,
		timestamp:         RecordingTimestamp{},
		freeSectorPointer: 18, // system area (16) + 2 volume descriptors
	}

	rootDE, err := wc.createDEForRoot()
	if err != nil {
		return fmt.Errorf("creating root directory descriptor: %s", err)
	}

	rootItem := itemToWrite{
		isDirectory:  true,
		dirPath:      wc.stagingDir,
		ownEntry:     rootDE,
		parentEntery: rootDE,
		targetSector: uint32(rootDE.ExtentLocation),
	}

	itemsToWrite, err := wc.traverseStagingDir(rootItem)
	if err != nil {
		return fmt.Errorf("tranversing staging directory: %s", err)
	}

	pvd := volumeDescriptor{
		Header: volumeDescriptorHeader{
			Type:       volumeTypePrimary,
			Identifier: standardIdentifierBytes,
			Version:    1,
		},
		Primary: &PrimaryVolumeDescriptorBody{
			SystemIdentifier:              runtime.GOOS,
			VolumeIdentifier:              volumeIdentifier,
			VolumeSpaceSize:               int32(wc.freeSectorPointer),
			VolumeSetSize:                 1,
			VolumeSequenceNumber:          1,
			LogicalBlockSize:              int16(sectorSize),
			PathTableSize:                 0,
			TypeLPathTableLoc:             0,
			OptTypeLPathTableLoc:          0,
			TypeMPathTableLoc:             0,
			OptTypeMPathTableLoc:          0,
			RootDirectoryEntry:            rootDE,
			VolumeSetIdentifier:           "",
			PublisherIdentifier:           "",
			DataPreparerIdentifier:        "",
			ApplicationIdentifier:         "github.com/kdomanski/iso9660",
			CopyrightFileIdentifier:       "",
			AbstractFileIdentifier:        "",
			BibliographicFileIdentifier:   "",
			VolumeCreationDateAndTime:     VolumeDescriptorTimestampFromTime(now),
			VolumeModificationDateAndTime: VolumeDescriptorTimestampFromTime(now),
			VolumeExpirationDateAndTime:   VolumeDescriptorTimestamp{},
			VolumeEffectiveDateAndTime:    VolumeDescriptorTimestampFromTime(now),
			FileStructureVersion:          1,
			ApplicationUsed:               [512]byte{},
		},
	}

	terminator := volumeDescriptor{
		Header: volumeDescriptorHeader{
			Type:       volumeTypeTerminator,
			Identifier: standardIdentifierBytes,
			Version:    1,
		},
	}

	// write 16 sectors of zeroes
	zeroSector := bytes.Repeat([]byte{0}, int(sectorSize))
	for i := uint32(0); i < 16; i++ {
		if _, err = w.Write(zeroSector); err != nil {
			return err
		}
	}

	buffer, err := pvd.MarshalBinary()
	if err != nil {
		return err
	}
	if _, err = w.Write(buffer); err != nil {
		return err
	}

	if buffer, err = terminator.MarshalBinary(); err != nil {
		return err
	}
	if _, err = w.Write(buffer); err != nil {
		return err
	}

	if err = writeAll(w, itemsToWrite); err != nil {
		return fmt.Errorf("writing files: %s", err)
	}

	return nil
}
