package csv

import (
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

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
	{"basic", "basic.csv", nil},
	{"tab", "zeekish.tsv", nil},
	{"semicolon with mapping", "mapped.csv", map[string]string{"map.time": "When", "map.user": "who", "map.src_ip": "From"}},
	{"pipe", "pipe.txt", nil},
	{"hostile", "hostile.csv", nil},
}

func format(t testing.TB, opts map[string]string) importers.Format {
	t.Helper()
	return importertest.Configure(t, Format{}, opts)
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			importertest.Golden(t, format(t, tc.opts), tc.file)
		})
	}
}

func TestRegistered(t *testing.T) {
	f, ok := importers.Lookup("csv")
	if !ok {
		t.Fatal("csv is not registered")
	}
	if _, ok := f.(importers.Configurable); !ok {
		t.Fatal("csv does not take options")
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    map[string]string
		wantErr string
	}{
		{"tab", map[string]string{"delimiter": "tab", "map.time": "t"}, ""},
		{"one char", map[string]string{"delimiter": ";"}, ""},
		{"two chars", map[string]string{"delimiter": ";;"}, "option delimiter"},
		{"quote", map[string]string{"delimiter": `"`}, "option delimiter"},
		{"unknown column", map[string]string{"map.nope": "x"}, "no such column"},
		{"unknown option", map[string]string{"sep": ","}, "unknown option"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Format{}.WithOptions(tc.opts)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestMissingMappedHeader: mapping to a header that does not exist stops the import with an
// error naming the option and listing the header.
func TestMissingMappedHeader(t *testing.T) {
	t.Parallel()
	res := importertest.ReadBytes(t, format(t, map[string]string{"map.time": "Timestmp"}), "x.csv", []byte("Timestamp,b\n1,2\n"))
	if res.Err == nil || !strings.Contains(res.Err.Error(), `map.time=Timestmp: no column "Timestmp" in the header (Timestamp, b)`) {
		t.Fatalf("err = %v", res.Err)
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		head string
		want int
	}{
		{"comma", "a,b,c\n1,2,3\n4,5,6\n", SniffScore},
		{"tab", "a\tb\n1\t2\n", SniffScore},
		{"semicolon", "a;b\n1;2\n", SniffScore},
		{"header only", "a,b,c\n", SniffScore},
		{"one column", "a\nb\nc\n", 0},
		{"ragged", "a,b,c\n1\n2,3,4,5,6\n7\n", 0},
		{"json", "{\"a\":1,\"b\":2}\n", 0},
		{"zeek header", "#separator \\x09\n#fields\ta\tb\n", 0},
		{"binary", "a,b\n\x00\x01,\x02\n", 0},
		{"latin-1", "name,city\nJos\xe9,M\xfcnchen\n", SniffScore},
		{"empty", "", 0},
		{"clf", `10.0.0.1 - - [11/Jul/2018:08:41:28 +0300] "GET / HTTP/1.1" 200 11444` + "\n", 0},
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

func TestScanQuotes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line    string
		in, out bool
	}{
		{`a,b,c`, false, false},
		{`a,"b,c`, false, true},
		{`a,"b,c"`, false, false},
		{`a,"b""c`, false, true},
		{`a,"b""",c`, false, false},
		{`bare "quote" in field,x`, false, false},
		{`still inside`, true, true},
		{`closes here",x`, true, false},
		{`a "lazy" quote inside" stays open`, true, true},
		{`""`, true, true},
		{`"`, true, false},
	}
	for _, tc := range tests {
		if got := scanQuotes([]byte(tc.line), ',', tc.in); got != tc.out {
			t.Errorf("scanQuotes(%q, %v) = %v, want %v", tc.line, tc.in, got, tc.out)
		}
	}
}

func TestHostile(t *testing.T) {
	t.Parallel()
	tenMB := strings.Repeat("A", 10<<20)
	tests := []importertest.HostileCase{
		{Name: "10 MB cell imports", In: "a,b\n" + tenMB + ",1\n2,3\n", Events: 2, Rejects: 0},
		{Name: "overlong line is a reject", In: "a,b\n" + strings.Repeat("B", importers.MaxLine+1) + ",1\n2,3\n", Events: 1, Rejects: 1},
		{Name: "unterminated quote cannot swallow more than MaxLine", In: "a,b\n\"open," + strings.Repeat("x", 1<<20) + "\n" + strings.Repeat(strings.Repeat("y", 1<<20)+"\n", 16) + "4,5\n", Events: 1, Rejects: 3}, // the rejected record, then the two y lines after it, then 4,5
		{Name: "binary", In: "a,b\n\x00\xff,\x01\n\x7fELF\n", Events: 1, Rejects: 1},
		{Name: "only a header", In: "a,b,c\n", Events: 0, Rejects: 0},
		{Name: "empty", In: "", Events: 0, Rejects: 0},
		{Name: "CRLF", In: "a,b\r\n1,2\r\n3,4\r\n", Events: 2, Rejects: 0},
		// Naming repeated columns used to try every suffix from _2 up for each repeat: quadratic,
		// hours for this header (found by the importers/all hostile matrix).
		// A header of 8M columns took 2 GB to name and plan (found by the importers/all hostile
		// matrix): over maxColumns it is refused, and the rows after it are rejects.
		{Name: "header over the column limit", In: strings.Repeat("a,", maxColumns) + "a\n1,2\n3,4\n", Events: 0, Rejects: 3},
		{Name: "header at the column limit", In: strings.Repeat("a,", maxColumns-1) + "a\n" + strings.Repeat("1,", maxColumns-1) + "1\n", Events: 1, Rejects: 0},
		{Name: "60k equal header names", In: strings.Repeat("x,", 59_999) + "x\n" + strings.Repeat("1,", 59_999) + "1\n", Events: 1, Rejects: 0},
	}
	importertest.Hostile(t, Format{}, tests)
}

// TestRepeatedHeaderNames: a repeated column name gets the first free suffix, so no cell is lost.
func TestRepeatedHeaderNames(t *testing.T) {
	res := importertest.ReadBytes(t, Format{}, "dups", []byte("a,a,a_2,a,,a\n1,2,3,4,5,6\n"))
	if res.Err != nil || len(res.Events) != 1 {
		t.Fatalf("events %d, err %v, rejects %v", len(res.Events), res.Err, res.Rejects)
	}
	want := map[string]any{"a": "1", "a_2": "2", "a_2_2": "3", "a_3": "4", "column_5": "5", "a_4": "6"}
	for k, v := range want {
		if got := res.Events[0].Fields[k]; got != v {
			t.Errorf("field %s = %v, want %v (fields %v)", k, got, v, res.Events[0].Fields)
		}
	}
	if len(res.Events[0].Fields) != len(want) {
		t.Errorf("fields %v, want %v", res.Events[0].Fields, want)
	}
}

// TestSamples reads the real CSV samples: every row must import (none is malformed), and the
// loghub ctime stamps must give times.
func TestSamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rel      string
		rows     int
		wantTime bool
	}{
		{"loghub/Apache/Apache_2k.log_structured.csv", 2000, true},
		{"attack/enterprise_techniques.csv", -1, false},
		{"attack/enterprise_tactics.csv", -1, false},
		{"attack/sigma_attack_v18_to_v19_tags.csv", -1, false},
	}
	for _, tc := range tests {
		t.Run(tc.rel, func(t *testing.T) {
			t.Parallel()
			path := testutil.Sample(t, tc.rel)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if (Format{}).Sniff(data[:min(len(data), importers.SniffSize)]) != SniffScore {
				t.Error("Sniff does not recognise it")
			}
			res := importertest.ReadBytes(t, Format{}, path, data)
			if res.Err != nil || len(res.Rejects) > 0 {
				t.Fatalf("err %v, %d rejects, first: %v", res.Err, len(res.Rejects), res.Rejects)
			}
			if tc.rows >= 0 && len(res.Events) != tc.rows {
				t.Errorf("%d events, want %d", len(res.Events), tc.rows)
			}
			if len(res.Events) == 0 {
				t.Fatal("no events")
			}
			for _, ev := range res.Events {
				if ev.Time.IsZero() == tc.wantTime {
					t.Fatalf("time %v, want time: %v (raw %q)", ev.Time, tc.wantTime, ev.Raw)
				}
			}
		})
	}
}

// FuzzRead checks that any input is read without a crash and that no data line is lost: a
// line either starts an event or a reject, or belongs to one, or is the header.
func FuzzRead(f *testing.F) {
	for _, tc := range goldenTests {
		data, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a,b\n\"x\n"))
	f.Add([]byte("a\tb\n1\t\"2\"\"\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res := importertest.ReadBytes(t, Format{}, "fuzz", data)
		if res.Err != nil {
			return
		}
		delim, _ := sniffDelimiter(bytes.TrimPrefix(data, utf8BOM))
		for _, ev := range res.Events {
			if ev.SourceType != "csv" || ev.Raw == "" {
				t.Fatalf("event without raw or source type: %+v", ev)
			}
			// the shared reader must split each record as a fresh reader does
			r := stdcsv.NewReader(strings.NewReader(ev.Raw))
			r.Comma, r.LazyQuotes, r.FieldsPerRecord = delim, true, -1
			want, err := r.Read()
			if err != nil {
				t.Fatalf("raw %q does not parse alone: %v", ev.Raw, err)
			}
			var got []string
			for _, v := range ev.Fields {
				got = append(got, v.(string))
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(want, got) {
				t.Fatalf("raw %q: fields %q, a fresh reader gives %q", ev.Raw, got, want)
			}
		}
		if len(bytes.TrimSpace(data)) == 0 && len(res.Events)+len(res.Rejects) > 0 {
			t.Fatal("records from blank input")
		}
	})
}

func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("Timestamp,Source IP,Source Port,Dest IP,Dest Port,User,Action,Message\n")
	for i := 0; buf.Len() < 4<<20; i++ {
		fmt.Fprintf(&buf, "2024-03-05T10:15:%02dZ,10.0.%d.%d,%d,192.0.2.%d,443,user%d,allow,\"connection %d, allowed by policy\"\n", i%60, i%256, i%200, 1024+i%60000, i%250, i%50, i)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var n counter
		if err := (Format{}).Read(context.Background(), importers.Input{Name: "bench.csv", R: bytes.NewReader(data)}, &n); err != nil || n.rejects > 0 {
			b.Fatal(err, n.rejects)
		}
	}
}

