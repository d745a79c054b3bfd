package jsonl

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trawl/event"
	"trawl/importers"
	"trawl/importers/importertest"
	"trawl/internal/testutil"
)

// The tests of this file hold the scanner path (worker.parseLine) to the map decoder path it
// replaced (oldParseLine): the same events, column for column, and the same rejects, line for
// line, over the package's testdata, hostile lines, every JSON-lines sample the format
// accepts, and fuzzed input. The one intended difference: the new events carry their fields
// only as FieldsJSON (the line), where the old ones also had the decoded map in Fields; the
// map decoded from FieldsJSON must equal the old Fields.

// oldParseLine is how jsonl read a line before the scanner: the map decoder
// (importers.DecodeObjectString of the line's text), then the leaf paths of the decoded map
// (recordMap), on an event that keeps the map as Fields.
func oldParseLine(w *worker, l importers.Line, sink importers.Sink) error {
	if len(bytes.TrimSpace(l.Text)) == 0 {
		return nil
	}
	text := string(l.Text)
	obj, err := importers.DecodeObjectString(text)
	if err == nil {
		ev := &event.Event{SourceType: "jsonl", Raw: text, Fields: obj, FieldsJSON: text}
		if err = w.recordMap(ev, obj); err == nil {
			return sink.Event(importers.Record{Line: l.Num, Offset: l.Offset}, ev)
		}
	}
	return sink.Reject(importers.RejectOf(l, err))
}

// diffConfigs are the mappings every input is read with: guessing only; explicit paths to
// objects, arrays and absent fields; explicit typed columns, whose values can reject the
// line; and a path deeper than the leaves are looked for.
var diffConfigs = []map[string]string{
	nil,
	{"map.message": "Event.EventData", "map.host": "tags", "map.url": "a", "map.user": "user"},
	{"map.src_ip": "a.b", "map.pid": "process.pid", "map.time": "t", "map.dst_port": "source.port"},
	{"map.message": strings.Repeat("a.", 40) + "src_ip", "map.domain": "x", "map.url": ".x", "map.rule_name": "a.b.c"},
}

// diffWorkers is a new-path and an old-path worker for each of diffConfigs. The workers live
// as long as a test or a fuzz input, so their caches carry from line to line as in an import.
func diffWorkers(t testing.TB) (news, olds []*worker) {
	t.Helper()
	for _, opts := range diffConfigs {
		f, err := Format{}.WithOptions(opts)
		if err != nil {
			t.Fatal(err)
		}
		news = append(news, newWorker(f.(Format).explicit))
		olds = append(olds, newWorker(f.(Format).explicit))
	}
	return news, olds
}

