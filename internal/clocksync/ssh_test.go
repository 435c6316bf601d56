package clocksync

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

const adjtimexOutput = `    mode:         0
-o  offset:       0 us
-f  freq.adjust:  0 (65536 = 1ppm)
    maxerror:     16000000
    status:       64 (UNSYNC)
-t  tick:         10000 us
    time.tv_sec:  1796119335
    time.tv_usec: 902905
    return value: 5 (clock not synchronized)
`

func TestParseReading(t *testing.T) {
	for _, tt := range []struct {
		out  string
		want time.Time
		res  time.Duration
		err  string
	}{
		{adjtimexOutput, time.Unix(1796119335, 902905000).UTC(), time.Microsecond, ""},
		{"1796119335\n", time.Unix(1796119335, 0).UTC(), time.Second, ""},
		{"1796119335.%N\n", time.Time{}, 0, "neither adjtimex nor seconds"},
		{"    time.tv_sec:  1796119335\n    time.tv_usec: 1000000\n", time.Time{}, 0, "tv_usec"},
		{"    time.tv_sec:  -4\n", time.Time{}, 0, "tv_sec"},
		{"", time.Time{}, 0, "neither"},
		{"sh: busybox: not found\n", time.Time{}, 0, "neither"},
	} {
		got, res, err := ParseReading([]byte(tt.out))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseReading(%q) err %v, want %q", tt.out, err, tt.err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) || res != tt.res {
			t.Errorf("ParseReading(%q) = %v, %v, %v", tt.out, got, res, err)
		}
	}
}

func TestStepCommand(t *testing.T) {
	if got := StepCommand(time.Unix(1796119336, 0)); got != "sudo date -u -s @1796119336 >/dev/null" {
		t.Errorf("StepCommand = %q", got)
	}
}

func FuzzParseReading(f *testing.F) {
	for _, s := range []string{adjtimexOutput, "1796119335\n", "time.tv_sec: 1\ntime.tv_usec: 0\n", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, out string) {
		got, res, err := ParseReading([]byte(out))
		if err != nil {
			return
		}
		if got.Unix() <= 0 || (res != time.Second && res != time.Microsecond) {
			t.Errorf("ParseReading(%q) = %v, %v", out, got, res)
		}
		if !strings.Contains(out, strconv.FormatInt(got.Unix(), 10)) {
			t.Errorf("ParseReading(%q) = %v: its seconds are not in the input", out, got)
		}
	})
}