// counter is a sink that counts.
type counter struct{ events, rejects int }

func (c *counter) Event(importers.Record, *event.Event) error { c.events++; return nil }
func (c *counter) Reject(importers.Reject) error              { c.rejects++; return nil }

// FuzzFieldCount: the count that guards against records of millions of fields agrees with
// encoding/csv's split of any one framed record.
func FuzzFieldCount(f *testing.F) {
	for _, s := range []string{"a,b,c", `"a,b",c`, "\"multi\nline, value\",x", `a"b,c`, `"a""b",c,"d`, "x\ty\t\"z\tw\"", ""} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, tab bool) {
		delim := ','
		if tab {
			delim = '\t'
		}
		if strings.ContainsAny(s, "\r") || !utf8.ValidString(s) {
			return // encoding/csv folds CRs and replaces invalid UTF-8 in its own way
		}
		lines := strings.Split(s, "\n")
		in := false
		for i, l := range lines {
			in = scanQuotes([]byte(l), delim, in)
			if !in && i < len(lines)-1 {
				return // more than one record
			}
		}
		if in || strings.TrimSpace(s) == "" {
			return
		}
		r := stdcsv.NewReader(strings.NewReader(s + "\n"))
		r.Comma, r.LazyQuotes, r.FieldsPerRecord = delim, true, -1
		fields, err := r.Read()
		if err != nil {
			return
		}
		if got := fieldCount([]byte(s), delim); got != len(fields) {
			t.Errorf("fieldCount(%q) = %d, encoding/csv finds %d fields", s, got, len(fields))
		}
	})
}
