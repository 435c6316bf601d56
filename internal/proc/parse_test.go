package proc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// statLine is a /proc/PID/stat line as Linux 6.1 writes it, comm included.
func statLine(pid int, comm string, state byte, start uint64) string {
	return fmt.Sprintf("%d (%s) %c 1 %d %d 0 -1 4194560 1021 0 0 0 3 1 0 0 20 0 1 0 %d 8450048 391 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		pid, comm, state, pid, pid, start)
}

func TestParseStat(t *testing.T) {
	st, err := parseStat(strings.NewReader(statLine(4242, "xhyve) S 1 (x", 'S', 1234567)))
	if err != nil {
		t.Fatal(err)
	}
	if want := (stat{pid: 4242, comm: "xhyve) S 1 (x", state: 'S', startTicks: 1234567}); st != want {
		t.Errorf("got %+v, want %+v", st, want)
	}
	if st.gone() {
		t.Error("a sleeping process reported gone")
	}
	for _, state := range []byte("ZXx") {
		if st, err := parseStat(strings.NewReader(statLine(7, "sh", state, 1))); err != nil || !st.gone() {
			t.Errorf("state %c: %+v %v, want gone", state, st, err)
		}
	}
	for name, in := range map[string]string{
		"empty":          "",
		"no comm":        "4242 S 1 2 3\n",
		"no pid":         "(sh) S" + strings.Repeat(" 0", 20),
		"negative pid":   strings.Replace(statLine(7, "sh", 'S', 1), "7 ", "-7 ", 1),
		"short":          "7 (sh) S 1 2 3\n",
		"long state":     strings.Replace(statLine(7, "sh", 'S', 1), ") S ", ") SS ", 1),
		"two spaces":     strings.Replace(statLine(7, "sh", 'S', 1), ") S ", ")  S ", 1),
		"digit state":    strings.Replace(statLine(7, "sh", 'S', 1), ") S ", ") 0 ", 1),
		"bad start time": strings.Replace(statLine(7, "sh", 'S', 1), " 1 8450048 ", " -1 8450048 ", 1),
		"bad separator":  strings.Replace(statLine(7, "sh", 'S', 1), "(sh) ", "(sh)\t", 1),
		"padded pid":     "0" + statLine(7, "sh", 'S', 1),
	} {
		if st, err := parseStat(strings.NewReader(in)); err == nil {
			t.Errorf("%s: parsed as %+v", name, st)
		}
	}
	if _, err := parseStat(iotest.ErrReader(fmt.Errorf("boom"))); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("read error: %v", err)
	}
}

func TestStartTime(t *testing.T) {
	boot := time.Unix(1700000000, 0)
	uptime := 3 * 365 * 24 * time.Hour // ticks*time.Second overflows by then
	st := stat{startTicks: uint64(uptime / time.Second * userHZ)}
	if got := st.start(boot); !got.Equal(boot.Add(uptime)) {
		t.Errorf("started %v after boot, want %v", got.Sub(boot), uptime)
	}
}

func TestParseBootTime(t *testing.T) {
	in := "cpu  1 2 3\nintr " + strings.Repeat("0 ", 100000) + "\nbtime 1767225600\nprocesses 99\n"
	got, err := parseBootTime(strings.NewReader(in))
	if err != nil || !got.Equal(time.Unix(1767225600, 0)) {
		t.Errorf("got %v, %v (with a %d-byte intr line before it)", got, err, 200005)
	}
	for _, in := range []string{"cpu 1\n", "btime -5\n", "btime x\n", "btimes 5\n", ""} {
		if got, err := parseBootTime(strings.NewReader(in)); err == nil {
			t.Errorf("%q: parsed as %v", in, got)
		}
	}
}