// compareLines reads every line of data with both paths and fails at the first line whose
// outcome differs; it returns the number of lines compared.
func compareLines(t testing.TB, name string, data []byte, news, olds []*worker) int {
	t.Helper()
	n := 0
	err := importers.ReadLines(context.Background(), bytes.NewReader(data), importers.Discard, func(l importers.Line) error {
		n++
		for i := range news {
			var got, want importertest.Result
			if err := news[i].parseLine(l, importertest.Collect(&got)); err != nil {
				t.Fatalf("%s line %d: new path returned %v", name, l.Num, err)
			}
			if err := oldParseLine(olds[i], l, importertest.Collect(&want)); err != nil {
				t.Fatalf("%s line %d: old path returned %v", name, l.Num, err)
			}
			diff := importertest.OutcomeDiff(&got, &want, rawLine)
			// The old path picks at random between two leaves of one dotted path ("a.b"
			// beside {"a":{"b":..}}: map order); the new path, which reads such lines with
			// the old code, may pick the other. Either is right when the old path makes it.
			for try := 0; diff != "" && try < 100; try++ {
				want = importertest.Result{}
				oldParseLine(newWorker(olds[i].plans.explicit), l, importertest.Collect(&want))
				diff = importertest.OutcomeDiff(&got, &want, rawLine)
			}
			if diff != "" {
				t.Fatalf("%s line %d, options %v: %s\nline: %q", name, l.Num, diffConfigs[i], diff, importers.Truncate(l.Text, 2000))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}

// rawLine is an event's FieldsJSON as jsonl keeps it: its Raw, the line as it is.
func rawLine(raw string) string { return raw }

// diffCases are lines that tell the paths apart if anything does.
var diffCases = func() []string {
	deep := func(n int, inner string) string {
		return strings.Repeat(`{"a":`, n) + inner + strings.Repeat("}", n)
	}
	cases := []string{
		// duplicate keys and dotted keys meeting nested ones
		`{"a":1,"a":2}`,
		`{"src_ip":"1.1.1.1","src_ip":"2.2.2.2"}`,
		`{"user":{"name":"x"},"user":"y"}`,
		`{"user":"y","user":{"name":"x"}}`,
		`{"user":{"name":"x"},"user":{"domain":"D"}}`,
		`{"a.b":"1.2.3.4","a":{"b":"5.6.7.8"}}`,
		`{"source.ip":"10.0.0.1","source":{"ip":"10.0.0.2"}}`,
		`{"source":{"ip":"10.0.0.2"},"source.ip":"10.0.0.1"}`,
		`{"source.ip":"10.0.0.1","source":{"port":22}}`,
		`{"a.b":{"c":1},"a":{"b":{"d":2}}}`,
		`{"":{"src_ip":"1.2.3.4"}}`,
		`{"":{"":{"src_ip":"1.2.3.4"}},"":1}`,
		`{".x":"a.example","":{"x":"b.example"}}`,
		`{"":{"x":"b.example"}}`,
		`{"a":{"":{"b":"c.example"}},"a..b":"d.example"}`,
		`{"a":{"b.c":"e.example"}}`,
		`{"a":{"b":{"c":"x"},"b.c":"y"}}`,
		`{"src_ip":"1.2.3.4","src\u005fip":"5.6.7.8"}`,
		// escapes, invalid UTF-8, odd strings
		`{"src\u005fip":"1.2.3.4","us\u0065r":"bob","\u0000":"nul key"}`,
		"{\"us\xffer\":\"bob\",\"msg\":\"\xff\xfe\",\"host\":\"h\xc3\"}",
		"{\"\xff\":1,\"\xfe\":2}",
		`{"message":"\ud800\udc00 \u00e9 \\ \" \/ \b\f\n\r\t \ud800 \udfff\ud800"}`,
		`{"message":"<script>&amp;</script>\u2028\u2029","host":" ","user":"\t"}`,
		// numbers, booleans, null, arrays, empty objects
		`{"src_port":"0443","dst_port":443.0,"pid":1e3,"bytes_in":-0,"ppid":12345678901234567890,"bytes_out":1E400}`,
		`{"message":true,"host":null,"user":false,"pid":null}`,
		`{"message":["a",{"z":1,"a":"<&>","a":"dup"}],"tags":[],"user":[null,true,1.50]}`,
		`{"host":{},"user":{"name":{}}}`,
		`{"tags":["<a>&","\u2028","\ud800",{"b":[{"c":{}}]}],"a":[1,[2,[3]]],"Event":{"EventData":{"x":1,"b":[1],"y":{"z":"w"}}}}`,
		`{"a":{"b":[1,2]},"t":"2024-01-02T03:04:05Z","process":{"pid":"12"}}`,
		`{"process":{"pid":"twelve"},"t":"not a time","source":{"port":"http"}}`,
		`{"a":{"b":"not an ip"}}`,
		`{"a":{"b":["1.2.3.4"]}}`,
		`{"a":{"b":{"c":"sig"}}}`,
		`{"a.b.c":"sig2"}`,
		`{"a":{"b.c":"sig3"}}`,
		`{"source":{"port":{"n":1}}}`,
		// white space
		" \t{\"a\":1}\u00a0",
		"\u00a0{\"src_ip\":\"1.2.3.4\"}\u2003",
		"{ \"src_ip\" : \"1.2.3.4\" , \"x\" : [ ] }",
		"{}",
		"\v{\"a\":1}\f",
		"\ufeff{\"a\":1}",
		// rejects
		`not json`, `[1,2]`, `"s"`, `{"a":1`, `{"a":1}}`, `{"a":1} x`, `{"a":01}`, `{"a":"\x"}`,
		`{"a":"\u12G4"}`, "{\"a\":\"x\ty\"}", `{a:1}`, `{"a":1,}`, `{"a":[1,]}`, `{"a":nul}`,
		"{\"a\":1}\x00", "\x00", `{"a":{"b":[{"c":}]}}`,
		// depth: around maxDepth, and the decoder's limit
		deep(31, `{"src_ip":"1.2.3.4","arr":[1]}`),
		deep(32, `{"src_ip":"1.2.3.4","arr":[1]}`),
		deep(33, `{"src_ip":"1.2.3.4","arr":[1]}`),
		deep(34, `{"src_ip":"1.2.3.4","arr":[1]}`),
		deep(40, `{"src_ip":"1.2.3.4"}`),
		deep(41, `{"src_ip":"1.2.3.4"}`),
		deep(32, `{"x":1,"x":{"y":2}}`),
		// keys "-" are nothing to the guess table's names: a guessed name at any depth
		strings.Repeat(`{"-":`, 31) + `{"src_ip":"1.2.3.4"}` + strings.Repeat("}", 31),
		strings.Repeat(`{"-":`, 32) + `{"src_ip":"1.2.3.4"}` + strings.Repeat("}", 32),
		strings.Repeat(`{"-":`, 33) + `{"src_ip":"1.2.3.4"}` + strings.Repeat("}", 33),
		strings.Repeat(`{"-":`, 34) + `{"src_ip":"1.2.3.4"}` + strings.Repeat("}", 34),
		strings.Repeat(`{"":`, 33) + `{"src_ip":"1.2.3.4"}` + strings.Repeat("}", 33),
		deep(33, `{"x":1,"x":{"y":2}}`),
		`{"a":` + strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + `}`,
		`{"a":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
		deep(9999, "{}"),
		deep(10000, "{}"),
		strings.Repeat(`{"a":`, 20000),
		// big
		`{"message":"` + strings.Repeat("A", 1<<20) + `","src_ip":"10.0.0.1"}`,
		"{" + wide(3000) + "}",
		// more members than the plan cache holds paths (recordLarge): mapped leaves, nested
		// objects, null, an explicit path to an object, and a path met twice
		`{"@timestamp":"2024-01-02T03:04:05Z","message":"wide","source":{"ip":"10.0.0.9","port":443},"user":null,"x":{"y":[1,2]},` + wide(maxPaths+10) + `}`,
		`{` + wide(maxPaths+10) + `,"source":{"ip":"10.0.0.9"},"source.ip":"10.0.0.8","a":{"b.c":1},"a.b":{"c":2}}`,
		`{` + wide(maxPaths+10) + `,"k5":"again"}`,
		`{"host":{"name":"h1"},"src_ip":"not an address",` + wide(maxPaths+1) + `}`,
	}
	// The same keys in other orders and places, so that the last record's shape is wrong.
	cases = append(cases,
		`{"src_ip":"1.1.1.1","user":"a","source":{"ip":"2.2.2.2"}}`,
		`{"user":"a","src_ip":"1.1.1.1","source":{"ip":"2.2.2.2"}}`,
		`{"user":"a","source":{"ip":"2.2.2.2"},"src_ip":"1.1.1.1"}`,
		`{"user":{"src_ip":"1.1.1.1"},"source":{"user":"2.2.2.2"}}`,
		`{"user":"a","source":{"ip":"2.2.2.2","user":"b"}}`,
		`{"user":"a","source":{"ip":"2.2.2.2"}}`,
	)
	return cases
}()

func TestDiffCases(t *testing.T) {
	news, olds := diffWorkers(t)
	for _, c := range diffCases {
		compareLines(t, "case", []byte(c+"\n"), news, olds)
	}
	// All at once, so that the caches carry from one to the next.
	compareLines(t, "cases", []byte(strings.Join(diffCases, "\n")), news, olds)
}

func TestDiffTestdata(t *testing.T) {
	news, olds := diffWorkers(t)
	files, _ := filepath.Glob("testdata/*.jsonl")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		compareLines(t, p, data, news, olds)
	}
}

// TestDiffShapes goes through many shapes, so that the plan and path caches fill and start
// afresh, and back.
func TestDiffShapes(t *testing.T) {
	news, olds := diffWorkers(t)
	var b strings.Builder
	for i := range 1500 {
		fmt.Fprintf(&b, `{"k%d":%d,"src_ip":"10.0.%d.%d","n%d":{"m%d":"x","user":"u%d"},"t":"2024-01-02T03:04:05Z"}`+"\n", i, i, i%256, i%200, i%7, i, i)
		if i%100 == 0 {
			fmt.Fprintf(&b, "{%s}\n", wide(2000+i))
		}
	}
	compareLines(t, "shapes", []byte(b.String()), news, olds)
}

// TestDiffSamples compares the paths over every sample file that the format sniffs as JSON
// lines.
func TestDiffSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	dir := testutil.Samples(t)
	news, olds := diffWorkers(t)
	files, lines := 0, 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if (Format{}).Sniff(data[:min(len(data), importers.SniffSize)]) == 0 {
			return nil
		}
		files++
		lines += compareLines(t, p, data, news, olds)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no JSON-lines sample found")
	}
	t.Logf("%d files, %d lines compared, %d mappings each", files, lines, len(diffConfigs))
}

// FuzzParseLineDiff holds the scanner path to the map decoder path on any input.
func FuzzParseLineDiff(f *testing.F) {
	for _, c := range diffCases {
		if len(c) < 4096 {
			f.Add([]byte(c))
		}
	}
	files, _ := filepath.Glob("testdata/*.jsonl")
	for _, p := range files {
		importertest.SeedLines(f, p)
	}
	importertest.SeedSampleLines(f, 3,
		"evtx-jsonl/deepblue/mimikatz-privesc-hashdump.evtx.jsonl",
		"suricata/wrccdc-2018/eve-alerts.jsonl",
		"zeek/wrccdc2018/zeek-json/kerberos.json",
		"mordor/windows/credential_access/psh_lsass_memory_dump_comsvcs_2020-10-18T19500924.json",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		news, olds := diffWorkers(t)
		compareLines(t, "fuzz", data, news, olds)
	})
}

// TestScannerTakesPlainLines: the diff tests cannot tell a scanner path that declines every
// line (the map decoder would then make them all, the same), so lines without a path met twice
// must not need the map decoder, at any width.
func TestScannerTakesPlainLines(t *testing.T) {
	for _, line := range []string{
		`{"a":1}`,
		`{"@timestamp":"2024-01-02T03:04:05Z","src_ip":"1.2.3.4","user":{"name":"bob"},"tags":["x",{"y":1}],"n":null}`,
		"{" + wide(maxPaths+10) + "}",
	} {
		w := newWorker(nil)
		if _, err := w.record(line); err != nil {
			t.Errorf("record(%.60q): %v, want an event from the scanner path", line, err)
		}
	}
}
