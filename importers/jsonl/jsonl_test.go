package jsonl

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trawl/event"
	"trawl/importers"
	"trawl/importers/importertest"
	"trawl/internal/testutil"
)

var goldenTests = []struct {
	name string
	file string
	opts map[string]string
}{
	{"mixed", "mixed.jsonl", nil},
	{"hostile", "hostile.jsonl", nil},
	{"mapped", "mapped.jsonl", map[string]string{"map.time": "Timestamp", "map.src_ip": "Source.Addr", "map.user": "Who"}},
}

func format(t testing.TB, opts map[string]string) importers.Format {
	t.Helper()
	return importertest.Configure(t, Format{}, opts)
}

// TestGolden reads the testdata files. The events carry their fields as FieldsJSON (the line)
// and no Fields map; the golden files show the fields decoded from FieldsJSON, as the store
// keeps them.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", tc.file)
			res := importertest.ReadFile(t, format(t, tc.opts), path)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			importertest.DecodeFieldsJSON(t, &res, rawLine)
			testutil.Golden(t, path+".golden.jsonl", importertest.JSONL(res))
		})
	}
}

func TestRegistered(t *testing.T) {
	if f, ok := importers.Lookup("jsonl"); !ok || f.Name() != "jsonl" {
		t.Fatal("jsonl is not registered")
	}
	if _, ok := importers.Format(Format{}).(importers.Configurable); !ok {
		t.Fatal("jsonl does not take options")
	}
}