func TestParseCmdline(t *testing.T) {
	for in, want := range map[string][]string{
		"":                              nil,
		"/usr/bin/xhyve\x00-F\x00p\x00": {"/usr/bin/xhyve", "-F", "p"},
		"a\x00\x00":                     {"a", ""},
		"rewritten title":               {"rewritten title"},
	} {
		if got, err := parseCmdline(strings.NewReader(in)); err != nil || !slices.Equal(got, want) || (got == nil) != (want == nil) {
			t.Errorf("%q: got %q, %v; want %q", in, got, err, want)
		}
	}
}

// procargs2 lays out a kern.procargs2 buffer: argc, exe, pad NULs, the
// arguments, then env.
func procargs2(exe string, pad int, args, env []string) []byte {
	b := binary.NativeEndian.AppendUint32(nil, uint32(len(args)))
	b = append(append(b, exe...), make([]byte, 1+pad)...)
	for _, s := range append(slices.Clone(args), env...) {
		b = append(append(b, s...), 0)
	}
	return b
}

func TestParseProcargs2(t *testing.T) {
	args := []string{"/usr/local/bin/hyperkit", "-F", "/m/hypervisor.pid", "", "-U"}
	raw := procargs2("/usr/local/bin/hyperkit", 7, args, []string{"PATH=/bin", "HOME=/var/root"})
	got, err := parseProcargs2(bytes.NewReader(raw))
	if err != nil || !slices.Equal(got, args) {
		t.Errorf("got %q, %v; want %q", got, err, args)
	}
	huge := binary.NativeEndian.AppendUint32(nil, 0x7fffffff)
	for name, in := range map[string][]byte{
		"empty":         nil,
		"argc only":     raw[:4],
		"no exe end":    append(binary.NativeEndian.AppendUint32(nil, 1), "/bin/sh"...),
		"negative argc": append(binary.NativeEndian.AppendUint32(nil, 0xffffffff), "/bin/sh\x00\x00a\x00"...),
		"huge argc":     append(huge, "/bin/sh\x00\x00a\x00"...),
		"truncated":     raw[:len(raw)-len("-U\x00PATH=/bin\x00HOME=/var/root\x00")+1],
	} {
		if got, err := parseProcargs2(bytes.NewReader(in)); err == nil {
			t.Errorf("%s: parsed as %q", name, got)
		}
	}
}

// FuzzParseStat: any stat line parses back to the pid, comm, state and start
// time it was written from, whatever comm holds; raw input that parses
// carries "pid (comm) " itself.
func FuzzParseStat(f *testing.F) {
	f.Add(statLine(1, "init", 'S', 12), 1, "init", byte('S'), uint64(12))
	f.Add(statLine(4242, ") (", 'Z', 0), 4242, "a) b (c", byte('Z'), uint64(1)<<63)
	f.Add("", 7, "", byte('R'), uint64(0))
	f.Fuzz(func(t *testing.T, raw string, pid int, comm string, state byte, start uint64) {
		if st, err := parseStat(strings.NewReader(raw)); err == nil {
			if st.pid <= 0 || !isLetter(st.state) || !strings.HasPrefix(raw, fmt.Sprintf("%d (%s) %c ", st.pid, st.comm, st.state)) {
				t.Fatalf("%q parsed as %+v", raw, st)
			}
		}
		if pid <= 0 || !isLetter(state) || strings.ContainsRune(comm, 0) {
			return // not what Linux writes
		}
		want := stat{pid: pid, comm: comm, state: state, startTicks: start}
		got, err := parseStat(strings.NewReader(statLine(pid, comm, state, start)))
		if err != nil || got != want {
			t.Fatalf("%q parsed as %+v, %v; want %+v", statLine(pid, comm, state, start), got, err, want)
		}
	})
}

