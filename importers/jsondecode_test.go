package importers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"trawl/internal/testutil"
)

// decodeObjectStd is DecodeObject as written with encoding/json: the reference the hand-written
// reader must match. It differs from the first encoding/json version in one way: that one
// accepted a stray '}' or ']' after the object (Decoder.More reports false before them).
func decodeObjectStd(b []byte) (map[string]any, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	if len(bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n")) > 0 {
		return nil, errors.New("invalid JSON: data after the object")
	}
	return m, nil
}

// jsonCases are inputs with a known outcome: the value DecodeObject must give, or a part of
// its error.
var jsonCases = []struct {
	name, in string
	want     map[string]any // nil with wantErr
	wantErr  string
}{
	{"empty object", `{}`, map[string]any{}, ""},
	{"space around", " \t\r\n{ } \n", map[string]any{}, ""},
	{"unicode space trimmed", "\u00a0{}\u2003", map[string]any{}, ""},
	{"all types", `{"s":"x","n":-1.50e+3,"t":true,"f":false,"z":null,"a":[1,"2",[],{}],"o":{"k":{}}}`,
		map[string]any{"s": "x", "n": json.Number("-1.50e+3"), "t": true, "f": false, "z": nil,
			"a": []any{json.Number("1"), "2", []any{}, map[string]any{}}, "o": map[string]any{"k": map[string]any{}}}, ""},
	{"big integer kept as written", `{"id":123456789012345678901234567890,"e":1E400}`,
		map[string]any{"id": json.Number("123456789012345678901234567890"), "e": json.Number("1E400")}, ""},
	{"duplicate keys: last wins", `{"a":1,"b":2,"a":{"c":3}}`, map[string]any{"a": map[string]any{"c": json.Number("3")}, "b": json.Number("2")}, ""},
	{"escapes", `{"e":"\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC"}`, map[string]any{"e": "\"\\/\b\f\n\r\tAé€"}, ""},
	{"surrogate pair", `{"p":"\ud83d\ude00"}`, map[string]any{"p": "😀"}, ""},
	{"lone high surrogate", `{"p":"\ud800x"}`, map[string]any{"p": "\ufffdx"}, ""},
	{"lone low surrogate", `{"p":"\udc00"}`, map[string]any{"p": "\ufffd"}, ""},
	{"high then high then low", `{"p":"\ud800\ud800\udc00"}`, map[string]any{"p": "\ufffd𐀀"}, ""},
	{"high then non-surrogate escape", `{"p":"\ud800\u0041"}`, map[string]any{"p": "\ufffdA"}, ""},
	{"invalid UTF-8 in value", "{\"v\":\"a\xffb\xc3\"}", map[string]any{"v": "a\ufffdb\ufffd"}, ""},
	{"invalid UTF-8 in key", "{\"\xed\xa0\x80\":1}", map[string]any{"\ufffd\ufffd\ufffd": json.Number("1")}, ""},
	{"invalid UTF-8 with escape", "{\"v\":\"\\n\xe2\x82\"}", map[string]any{"v": "\n\ufffd\ufffd"}, ""},
	{"valid UTF-8 kept", `{"v":"naïve ☃ 😀 ` + "\ufffd" + `"}`, map[string]any{"v": "naïve ☃ 😀 \ufffd"}, ""},
	{"DEL is plain", "{\"v\":\"\x7f\"}", map[string]any{"v": "\x7f"}, ""},

	{"empty", ``, nil, "not a JSON object"},
	{"array", `[1]`, nil, "not a JSON object"},
	{"string", `"x"`, nil, "not a JSON object"},
	{"BOM", "\ufeff{}", nil, "not a JSON object"},
	{"unterminated", `{"a":1`, nil, "invalid JSON: unexpected EOF"},
	{"unterminated string", `{"a":"x`, nil, "invalid JSON: unexpected EOF"},
	{"unterminated escape", `{"a":"\u00`, nil, "invalid JSON: unexpected EOF"},
	{"data after", `{} {}`, nil, "invalid JSON: data after the object"},
	{"stray closer after", `{"a":1}}`, nil, "invalid JSON: data after the object"},
	{"stray bracket after", `{}]`, nil, "invalid JSON: data after the object"},
	{"trailing comma", `{"a":1,}`, nil, `invalid character '}' looking for beginning of object key string`},
	{"array trailing comma", `{"a":[1,]}`, nil, `invalid character ']' looking for beginning of value`},
	{"missing colon", `{"a" 1}`, nil, `invalid character '1' after object key`},
	{"bad separator", `{"a":1.5.}`, nil, `invalid character '.' after object key:value pair`},
	{"array separator", `{"a":[1 2]}`, nil, `invalid character '2' after array element`},
	{"unquoted key", `{a:1}`, nil, `invalid character 'a' looking for beginning of object key string`},
	{"leading zero", `{"a":01}`, nil, `invalid character '1' after object key:value pair`},
	{"bare minus", `{"a":-}`, nil, `invalid character '}' in numeric literal`},
	{"bare dot", `{"a":1.}`, nil, `invalid character '}' after decimal point in numeric literal`},
	{"bare exponent", `{"a":1e+}`, nil, `invalid character '}' in exponent of numeric literal`},
	{"plus sign", `{"a":+1}`, nil, `invalid character '+' looking for beginning of value`},
	{"bad literal", `{"a":trve}`, nil, `invalid character 'v' in literal true (expecting 'u')`},
	{"short literal", `{"a":nul}`, nil, `invalid character '}' in literal null (expecting 'l')`},
	{"bad escape", `{"a":"\x"}`, nil, `invalid character 'x' in string escape code`},
	{"bad hex escape", `{"a":"\u12G4"}`, nil, `invalid character 'G' in \u hexadecimal character escape`},
	{"single quote escape", `{"a":"\'"}`, nil, `invalid character '\'' in string escape code`},
	{"control character", "{\"a\":\"x\ty\"}", nil, `invalid character '\t' in string literal`},
	{"NUL", "{\"a\":\"\x00\"}", nil, `invalid character '\x00' in string literal`},
	{"binary outside strings", "{\xff}", nil, `invalid character 'ÿ' looking for beginning of object key string`},
	{"NaN", `{"a":NaN}`, nil, `invalid character 'N' looking for beginning of value`},
	{"comment", `{"a":1 /* x */}`, nil, `invalid character '/' after object key:value pair`},
	{"depth 10000 is allowed", `{"a":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`, map[string]any{"a": nested(9999)}, ""},
	{"depth 10001 is not", `{"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, nil, `invalid character '[' exceeded max depth`},
	{"depth bomb", `{"a":` + strings.Repeat(`[{"b":`, 100000), nil, "exceeded max depth"},
	{"object depth bomb", strings.Repeat(`{"a":`, 20000), nil, `invalid character '{' exceeded max depth`},
}

// nested is n arrays inside one another.
func nested(n int) any {
	v := []any{}
	for range n - 1 {
		v = []any{v}
	}
	return v
}

func TestDecodeObject(t *testing.T) {
	for _, tc := range jsonCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeObject([]byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatalf("unexpected error: %v", err)
			} else if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v\nwant %#v", got, tc.want)
			}
			// encoding/json agrees, error texts included.
			compareWithStd(t, []byte(tc.in))
		})
	}
}

// TestDecodeObjectRuns puts each kind of special byte at every position of the first sixteen
// of a string, with and without an escape before it, so that the eight-byte scans meet it in
// every lane and in the tail.
func TestDecodeObjectRuns(t *testing.T) {
	for _, special := range []string{`\"`, `\\`, `\n`, `\u00e9`, `\ud83d\ude00`, "\t", "\x1f", "\x00", " ", "~", "\x7f",
		"\x80", "\xff", "é", "\u2028", "😀", `"`} {
		for pos := range 17 {
			for _, tail := range []string{"", "x", "abcdefghijklmnop", `\t` + "abcdefghi\xc3"} {
				str := strings.Repeat("a", pos) + special + tail
				compareWithStd(t, []byte(`{"`+str+`":"`+str+`"}`))
				compareWithStd(t, []byte(`{"k":["\b`+str+`"]}`))
			}
		}
	}
}

// compareWithStd fails unless DecodeObject and the encoding/json reference agree on in: both
// accept with deeply equal results, or both reject with the same text.
func compareWithStd(t *testing.T, in []byte) {
	t.Helper()
	want, wantErr := decodeObjectStd(in)
	got, err := DecodeObject(in)
	switch {
	case (err == nil) != (wantErr == nil):
		t.Fatalf("input %q: error %v, encoding/json says %v", in, err, wantErr)
	case err != nil && err.Error() != wantErr.Error():
		t.Fatalf("input %q: error %q, encoding/json says %q", in, err, wantErr)
	case err == nil && !reflect.DeepEqual(got, want):
		t.Fatalf("input %q:\ngot  %#v\nwant %#v", in, got, want)
	}
	// The string variant gives the same, errors included.
	gotS, errS := DecodeObjectString(string(in))
	switch {
	case (errS == nil) != (err == nil) || (err != nil && errS.Error() != err.Error()):
		t.Fatalf("input %q: DecodeObjectString error %v, DecodeObject %v", in, errS, err)
	case err == nil && !reflect.DeepEqual(gotS, got):
		t.Fatalf("input %q: DecodeObjectString\ngot  %#v\nwant %#v", in, gotS, got)
	}
}

// sampleJSONFiles are the real logs the fuzz seeds and benchmarks read lines from (JSON lines,
// except CloudTrail, whose records sit in a Records array).
var sampleJSONFiles = []string{
	"mordor/windows/credential_access/psh_lsass_memory_dump_comsvcs_2020-10-18T19500924.json",
	"mordor/compound/Log4Shell/syslog_auoms_auditd_log4shell_cve2021_44228_jndi_reference_2022-05-11181020.json",
	"suricata/wrccdc-2018/eve-alerts.jsonl",
	"zeek/wrccdc2018/zeek-json/kerberos.json",
	"zeek/wrccdc2018/zeek-json/smb_files.json",
	"evtx-jsonl/deepblue/mimikatz-privesc-hashdump.evtx.jsonl",
	"cloudtrail/invictus-stratus/218007301253_CloudTrail_us-east-1_20230710T1220Z_WMiHxZgr5Hdd6UDc.json",
}

// sampleJSONLines returns up to n records from each sample file that is present (none when the
// samples are absent: it never skips, so the fuzz target keeps its other seeds).
func sampleJSONLines(tb testing.TB, n int) [][]byte {
	dir := os.Getenv("TRAWL_SAMPLES")
	if dir == "" {
		dir = filepath.Join(testutil.RepoRoot(tb), "..", "shared", "samples")
	}
	var out [][]byte
	for _, rel := range sampleJSONFiles {
		f, err := os.Open(filepath.Join(dir, rel))
		if err != nil {
			continue
		}
		if strings.HasPrefix(rel, "cloudtrail/") {
			var doc struct{ Records []json.RawMessage }
			if err := json.NewDecoder(f).Decode(&doc); err == nil {
				for _, r := range doc.Records[:min(n, len(doc.Records))] {
					out = append(out, r)
				}
			}
		} else {
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 1<<20)
			for k := 0; k < n && sc.Scan(); k++ {
				out = append(out, bytes.Clone(sc.Bytes()))
			}
		}
		f.Close()
	}
	return out
}

func TestDecodeObjectSamples(t *testing.T) {
	lines := sampleJSONLines(t, 200)
	if len(lines) == 0 {
		t.Skip("sample logs not found")
	}
	for _, l := range lines {
		compareWithStd(t, l)
	}
}

// FuzzDecodeObject checks DecodeObject against encoding/json on any input.
func FuzzDecodeObject(f *testing.F) {
	for _, tc := range jsonCases {
		if len(tc.in) < 1000 {
			f.Add([]byte(tc.in))
		}
	}
	for _, s := range []string{
		`{"a":"\ud83d\ude00\udbff\udfff\ud800\udc00"}`, `{"a":"\ud83d\u"}`, `{"a":"\ud83d\\ude00"}`,
		`{"a":[[[[[[[[]]]]]]]],"b":[{},{"":""}]}`, `{"":{"":{"":null}}}`, `{"a":1}]]]`, `{"a":0.0e-0}`,
		`{"a":-0}`, `{"a":1E5,"b":1e-5,"c":-12.5E+10}`, "{\"a\":\"\xc0\xaf\xf4\x90\x80\x80\"}",
		"{\"a\":1}\v", "{\"a\":1} \x85", "\x0b{\"a\":true}\x0c", `{"a":"<&>\u2028\u2029"}`,
	} {
		f.Add([]byte(s))
	}
	for _, l := range sampleJSONLines(f, 3) {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		compareWithStd(t, in)
	})
}

// BenchmarkDecodeObject reads real sample lines with the hand-written reader and with
// encoding/json, in the same run so that the numbers compare.
func BenchmarkDecodeObject(b *testing.B) {
	lines := sampleJSONLines(b, 500)
	if len(lines) == 0 {
		b.Skip("sample logs not found")
	}
	size := 0
	for _, l := range lines {
		size += len(l)
	}
	for _, bc := range []struct {
		name string
		fn   func([]byte) (map[string]any, error)
	}{{"trawl", DecodeObject}, {"encoding-json", decodeObjectStd}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			cpu := startCPU(b)
			for b.Loop() {
				for _, l := range lines {
					if _, err := bc.fn(l); err != nil {
						b.Fatal(err)
					}
				}
			}
			cpu.report()
		})
	}
}

// cpuMeter adds the process CPU time per operation (garbage collection included) to a
// benchmark's results: on a machine shared with other jobs it varies far less than wall time.
type cpuMeter struct {
	b     *testing.B
	start time.Duration
}

func startCPU(b *testing.B) cpuMeter { return cpuMeter{b, processCPU()} }

func (m cpuMeter) report() {
	if m.b.N > 0 {
		m.b.ReportMetric(float64(processCPU()-m.start)/float64(m.b.N), "cpu-ns/op")
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
