package importers

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// scanDepths are the depths the scanner is checked at: the top object only, one level, the
// jsonl importer's 32, and everything.
var scanDepths = []int{0, 1, 32, maxJSONDepth}

// decodeValue decodes one JSON value as DecodeObject decodes the values of an object.
func decodeValue(t testing.TB, text string) any {
	t.Helper()
	m, err := DecodeObjectString(`{"v":` + text + `}`)
	if err != nil {
		t.Fatalf("value %q does not decode: %v", text, err)
	}
	return m["v"]
}

// rebuild makes from ScanObject's members the map DecodeObject gives: listed objects from
// their members, the rest decoded from the text the member holds. It fails the test when a
// member is listed too deep, under something that is not a listed object, or when its Value
// or Text does not agree with its decoded value.
func rebuild(t testing.TB, in string, members []JSONMember, maxDepth int) map[string]any {
	t.Helper()
	top := map[string]any{}
	maps := make([]map[string]any, len(members)) // listed objects: the map of their members
	depth := make([]int, len(members))
	for i := range members {
		m := &members[i]
		parent, d := top, 0
		if m.Parent >= 0 {
			if int(m.Parent) >= i {
				t.Fatalf("input %q: member %d (%q) listed before its parent %d", in, i, m.Key, m.Parent)
			}
			parent, d = maps[m.Parent], depth[m.Parent]+1
			if parent == nil {
				t.Fatalf("input %q: member %d (%q) under member %d, which is not a listed object", in, i, m.Key, m.Parent)
			}
		}
		if d > maxDepth {
			t.Fatalf("input %q: member %q at depth %d, deeper than %d", in, m.Key, d, maxDepth)
		}
		depth[i] = d
		var v any
		switch m.Kind {
		case JSONObject:
			if d < maxDepth {
				maps[i] = map[string]any{}
				v = maps[i]
			} else {
				v = decodeValue(t, m.Value)
			}
		case JSONArray:
			v = decodeValue(t, m.Value)
		case JSONString:
			v = string(AppendJSONUnquoted(nil, m.Value))
			if want := decodeValue(t, `"`+m.Value+`"`); v != want {
				t.Fatalf("input %q: string %q unquotes to %q, want %q", in, m.Value, v, want)
			}
		case JSONNumber:
			v = json.Number(m.Value)
		case JSONTrue:
			v = true
		case JSONFalse:
			v = false
		case JSONNull:
			v = nil
		default:
			t.Fatalf("input %q: member %q has no kind", in, m.Key)
		}
		if m.Kind != JSONString {
			if want := decodeValue(t, m.Value); !reflect.DeepEqual(v, want) && maps[i] == nil {
				t.Fatalf("input %q: member %q value %q decodes to %#v, the scan made %#v", in, m.Key, m.Value, want, v)
			}
		}
		if got, want := m.Text(), Text(v); got != want && maps[i] == nil {
			t.Fatalf("input %q: member %q Text %q, want %q", in, m.Key, got, want)
		}
		want := m.Value
		if m.Kind == JSONString {
			want = `"` + m.Value + `"`
		}
		if got, want := m.Decoded(), decodeValue(t, want); !reflect.DeepEqual(got, want) {
			t.Fatalf("input %q: member %q Decoded %#v, want %#v", in, m.Key, got, want)
		}
		parent[m.Key] = v // a repeated key: the last one wins, as in DecodeObject
	}
	// A listed object's text decodes to what its members made, and renders the same.
	for i, mm := range maps {
		if mm == nil {
			continue
		}
		if want := decodeValue(t, members[i].Value); !reflect.DeepEqual(map[string]any(mm), want) {
			t.Fatalf("input %q: object %q value %q decodes to %#v, members make %#v", in, members[i].Key, members[i].Value, want, mm)
		}
		if got, want := members[i].Text(), Text(mm); got != want {
			t.Fatalf("input %q: object %q Text %q, want %q", in, members[i].Key, got, want)
		}
	}
	return top
}

// compareScan fails unless ScanObject and DecodeObjectString agree on in at every depth of
// scanDepths: both accept, and the members rebuild the decoded object, or both refuse with
// the same error text.
func compareScan(t testing.TB, sc *JSONScanner, in string) {
	t.Helper()
	want, wantErr := DecodeObjectString(in)
	for _, depth := range scanDepths {
		members, err := sc.ScanObject(strings.TrimSpace(in), depth)
		if err != nil {
			if err != errNotObject {
				err = &prefixed{err}
			}
			if wantErr == nil || err.Error() != wantErr.Error() {
				t.Fatalf("input %q depth %d: scan error %v, decoder says %v", in, depth, err, wantErr)
			}
			continue
		}
		if wantErr != nil {
			t.Fatalf("input %q depth %d: scan accepts, decoder says %v", in, depth, wantErr)
		}
		if got := rebuild(t, in, members, depth); !reflect.DeepEqual(got, want) {
			t.Fatalf("input %q depth %d:\nscan    %#v\ndecoder %#v", in, depth, got, want)
		}
	}
}