// FuzzParseBootTime: the first btime line wins, wherever it is and whatever
// other lines (of any length) surround it.
func FuzzParseBootTime(f *testing.F) {
	f.Add("cpu  10 0 5\nctxt 99\n", int64(1767225600), "processes 5\n")
	f.Add("", int64(0), "")
	f.Add("btime\nbtime=3\n", int64(1)<<62, "btime 7\n")
	f.Fuzz(func(t *testing.T, before string, secs int64, after string) {
		// On raw input it must agree with the simplest reading of the format.
		got, err := parseBootTime(strings.NewReader(before))
		var model *int64
		for _, line := range strings.Split(before, "\n") {
			if v, ok := strings.CutPrefix(line, "btime "); ok {
				if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n >= 0 && n < maxBootTime {
					model = &n
				}
				break
			}
		}
		if (err == nil) != (model != nil) || model != nil && got.Unix() != *model {
			t.Fatalf("%q gave %v, %v", before, got, err)
		}
		if secs < 0 || secs >= maxBootTime || strings.HasPrefix(before, "btime ") || strings.Contains(before, "\nbtime ") {
			return
		}
		if before != "" && !strings.HasSuffix(before, "\n") {
			before += "\n"
		}
		in := fmt.Sprintf("%sbtime %d\n%s", before, secs, after)
		got, err = parseBootTime(strings.NewReader(in))
		if err != nil || got.Unix() != secs {
			t.Fatalf("%q gave %v, %v; want %d", in, got, err, secs)
		}
	})
}

// FuzzParseCmdline: every non-empty argument vector survives the round trip
// through /proc/PID/cmdline's layout.
func FuzzParseCmdline(f *testing.F) {
	f.Add("/usr/bin/xhyve\x00-F\x00p")
	f.Add("")
	f.Add("\x00")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		in := strings.Join(args, "\x00") + "\x00"
		got, err := parseCmdline(strings.NewReader(in))
		if err != nil || !slices.Equal(got, args) {
			t.Fatalf("%q parsed as %q, %v; want %q", in, got, err, args)
		}
		if raw, err := parseCmdline(strings.NewReader(joined)); err != nil || len(joined) > 0 && strings.Join(raw, "\x00") != strings.TrimSuffix(joined, "\x00") {
			t.Fatalf("%q parsed as %q, %v", joined, raw, err)
		}
	})
}

// FuzzParseProcargs2: a vector laid out as macOS does comes back unchanged
// (given a non-empty argv[0], see parseProcargs2); raw input that parses
// yields argc arguments, each found NUL-terminated in it.
func FuzzParseProcargs2(f *testing.F) {
	f.Add(procargs2("/usr/local/bin/hyperkit", 3, []string{"hyperkit", "-F", "p"}, []string{"A=1"}), "/bin/sh", uint8(5), "sh\x00-c\x00\x00x", "HOME=/")
	f.Add([]byte{}, "", uint8(0), "a", "")
	f.Add(append(binary.NativeEndian.AppendUint32(nil, 0x7fffffff), "/bin/sh\x00\x00a\x00"...), "x", uint8(0), "a\x00", "")
	f.Fuzz(func(t *testing.T, raw []byte, exe string, pad uint8, joined, env string) {
		if args, err := parseProcargs2(bytes.NewReader(raw)); err == nil {
			if len(raw) < 4 || int64(len(args)) != int64(int32(binary.NativeEndian.Uint32(raw))) {
				t.Fatalf("%q gave %d arguments", raw, len(args))
			}
			for _, a := range args {
				if strings.ContainsRune(a, 0) || !bytes.Contains(raw[4:], append([]byte(a), 0)) {
					t.Fatalf("%q gave argument %q", raw, a)
				}
			}
		}
		args := strings.Split(joined, "\x00")
		if args[0] == "" || strings.ContainsRune(exe, 0) {
			return
		}
		in := procargs2(exe, int(pad%16), args, strings.Split(env, "\x00"))
		got, err := parseProcargs2(bytes.NewReader(in))
		if err != nil || !slices.Equal(got, args) {
			t.Fatalf("%q parsed as %q, %v; want %q", in, got, err, args)
		}
	})
}
