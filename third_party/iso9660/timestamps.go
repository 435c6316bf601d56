package iso9660

import (
	"encoding"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// VolumeDescriptorTimestamp represents a time and date format
// that can be encoded according to ECMA-119 8.4.26.1
type VolumeDescriptorTimestamp struct {
	Year      int
	Month     int
	Day       int
	Hour      int
	Minute    int
	Second    int
	Hundredth int
	Offset    int
}

var _ encoding.BinaryMarshaler = &VolumeDescriptorTimestamp{}
var _ encoding.BinaryUnmarshaler = &VolumeDescriptorTimestamp{}

// MarshalBinary encodes the timestamp into a binary form
func (ts *VolumeDescriptorTimestamp) MarshalBinary() ([]byte, error) {
	formatted := fmt.Sprintf("%04d%02d%02d%02d%02d%02d%02d", ts.Year, ts.Month, ts.Day, ts.Hour, ts.Minute, ts.Second, ts.Hundredth)
	formattedBytes := append([]byte(formatted), byte(ts.Offset))
	if len(formattedBytes) != 17 {
		return nil, fmt.Errorf("VolumeDescriptorTimestamp.MarshalBinary: the formatted timestamp is %d bytes long", len(formatted))
	}
	return formattedBytes, nil
}

// UnmarshalBinary decodes a VolumeDescriptorTimestamp from binary form
func (ts *VolumeDescriptorTimestamp) UnmarshalBinary(data []byte) error {
	if len(data) < 17 {
		return io.ErrUnexpectedEOF
	}

	year, err := strconv.Atoi(strings.TrimSpace(string(data[0:4])))
	if err != nil {
		return err
	}

	month, err := strconv.Atoi(strings.TrimSpace(string(data[4:6])))
	if err != nil {
		return err
	}

	day, err := strconv.Atoi(strings.TrimSpace(string(data[6:8])))
	if err != nil {
		return err
	}

	hour, err := strconv.Atoi(strings.TrimSpace(string(data[8:10])))
	if err != nil {
		return err
	}

	min, err := strconv.Atoi(strings.TrimSpace(string(data[10:12])))
	if err != nil {
		return err
	}

	sec, err := strconv.Atoi(strings.TrimSpace(string(data[12:14])))
	if err != nil {
		return err
	}

	hundredth, err := strconv.Atoi(strings.TrimSpace(string(data[14:16])))
	if err != nil {
		return err
	}

	*ts = VolumeDescriptorTimestamp{
		Year:      year,
		Month:     month,
		Day:       day,
		Hour:      hour,
		Minute:    min,
		Second:    sec,
		Hundredth: hundredth,
		Offset:    int(data[16]),
	}

	return nil
}

// RecordingTimestamp represents a time and date format
// that can be encoded according to ECMA-119 9.1.5
type RecordingTimestamp time.Time

var _ encoding.BinaryUnmarshaler = &RecordingTimestamp{}

// UnmarshalBinary decodes a RecordingTimestamp from binary form
func (ts *RecordingTimestamp) UnmarshalBinary(data []byte) error {
	if len(data) < 7 {
		return io.ErrUnexpectedEOF
	}

	year := 1900 + int(data[0])
	month := int(data[1])
	day := int(data[2])
	hour := int(data[3])
	min := int(data[4])
	sec := int(data[5])
	tzOffset := int(data[6])
	secondsInAQuarter := 60 * 15

	tz := time.FixedZone("", tzOffset*secondsInAQuarter)
	*ts = RecordingTimestamp(time.Date(year, time.Month(month), day, hour, min, sec, 0, tz))
	return nil
}

// MarshalBinary encodes the RecordingTimestamp in its binary form to a buffer
// of the length of 7 or more bytes
func (ts RecordingTimestamp) MarshalBinary(dst []byte) {
	_ = dst[6] // early bounds check to guarantee safety of writes below
	t := time.Time(ts)
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	_, secOffset := t.Zone()
	secondsInAQuarter := 60 * 15
	offsetInQuarters := secOffset / secondsInAQuarter
	dst[0] = byte(year - 1900)
	dst[1] = byte(month)
	dst[2] = byte(day)
	dst[3] = byte(hour)
	dst[4] = byte(min)
	dst[5] = byte(sec)
	dst[6] = byte(offsetInQuarters)
}

// VolumeDescriptorTimestampFromTime converts time.Time to VolumeDescriptorTimestamp
func VolumeDescriptorTimestampFromTime(t time.Time) VolumeDescriptorTimestamp {
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, second := t.Clock()
	hundredth := t.Nanosecond() / 10000000
	return VolumeDescriptorTimestamp{
		Year:      year,
		Month:     int(month),
		Day:       day,
		Hour:      hour,
		Minute:    minute,
		Second:    second,
		Hundredth: hundredth,
		Offset:    0, // we converted to UTC
	}
}