type prefixed struct{ err error }

func (p *prefixed) Error() string { return "invalid JSON: " + p.err.Error() }

// scanCases add to jsonCases what the scanner must get right beyond the decoder's grammar.
var scanCases = []string{
	`{"a":{"b":{"c":1}},"a.b":2,"":{"x":{"":3}},"d":[{"e":4}],"f":{}}`,
	`{"a":1,"a":{"b":2},"a":{"c":3}}`,
	`{"a":{"b":1},"a":2}`,
	`{"k\u0041":1,"k\"q":{"\u00e9\\":"\n"},"\ud800":null}`,
	"{\"\xff\":{\"\xc3\":\"\xe2\x82\"}}",
	`{"a" : [ 1 , { "b" : [ ] } ] , "c" : { } , "d" : "x" }`,
	`{"n":-0.5e+10,"m":0,"big":123456789012345678901234567890}`,
	`{"a":"<&>\u2028","arr":["<&>",{"z":1,"y":[true,false,null]}]}`,
	strings.Repeat(`{"a":`, 40) + `{"x":"deep","y":[1]}` + strings.Repeat("}", 40),
	strings.Repeat(`{"a":1,"o":`, 34) + `{}` + strings.Repeat("}", 34),
}

func TestScanObject(t *testing.T) {
	var sc JSONScanner
	for _, tc := range jsonCases {
		compareScan(t, &sc, tc.in)
	}
	for _, in := range scanCases {
		compareScan(t, &sc, in)
	}
}

// TestScanObjectRuns is TestDecodeObjectRuns for the scanner: special bytes in every lane of
// the eight-byte scans, in keys and values.
func TestScanObjectRuns(t *testing.T) {
	var sc JSONScanner
	for _, special := range []string{`\"`, `\\`, `\n`, `\u00e9`, `\ud83d\ude00`, "\t", "\x1f", "\x00", " ", "~", "\x7f",
		"\x80", "\xff", "é", "\u2028", "😀", `"`} {
		for pos := range 17 {
			for _, tail := range []string{"", "x", "abcdefghijklmnop", `\t` + "abcdefghi\xc3"} {
				str := strings.Repeat("a", pos) + special + tail
				compareScan(t, &sc, `{"`+str+`":"`+str+`"}`)
				compareScan(t, &sc, `{"k":{"`+str+`":["\b`+str+`"]}}`)
			}
		}
	}
}

func TestScanObjectSamples(t *testing.T) {
	lines := sampleJSONLines(t, 200)
	if len(lines) == 0 {
		t.Skip("sample logs not found")
	}
	var sc JSONScanner
	for _, l := range lines {
		compareScan(t, &sc, string(l))
	}
}

// TestScanObjectAllocs: scanning an object whose keys need no decoding allocates nothing.
func TestScanObjectAllocs(t *testing.T) {
	in := `{"@timestamp":"2024-03-01T00:00:00.000Z","host":{"name":"WS235"},"process":{"executable":"C:\\Windows\\x.exe","pid":13581},"tags":["a",{"b":1}],"ok":true,"none":null}`
	var sc JSONScanner
	if _, err := sc.ScanObject(in, 32); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { sc.ScanObject(in, 32) }); n != 0 {
		t.Errorf("%v allocations per scan, want 0", n)
	}
}

// FuzzScanObject checks ScanObject against DecodeObjectString on any input.
func FuzzScanObject(f *testing.F) {
	for _, tc := range jsonCases {
		if len(tc.in) < 1000 {
			f.Add(tc.in)
		}
	}
	for _, s := range scanCases {
		f.Add(s)
	}
	for _, l := range sampleJSONLines(f, 3) {
		f.Add(string(l))
	}
	f.Fuzz(func(t *testing.T, in string) {
		var sc JSONScanner
		compareScan(t, &sc, in)
	})
}

// BenchmarkScanObject compares scanning real sample lines with decoding them into maps.
func BenchmarkScanObject(b *testing.B) {
	lines := sampleJSONLines(b, 500)
	if len(lines) == 0 {
		b.Skip("sample logs not found")
	}
	strs := make([]string, len(lines))
	size := 0
	for i, l := range lines {
		strs[i] = string(l)
		size += len(l)
	}
	b.Run("scan", func(b *testing.B) {
		var sc JSONScanner
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			for _, s := range strs {
				if _, err := sc.ScanObject(s, 32); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			for _, s := range strs {
				if _, err := DecodeObjectString(s); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