func TestWithOptionsErrors(t *testing.T) {
	t.Parallel()
	for _, opts := range []map[string]string{
		{"map.nosuchcolumn": "x"},
		{"delimiter": ","},
		{"map.time": ""},
	} {
		if _, err := (Format{}).WithOptions(opts); err == nil {
			t.Errorf("WithOptions(%v) = nil error", opts)
		}
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		head string
		want int
	}{
		{"objects", "{\"a\":1}\n{\"b\":2}\n", SniffScore},
		{"one object without newline", `{"a":1}`, SniffScore},
		{"array", "[1,2]\n", 0},
		{"text", "hello world\n", 0},
		{"pretty printed", "{\n  \"a\": 1\n}\n", 0},
		{"empty", "", 0},
		{"binary", "\x00\x01\x02", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := (Format{}).Sniff([]byte(tc.head)); got != tc.want {
				t.Errorf("Sniff = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestHostile feeds inputs built in memory (too big or too odd for testdata) and checks that
// every line ends as an event or a reject, quickly and without a crash.
func TestHostile(t *testing.T) {
	t.Parallel()
	tenMB := `{"message":"` + strings.Repeat("A", 10<<20) + `","src_ip":"10.0.0.1"}`
	tests := []importertest.HostileCase{
		{Name: "10 MB line imports", In: tenMB + "\n{\"a\":1}\n", Events: 2, Rejects: 0},
		{Name: "overlong line is a reject", In: `{"m":"` + strings.Repeat("B", importers.MaxLine) + "\"}\n{\"a\":1}\n", Events: 1, Rejects: 1},
		{Name: "deep nesting bomb", In: strings.Repeat(`{"a":`, 200000) + "1" + strings.Repeat("}", 200000) + "\n", Events: 0, Rejects: 1},
		{Name: "deep array bomb", In: `{"a":` + strings.Repeat("[", 500000) + "\n", Events: 0, Rejects: 1},
		{Name: "wide object", In: "{" + wide(100000) + "}\n", Events: 1, Rejects: 0},
		{Name: "nesting deeper than the mapper looks", In: strings.Repeat(`{"a":`, 100) + `{"src_ip":"1.2.3.4"}` + strings.Repeat("}", 100) + "\n", Events: 1, Rejects: 0},
		{Name: "binary", In: "\x00\xff\xfe\x01\n\x7fELF\x02\x01\x01\n", Events: 0, Rejects: 2},
		{Name: "NUL inside a line", In: "{\"a\":1}\x00\n", Events: 0, Rejects: 1},
		{Name: "CRLF", In: "{\"a\":1}\r\n{\"b\":2}\r\n", Events: 2, Rejects: 0},
	}
	importertest.Hostile(t, Format{}, tests)
}

func wide(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":%d`, i, i)
	}
	return b.String()
}

// TestRejectNamesField checks that an explicitly mapped value that does not fit names the
// line and the field.
func TestRejectNamesField(t *testing.T) {
	t.Parallel()
	f := format(t, map[string]string{"map.src_port": "p"})
	res := importertest.ReadBytes(t, f, "x", []byte("{\"p\":1}\n{\"p\":\"http\"}\n"))
	if len(res.Events) != 1 || len(res.Rejects) != 1 {
		t.Fatalf("events %d rejects %d", len(res.Events), len(res.Rejects))
	}
	if got, want := res.Rejects[0].Error(), `line 2: field p: not an integer: "http"`; got != want {
		t.Errorf("reject = %q, want %q", got, want)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := importers.Input{Name: "x", R: strings.NewReader(strings.Repeat("{\"a\":1}\n", 5000))}
	err := Format{}.Read(ctx, in, importers.Discard)
	if err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// FuzzRead checks that any input ends as events and rejects, one per non-blank line.
func FuzzRead(f *testing.F) {
	for _, tc := range goldenTests {
		data, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		for _, line := range bytes.Split(data, []byte("\n")) {
			f.Add(line)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fm, _ := Format{}.WithOptions(map[string]string{"map.time": "t", "map.src_ip": "a.b"})
		res := importertest.ReadBytes(t, fm, "fuzz", data)
		if res.Err != nil {
			return // a compressed-looking input may be unreadable
		}
		if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) || bytes.HasPrefix(data, []byte{0x28, 0xb5, 0x2f, 0xfd}) || bytes.HasPrefix(data, []byte("BZh")) {
			return
		}
		// A byte order mark is read as an encoding, not as text (UTF-16 input has other lines
		// than its bytes): the lines of data are not the records then.
		if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) || bytes.HasPrefix(data, []byte{0xef, 0xbb, 0xbf}) {
			return
		}
		want := 0
		for _, line := range bytes.Split(data, []byte("\n")) {
			if len(bytes.TrimSpace(line)) > 0 {
				want++
			}
		}
		if got := len(res.Events) + len(res.Rejects); got != want {
			t.Fatalf("%d events + %d rejects, want %d records", len(res.Events), len(res.Rejects), want)
		}
	})
}

func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; buf.Len() < 4<<20; i++ {
		fmt.Fprintf(&buf, `{"@timestamp":"2024-03-05T10:15:%02d.123Z","event":{"category":"network","action":"connection"},"source":{"ip":"10.0.%d.%d","port":%d},"destination":{"ip":"192.0.2.%d","port":443},"user":{"name":"user%d"},"message":"connection %d allowed by policy"}`+"\n", i%60, i%256, i%200, 1024+i%60000, i%250, i%50, i)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		err := Format{}.Read(context.Background(), importers.Input{Name: "bench", R: bytes.NewReader(data)}, importers.Discard)
		if err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseLineMatchesRead: the store's parallel path (ParseLine per line) gives what Read gives.
func TestParseLineMatchesRead(t *testing.T) {
	in := "{\"ts\":\"2024-01-02T03:04:05Z\",\"src_ip\":\"10.0.0.1\",\"user\":\"CORP\\\\alice\"}\n\nnot json\n{\"@timestamp\":\"2024-01-02T03:04:06Z\",\"source\":{\"ip\":\"bad\"}}\n"
	for _, f := range []importers.Format{Format{}, format(t, map[string]string{"map.src_ip": "source.ip"})} {
		want := importertest.JSONL(importertest.ReadBytes(t, f, "in", []byte(in)))
		var res importertest.Result
		lp := f.(importers.LineParser)
		importers.ReadLines(context.Background(), strings.NewReader(in), nil, func(l importers.Line) error {
			r := importertest.ReadBytes(t, lineOnce{lp, l}, "line", nil)
			res.Events = append(res.Events, r.Events...)
			res.Records = append(res.Records, r.Records...)
			res.Rejects = append(res.Rejects, r.Rejects...)
			return nil
		})
		if got := importertest.JSONL(res); string(got) != string(want) {
			t.Errorf("ParseLine differs from Read:\n%s\nvs\n%s", got, want)
		}
	}
}

// lineOnce is a format that parses one given line with a LineParser, to drive ParseLine
// through importertest's sink.
type lineOnce struct {
	importers.LineParser
	l importers.Line
}

func (o lineOnce) Read(_ context.Context, _ importers.Input, sink importers.Sink) error {
	return o.ParseLine(o.l, sink)
}

// discardSink keeps nothing but the number of rejects: for benchmarks.
type discardSink struct{ rejects int }

func (s *discardSink) Event(importers.Record, *event.Event) error { return nil }
func (s *discardSink) Reject(importers.Reject) error              { s.rejects++; return nil }

// BenchmarkParseLine parses ECS-style lines like those of trawl bench import.
func BenchmarkParseLine(b *testing.B) {
	line := []byte(`{"@timestamp":"2024-03-01T00:00:00.000Z","host":{"name":"WS235.corp.local"},"user":{"name":"alice","domain":"CORP"},"source":{"ip":"10.1.154.80","port":3496},"destination":{"ip":"172.16.0.121","port":443},"event":{"code":"4688","action":"process-start","outcome":"success"},"process":{"executable":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","pid":13581,"command_line":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe --task 132"},"message":"A new process has been created."}`)
	f := Format{}
	sink := &discardSink{}
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := f.ParseLine(importers.Line{Num: int64(i + 1), Text: line}, sink); err != nil {
			b.Fatal(err)
		}
	}
	if sink.rejects > 0 {
		b.Fatalf("%d rejects", sink.rejects)
	}
}

// TestDottedPathTwiceIsDeterministic: when a line reaches one dotted path twice ("a.b" beside
// "a": {"b"}), the column takes the value importers.Get finds for that path (the literal key
// first, then the shorter first segment), every time, not whichever Go's map order gave.
func TestDottedPathTwiceIsDeterministic(t *testing.T) {
	for _, line := range []string{
		`{"a.b.c":"literal","a":{"b":{"c":"nested"}}}`,
		`{"a":{"b":{"c":"nested"}},"a.b.c":"literal"}`,
		`{"a.b":{"c":"second"},"a":{"b.c":"first"}}`,
		`{"a":{"b":{"c":"short"}},"a.b":{"c":"long"}}`,
		`{"a":{"b.c":"inner literal","b":{"c":"inner nested"}},"a.b":{"c":"long"}}`,
	} {
		obj, err := importers.DecodeObjectString(line)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := importers.Get(obj, "a.b.c")
		want := importers.Text(v)
		f := format(t, map[string]string{"map.user": "a.b.c"}).(Format)
		for i := range 40 {
			var got importertest.Result
			if err := f.ParseLine(importers.Line{Num: 1, Text: []byte(line)}, importertest.Collect(&got)); err != nil {
				t.Fatal(err)
			}
			if len(got.Events) != 1 || got.Events[0].User != want {
				t.Fatalf("%s, try %d: %+v, want user %q", line, i, got.Events, want)
			}
		}
	}
}
