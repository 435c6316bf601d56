package iso9660

import (
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// UnmarshalBinary decodes a PrimaryVolumeDescriptorBody from binary form as defined in ECMA-119 8.4
func (pvd *PrimaryVolumeDescriptorBody) UnmarshalBinary(data []byte) error {
	if len(data) < 2048 {
		return io.ErrUnexpectedEOF
	}

	var err error

	pvd.SystemIdentifier = strings.TrimRight(string(data[8:40]), " ")
	pvd.VolumeIdentifier = strings.TrimRight(string(data[40:72]), " ")

	if pvd.VolumeSpaceSize, err = UnmarshalInt32LSBMSB(data[80:88]); err != nil {
		return err
	}

	if pvd.VolumeSetSize, err = UnmarshalInt16LSBMSB(data[120:124]); err != nil {
		return err
	}

	if pvd.VolumeSequenceNumber, err = UnmarshalInt16LSBMSB(data[124:128]); err != nil {
		return err
	}

	if pvd.LogicalBlockSize, err = UnmarshalInt16LSBMSB(data[128:132]); err != nil {
		return err
	}

	if pvd.PathTableSize, err = UnmarshalInt32LSBMSB(data[132:140]); err != nil {
		return err
	}

	pvd.TypeLPathTableLoc = int32(binary.LittleEndian.Uint32(data[140:144]))
	pvd.OptTypeLPathTableLoc = int32(binary.LittleEndian.Uint32(data[144:148]))
	pvd.TypeMPathTableLoc = int32(binary.BigEndian.Uint32(data[148:152]))
	pvd.OptTypeMPathTableLoc = int32(binary.BigEndian.Uint32(data[152:156]))

	if pvd.RootDirectoryEntry == nil {
		pvd.RootDirectoryEntry = &DirectoryEntry{}
	}
	if err = pvd.RootDirectoryEntry.UnmarshalBinary(data[156:190]); err != nil {
		return fmt.Errorf("root directory record: %w", err)
	}

	pvd.VolumeSetIdentifier = strings.TrimRight(string(data[190:318]), " ")
	pvd.PublisherIdentifier = strings.TrimRight(string(data[318:446]), " ")
	pvd.DataPreparerIdentifier = strings.TrimRight(string(data[446:574]), " ")
	pvd.ApplicationIdentifier = strings.TrimRight(string(data[574:702]), " ")
	pvd.CopyrightFileIdentifier = strings.TrimRight(string(data[702:740]), " ")
	pvd.AbstractFileIdentifier = strings.TrimRight(string(data[740:776]), " ")
	pvd.BibliographicFileIdentifier = strings.TrimRight(string(data[776:813]), " ")

	if pvd.VolumeCreationDateAndTime.UnmarshalBinary(data[813:830]) != nil {
		return err
	}

	if pvd.VolumeModificationDateAndTime.UnmarshalBinary(data[830:847]) != nil {
		return err
	}

	if pvd.VolumeExpirationDateAndTime.UnmarshalBinary(data[847:864]) != nil {
		return err
	}

	if pvd.VolumeEffectiveDateAndTime.UnmarshalBinary(data[864:881]) != nil {
		return err
	}

	pvd.FileStructureVersion = data[881]
	copy(pvd.ApplicationUsed[:], data[883:1395])

	return nil
}

// MarshalBinary encodes the PrimaryVolumeDescriptorBody to its binary form
func (pvd PrimaryVolumeDescriptorBody) MarshalBinary() ([]byte, error) {
	output := make([]byte, sectorSize)

	d := MarshalString(pvd.SystemIdentifier, 32)
	copy(output[8:40], d)

	d = MarshalString(pvd.VolumeIdentifier, 32)
	copy(output[40:72], d)

	WriteInt32LSBMSB(output[80:88], pvd.VolumeSpaceSize)
	WriteInt16LSBMSB(output[120:124], pvd.VolumeSetSize)
	WriteInt16LSBMSB(output[124:128], pvd.VolumeSequenceNumber)
	WriteInt16LSBMSB(output[128:132], pvd.LogicalBlockSize)
	WriteInt32LSBMSB(output[132:140], pvd.PathTableSize)

	binary.LittleEndian.PutUint32(output[140:144], uint32(pvd.TypeLPathTableLoc))
	binary.LittleEndian.PutUint32(output[144:148], uint32(pvd.OptTypeLPathTableLoc))
	binary.BigEndian.PutUint32(output[148:152], uint32(pvd.TypeMPathTableLoc))
	binary.BigEndian.PutUint32(output[152:156], uint32(pvd.OptTypeMPathTableLoc))

	binaryRDE, err := pvd.RootDirectoryEntry.MarshalBinary()
	if err != nil {
		return nil, err
	}
	copy(output[156:190], binaryRDE)

	copy(output[190:318], MarshalString(pvd.VolumeSetIdentifier, 128))
	copy(output[318:446], MarshalString(pvd.PublisherIdentifier, 128))
	copy(output[446:574], MarshalString(pvd.DataPreparerIdentifier, 128))
	copy(output[574:702], MarshalString(pvd.ApplicationIdentifier, 128))
	copy(output[702:740], MarshalString(pvd.CopyrightFileIdentifier, 38))
	copy(output[740:776], MarshalString(pvd.AbstractFileIdentifier, 36))
	copy(output[776:813], MarshalString(pvd.BibliographicFileIdentifier, 37))

	d, err = pvd.VolumeCreationDateAndTime.MarshalBinary()
	if err != nil {
		return nil, err
	}
	copy(output[813:830], d)

	d, err = pvd.VolumeModificationDateAndTime.MarshalBinary()
	if err != nil {
		return nil, err
	}
	copy(output[830:847], d)

	d, err = pvd.VolumeExpirationDateAndTime.MarshalBinary()
	if err != nil {
		return nil, err
	}
	copy(output[847:864], d)

	d, err = pvd.VolumeEffectiveDateAndTime.MarshalBinary()
	if err != nil {
		return nil, err
	}
	copy(output[864:881], d)

	output[881] = pvd.FileStructureVersion
	output[882] = 0
	copy(output[883:1395], pvd.ApplicationUsed[:])
	for i := 1395; i < 2048; i++ {
		output[i] = 0
	}

	return output, nil
}

// UnmarshalBinary decodes a BootVolumeDescriptorBody from binary form
func (bvd *BootVolumeDescriptorBody) UnmarshalBinary(data []byte) error {
	bvd.BootSystemIdentifier = strings.TrimRight(string(data[7:39]), " ")
	bvd.BootIdentifier = strings.TrimRight(string(data[39:71]), " ")
	if n := copy(bvd.BootSystemUse[:], data[71:2048]); n != 1977 {
		return fmt.Errorf("BootVolumeDescriptorBody.UnmarshalBinary: copied %d bytes", n)
	}
	return nil
}

type volumeDescriptor struct {
	Header  volumeDescriptorHeader
	Boot    *BootVolumeDescriptorBody
	Primary *PrimaryVolumeDescriptorBody
}

var _ encoding.BinaryUnmarshaler = &volumeDescriptor{}
var _ encoding.BinaryMarshaler = &volumeDescriptor{}

func (vd volumeDescriptor) Type() byte {
	return vd.Header.Type
}

// UnmarshalBinary decodes a volumeDescriptor from binary form
func (vd *volumeDescriptor) UnmarshalBinary(data []byte) error {
	if uint32(len(data)) < sectorSize {
		return io.ErrUnexpectedEOF
	}

	if err := vd.Header.UnmarshalBinary(data); err != nil {
		// this should never fail, since volumeDescriptorHeader.UnmarshalBinary( ) only checks data size too
		return err
	}

	id := string(vd.Header.Identifier[:])
	if id != standardIdentifier {
		if id == udfIdentifier {
			return ErrUDFNotSupported
		}
		return fmt.Errorf("volume descriptor %q != %q", id, standardIdentifier)
	}

	switch vd.Header.Type {
	case volumeTypeBoot:
		vd.Boot = &BootVolumeDescriptorBody{}
		return vd.Boot.UnmarshalBinary(data)
	case volumeTypePartition:
		return errors.New("partition volumes are not yet supported")
	case volumeTypePrimary, volumeTypeSupplementary:
		vd.Primary = &PrimaryVolumeDescriptorBody{}
		return vd.Primary.UnmarshalBinary(data)
	case volumeTypeTerminator:
		return nil
	}

	return fmt.Errorf("unknown volume type 0x%X", vd.Header.Type)
}

// UnmarshalBinary decodes a volumeDescriptor from binary form
func (vd volumeDescriptor) MarshalBinary() ([]byte, error) {
	var output []byte
	var err error

	switch vd.Header.Type {
	case volumeTypeBoot:
		return nil, errors.New("boot volumes are not yet supported")
	case volumeTypePartition:
		return nil, errors.New("partition volumes are not yet supported")
	case volumeTypePrimary, volumeTypeSupplementary:
		if output, err = vd.Primary.MarshalBinary(); err != nil {
			return nil, err
		}
	case volumeTypeTerminator:
		output = make([]byte, sectorSize)
	}

	data, err := vd.Header.MarshalBinary()
	if err != nil {
		return nil, err
	}

	copy(output[0:7], data)

	return output, nil
}
