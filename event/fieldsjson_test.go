package event

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"trawl/internal/testutil"
)

// encodeStd is what the store wrote before AppendFieldsJSON: encoding/json's Encoder without
// HTML escaping, minus the newline.
func encodeStd(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

type textMarshaler struct{ s string }

func (t textMarshaler) MarshalText() ([]byte, error) { return []byte("<" + t.s + ">"), nil }

// deep is n maps inside one another.
func deep(n int) map[string]any {
	m := map[string]any{"leaf": "x"}
	for range n {
		m = map[string]any{"d": m}
	}
	return m
}

var fieldsCases = []struct {
	name string
	m    map[string]any
	want string // "" when only the comparison with encoding/json counts
}{
	{"nil map", nil, "null"},
	{"empty", map[string]any{}, "{}"},
	{"sorted keys", map[string]any{"b": 1, "a": 2, "B": 3, "": 4, "aa": 5, "é": 6}, `{"":4,"B":3,"a":2,"aa":5,"b":1,"é":6}`},
	{"HTML kept", map[string]any{"<k>": "<script>&amp;</script>"}, `{"<k>":"<script>&amp;</script>"}`},
	{"escapes", map[string]any{"s": "q\"b\\s/\b\f\n\r\t\x00\x01\x1f\x7f\u2028\u2029 é😀"}, `{"s":"q\"b\\s/\b\f\n\r\t\u0000\u0001\u001f` + "\x7f" + `\u2028\u2029 é😀"}`},
	{"invalid UTF-8", map[string]any{"a\xffb": "\xc3(\xed\xa0\x80\xf4\x90\x80\x80x\xe2\x82"}, `{"a\ufffdb":"\ufffd(\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffdx\ufffd\ufffd"}`},
	{"numbers", map[string]any{"n": json.Number("-1.50e+3"), "z": json.Number(""), "i": -42, "i8": int8(-8), "i16": int16(16), "i32": int32(-32),
		"i64": int64(math.MinInt64), "u": uint(7), "u8": uint8(255), "u16": uint16(65535), "u32": uint32(1 << 31), "u64": uint64(math.MaxUint64)}, ""},
	{"floats", map[string]any{"a": 0.0, "b": -0.0, "c": 1e21, "d": 1e20, "e": 1e-6, "f": 1e-7, "g": 123456789.125, "h": 5e-324,
		"i": math.MaxFloat64, "j": float32(1e21), "k": float32(1e-7), "l": float32(3.14159), "m": float32(1e20), "n": 100.0}, ""},
	{"other scalars", map[string]any{"t": true, "f": false, "nil": nil}, `{"f":false,"nil":null,"t":true}`},
	{"nested", map[string]any{"m": map[string]any{"z": []any{1, "x", nil, []any{}, map[string]any{}}, "a": []string{"p", "<q>"}},
		"ss": map[string]string{"b": "2", "a": "1"}, "nils": []any(nil), "nilss": []string(nil), "nilm": map[string]any(nil), "nilms": map[string]string(nil),
		"es": []string{}, "ea": []any{}}, ""},
	{"fallback types", map[string]any{"time": time.Date(2024, 2, 29, 23, 59, 58, 123456789, time.FixedZone("x", 3600)), "raw": json.RawMessage(`{"b" : 1 , "a":"<>"}`),
		"bytes": []byte("hi"), "ptr": new(int), "tm": textMarshaler{"&"}, "mt": map[textMarshaler]int{{"k"}: 1}, "ints": []int{3, 1}, "struct": struct{ A string }{"<"}}, ""},
	{"deep maps", deep(1500), ""},
	{"deep arrays", map[string]any{"a": func() any {
		var v any = "x"
		for range 1500 {
			v = []any{v}
		}
		return v
	}()}, ""},
}

func TestAppendFieldsJSON(t *testing.T) {
	for _, tc := range fieldsCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AppendFieldsJSON([]byte("prefix:"), tc.m)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(got, []byte("prefix:")) {
				t.Fatalf("dst not kept: %q", got)
			}
			got = got[len("prefix:"):]
			if tc.want != "" && string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			want, err := encodeStd(tc.m)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("differs from encoding/json:\ngot  %.300s\nwant %.300s", got, want)
			}
		})
	}
}

