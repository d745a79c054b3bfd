package cef

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"trawl/importers"
	"trawl/importers/importertest"
)

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"vendors.cef"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			importertest.Golden(t, Format{}, name)
		})
	}
}

func TestFieldMap(t *testing.T) {
	if err := fieldMap.Validate(); err != nil {
		t.Fatal(err)
	}
	if f, ok := importers.Lookup("cef"); !ok || f.Name() != "cef" {
		t.Fatal("cef is not registered")
	}
}

// parseTests are single lines: fields they must give (a subset), or the error.
var parseTests = []struct {
	name    string
	line    string
	want    map[string]string
	wantErr string
}{
	{"minimal", `CEF:0|V|P|1|sig|name|5|src=10.0.0.1`,
		map[string]string{"cef_version": "0", "device_vendor": "V", "signature_id": "sig", "severity": "5", "src": "10.0.0.1"}, ""},
	{"value with spaces", `CEF:0|V|P|1|s|n|5|msg=hello big world src=1.2.3.4 act=blocked now`,
		map[string]string{"msg": "hello big world", "src": "1.2.3.4", "act": "blocked now"}, ""},
	{"escapes in header", `CEF:0|A\|B|C\\D|1|s|n\|m|5|`,
		map[string]string{"device_vendor": "A|B", "device_product": `C\D`, "name": "n|m"}, ""},
	{"escapes in extension", `CEF:0|V|P|1|s|n|5|msg=a\=b c\\d\ne\rf\|g \x`,
		map[string]string{"msg": "a=b c\\d\ne\rf|g \\x"}, ""},
	{"equals inside a value", `CEF:0|V|P|1|s|n|5|request=http://x/?a=b&c=d src=1.1.1.1`,
		map[string]string{"request": "http://x/?a=b&c=d", "src": "1.1.1.1"}, ""},
	{"label", `CEF:0|V|P|1|s|n|5|cs1Label=Rule Name cs1=deny all cn2=7 cn2Label=Count`,
		map[string]string{"Rule Name": "deny all", "Count": "7", "cs1": "deny all"}, ""},
	{"empty value", `CEF:0|V|P|1|s|n|5|a= b=2`, map[string]string{"a": "", "b": "2"}, ""},
	{"3164 header", `<13>Mar  5 10:15:02 fw1 CEF:0|V|P|1|s|n|5|`,
		map[string]string{"syslog_pri": "13", "syslog_host": "fw1", "syslog_time": "Mar 5 10:15:02"}, ""},
	{"5424 header", `<13>1 2024-03-05T10:15:02Z fw2 app - - - CEF:0|V|P|1|s|n|5|`,
		map[string]string{"syslog_host": "fw2", "syslog_time": "2024-03-05T10:15:02Z"}, ""},
	{"CEF: inside a word is not a header", `xCEF:0|V|P|1|s|n|5| CEF:0|V|P|1|s|n|5|a=1`, map[string]string{"a": "1"}, ""},
	{"short header", `CEF:0|V|P|1`, nil, "3 of its 7"},
	{"no CEF", `hello`, nil, "no CEF"},
	{"no pairs", `CEF:0|V|P|1|s|n|5|just text`, nil, "no key=value"},
	{"leading text", `CEF:0|V|P|1|s|n|5|oops a=1`, nil, "not key=value"},
	{"trailing backslash", `CEF:0|V|P|1|s|n|5|a=1\`, map[string]string{"a": `1\`}, ""},
}

func TestParseLine(t *testing.T) {
	t.Parallel()
	for _, tc := range parseTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			importertest.CheckParse(t, parseLine, tc.line, tc.want, tc.wantErr)
		})
	}
}

func TestSeverity(t *testing.T) {
	t.Parallel()
	got := map[string]any{}
	for _, v := range []string{"0", "1", "3", "4", "6", "7", "8", "9", "10", "11", "-1", "Low", "Medium", "High", "Very-High", "Unknown", ""} {
		if n, ok := severity(v); ok {
			got[v] = n
		} else {
			got[v] = nil
		}
	}
	want := map[string]any{"0": int64(0), "1": int64(1), "3": int64(1), "4": int64(2), "6": int64(2), "7": int64(3), "8": int64(3),
		"9": int64(4), "10": int64(4), "11": nil, "-1": nil, "Low": int64(1), "Medium": int64(2), "High": int64(3),
		"Very-High": int64(4), "Unknown": nil, "": nil}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"1709633702000":              "2024-03-05T10:15:02Z",
		"1709633702":                 "2024-03-05T10:15:02Z",
		"Mar 05 2024 10:15:02":       "2024-03-05T10:15:02Z",
		"Mar  5 2024 10:15:02.250":   "2024-03-05T10:15:02.25Z",
		"Mar 05 2024 10:15:02 UTC":   "2024-03-05T10:15:02Z",
		"Mar 05 2024 11:15:02 +0100": "2024-03-05T10:15:02Z",
		"2024-03-05T10:15:02Z":       "2024-03-05T10:15:02Z",
		"yesterday":                  "",
		"99999999999999999999999":    "",
	} {
		got := ""
		if tm, ok := parseTime(in); ok {
			got = tm.Format("2006-01-02T15:04:05.999Z07:00")
		}
		if got != want {
			t.Errorf("parseTime(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "vendors.cef"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		head string
		want int
	}{
		{"testdata head", string(data[:bytes.Index(data, []byte("\nCEF:0|only"))+1]), 90},
		{"one line", parseTests[0].line, 90},
		{"syslog without CEF", "Mar  5 10:15:15 web01 sshd[4242]: x\n", 0},
		{"mentions CEF", "we talk about CEF:0 here\n", 0},
		{"empty", "", 0},
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

func TestHostile(t *testing.T) {
	t.Parallel()
	good := parseTests[0].line + "\n"
	tests := []importertest.HostileCase{
		{Name: "10 MB value imports", In: `CEF:0|V|P|1|s|n|5|msg=` + strings.Repeat("A ", 5<<20) + "\n" + good, Events: 2, Rejects: 0},
		{Name: "many keys", In: `CEF:0|V|P|1|s|n|5|` + strings.Repeat("k=v ", 1<<20) + "\n", Events: 1, Rejects: 0},
		{Name: "many backslashes", In: `CEF:0|V|P|1|s|n|5|a=` + strings.Repeat(`\`, 1<<20) + "\n", Events: 1, Rejects: 0},
		{Name: "many equals", In: `CEF:0|V|P|1|s|n|5|a=` + strings.Repeat(`=`, 1<<20) + "\n", Events: 1, Rejects: 0},
		{Name: "overlong line", In: strings.Repeat("B", importers.MaxLine+1) + "\n" + good, Events: 1, Rejects: 1},
		{Name: "binary", In: "\x00\x01\x02\xff\xfe\nCEF:\x00\n" + good, Events: 1, Rejects: 2},
		{Name: "invalid utf-8 and escapes", In: "CEF:0|V\xff|P|1|s|n\x1b[31m|5|msg=\xfe\xfd \x07 src=10.0.0.1\n", Events: 1, Rejects: 0},
	}
	importertest.Hostile(t, Format{}, tests)
}

// FuzzParseLine checks that no line crashes the parser and that an imported line keeps its
// raw text and its header.
func FuzzParseLine(f *testing.F) {
	for _, tc := range parseTests {
		f.Add([]byte(tc.line))
	}
	importertest.SeedLines(f, filepath.Join("testdata", "vendors.cef"))
	f.Fuzz(func(t *testing.T, line []byte) {
		ev, err := toEvent(line)
		if err != nil {
			return
		}
		if ev.Raw != string(line) || ev.SourceType != "cef" {
			t.Fatalf("raw %q, source %q", ev.Raw, ev.SourceType)
		}
		if _, ok := ev.Fields["cef_version"]; !ok {
			t.Fatalf("event without a CEF header: %q", line)
		}
	})
}