// TestAppendFieldsJSONRuns puts each kind of special byte at every position of the first
// sixteen, so that the eight-byte scan meets it in every lane and in the tail.
func TestAppendFieldsJSONRuns(t *testing.T) {
	for _, special := range []string{`"`, `\`, "\n", "\x00", "\x1f", " ", "~", "\x7f", "\x80", "\xff", "é", "\u2028", "😀"} {
		for pos := range 17 {
			for _, tail := range []string{"", "x", "abcdefghijklmnop"} {
				s := strings.Repeat("a", pos) + special + tail
				m := map[string]any{s: s}
				got, err := AppendFieldsJSON(nil, m)
				want, wantErr := encodeStd(m)
				if err != nil || wantErr != nil || !bytes.Equal(got, want) {
					t.Fatalf("%q: got %s (%v), want %s (%v)", s, got, err, want, wantErr)
				}
			}
		}
	}
}

func TestAppendFieldsJSONErrors(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	for name, m := range map[string]map[string]any{
		"NaN":            {"a": 1, "b": math.NaN()},
		"infinity":       {"a": []any{math.Inf(-1)}},
		"float32 inf":    {"a": float32(math.Inf(1))},
		"invalid number": {"a": json.Number("12x")},
		"channel":        {"a": make(chan int)},
		"cycle":          cyclic,
	} {
		t.Run(name, func(t *testing.T) {
			got, err := AppendFieldsJSON([]byte("dst"), m)
			_, wantErr := encodeStd(m)
			if err == nil || wantErr == nil || err.Error() != wantErr.Error() {
				t.Fatalf("error %v, encoding/json says %v", err, wantErr)
			}
			if string(got) != "dst" {
				t.Fatalf("dst changed on error: %q", got)
			}
		})
	}
}

// FuzzAppendFieldsJSON compares AppendFieldsJSON with encoding/json on fields decoded from any
// JSON text (as the JSON importers make them) and on arbitrary strings and numbers.
func FuzzAppendFieldsJSON(f *testing.F) {
	f.Add([]byte(`{"a":"<b>&\u2028","n":-1.5e3,"x":[{"y":null},true,"\ud800"]}`), "k\xff", "v\x00\u2029", 1.5, int64(-3))
	f.Add([]byte("{\"\xc3\":\"\xe2\x82\"}"), "", "", math.Inf(1), int64(0))
	f.Add([]byte(`{"b":1,"a":2,"":{"":[]}}`), "same", "é😀", 1e-7, int64(math.MaxInt64))
	for _, l := range sampleFieldsLines(f, 2) {
		f.Add(l, "k", "v", 0.0, int64(1))
	}
	f.Fuzz(func(t *testing.T, js []byte, k, s string, fl float64, n int64) {
		fields := map[string]any{}
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.UseNumber()
		if dec.Decode(&fields) != nil {
			fields = map[string]any{}
		}
		fields[k] = map[string]any{s: s, "f": fl, "f32": float32(fl), "n": n, "u": uint64(n), "l": []string{k, s}, "ss": map[string]string{k: s}}
		fields["num"] = json.Number(s)
		got, err := AppendFieldsJSON(nil, fields)
		want, wantErr := encodeStd(fields)
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Fatalf("error %v, encoding/json says %v", err, wantErr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("differs from encoding/json:\ngot  %s\nwant %s", got, want)
		}
	})
}

// sampleFieldsLines returns up to n JSON lines from each of a few sample logs, none when the
// samples are absent.
func sampleFieldsLines(tb testing.TB, n int) [][]byte {
	dir := os.Getenv("TRAWL_SAMPLES")
	if dir == "" {
		dir = filepath.Join(testutil.RepoRoot(tb), "..", "shared", "samples")
	}
	var out [][]byte
	for _, rel := range []string{
		"mordor/windows/credential_access/psh_lsass_memory_dump_comsvcs_2020-10-18T19500924.json",
		"suricata/wrccdc-2018/eve-alerts.jsonl",
		"zeek/wrccdc2018/zeek-json/kerberos.json",
		"zeek/wrccdc2018/zeek-json/smb_files.json",
		"evtx-jsonl/deepblue/mimikatz-privesc-hashdump.evtx.jsonl",
	} {
		f, err := os.Open(filepath.Join(dir, rel))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for k := 0; k < n && sc.Scan(); k++ {
			out = append(out, bytes.Clone(sc.Bytes()))
		}
		f.Close()
	}
	return out
}

// BenchmarkAppendFieldsJSON writes the fields of real sample records with AppendFieldsJSON and
// with encoding/json, in the same run so that the numbers compare.
func BenchmarkAppendFieldsJSON(b *testing.B) {
	var records []map[string]any
	size := 0
	for _, l := range sampleFieldsLines(b, 500) {
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(l))
		dec.UseNumber()
		if dec.Decode(&m) == nil {
			records = append(records, m)
			size += len(l)
		}
	}
	if len(records) == 0 {
		b.Skip("sample logs not found")
	}
	// a syslog-like record with Go values
	records = append(records, map[string]any{"priority": 38, "facility": "auth", "severity": "info", "program": "sshd",
		"pid": int64(4242), "preauth": true, "errs": []string{"a", "b"}, "sd": map[string]any{"x@1": map[string]string{"k": "v<>"}}})
	buf := make([]byte, 0, 64<<10)
	for _, bc := range []struct {
		name string
		fn   func(map[string]any) error
	}{
		{"trawl", func(m map[string]any) (err error) { buf, err = AppendFieldsJSON(buf[:0], m); return err }},
		{"encoding-json", func(m map[string]any) error { _, err := encodeStd(m); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			start := processCPU()
			for b.Loop() {
				for _, m := range records {
					if err := bc.fn(m); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the CPU time of the process so far (garbage collection included): on a
// machine shared with other jobs it varies far less than wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
