package suricata

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"trawl/importers"
	"trawl/importers/importertest"
	"trawl/internal/testutil"
)

// goldenMax is how many events of a real sample its golden file shows; TestSamples checks the
// counts in full.
const goldenMax = 25

// sampleTests are the real alert dumps in ../shared/samples/suricata with the ground truth of
// SOURCES.md: how many alerts, and how many have Suricata severity 1 (our 3, high).
var sampleTests = []struct {
	name, rel    string
	alerts, high int
}{
	{"wrccdc_array", "suricata/wrccdc-2018/alerts-only.json", 207, 76},
	{"wrccdc_lines", "suricata/wrccdc-2018/eve-alerts.jsonl", 207, 76},
	{"honeypot_array", "suricata/honeypot-2018/alerts-only.json", 44, 0},
	{"honeypot_lines", "suricata/honeypot-2018/eve-alerts.jsonl", 44, 0},
}

func TestSamples(t *testing.T) {
	t.Parallel()
	for _, tc := range sampleTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := importertest.ReadFile(t, Format{}, testutil.Sample(t, tc.rel))
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if len(res.Rejects) != 0 || len(res.Events) != tc.alerts {
				t.Fatalf("%d events and %d rejects, want %d events: %v", len(res.Events), len(res.Rejects), tc.alerts, res.Rejects)
			}
			high := 0
			for i, ev := range res.Events {
				if ev.Category != "alert" || ev.RuleName == "" || !ev.Severity.OK || ev.Time.IsZero() || ev.SrcIP == "" || ev.Dataset != "suricata.alert" {
					t.Fatalf("alert %d incomplete: %+v", i, ev)
				}
				if ev.Severity.V == 3 {
					high++
				}
			}
			if high != tc.high {
				t.Errorf("%d high alerts, want %d", high, tc.high)
			}
			testutil.Golden(t, filepath.Join("testdata", "golden", tc.name+".golden.jsonl"), importertest.JSONL(importertest.First(res, goldenMax)))
		})
	}
}

// TestArrayMatchesLines reads the same alerts as a pretty-printed array and as EVE lines: every
// column but raw must agree (the derived lines spell some characters as \u escapes, so raw
// texts differ while Fields agree).
func TestArrayMatchesLines(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{"wrccdc-2018", "honeypot-2018"} {
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			arr := importertest.ReadFile(t, Format{}, testutil.Sample(t, "suricata/"+dir+"/alerts-only.json"))
			lines := importertest.ReadFile(t, Format{}, testutil.Sample(t, "suricata/"+dir+"/eve-alerts.jsonl"))
			if len(arr.Events) != len(lines.Events) || len(arr.Events) == 0 {
				t.Fatalf("%d array events, %d line events", len(arr.Events), len(lines.Events))
			}
			for i := range arr.Events {
				a, b := importertest.Columns(&lines.Events[i]), importertest.Columns(&arr.Events[i])
				delete(a, "raw")
				delete(b, "raw")
				if diff := cmp.Diff(a, b); diff != "" {
					t.Fatalf("event %d differs (-lines +array):\n%s", i, diff)
				}
			}
			if arr.Records[1].Line < 20 || arr.Records[1].Offset <= arr.Records[0].Offset {
				t.Errorf("array records are not located: %+v", arr.Records[:2])
			}
		})
	}
}

// fileTests are testdata inputs: every event type, hostile lines, and broken arrays. records
// is how many records the file holds (each must be an event or a reject).
var fileTests = []struct {
	file             string
	events, rejects  int
	rejectSubstrings []string
}{
	{"eve-types.jsonl", 13, 0, nil},
	{"hostile.jsonl", 4, 8, []string{"not an IP address", "unrecognised time", "not an integer", "unexpected EOF", "not a JSON object", "exceeded max depth"}},
	{"truncated-array.json", 3, 4, []string{"invalid character '.' after object key:value pair", "unrecognised time", "not a JSON object", "input ends inside an array element"}},
	{"garbage-array.json", 1, 1, []string{"expected ',' or ']' after an array element"}},
}

func TestFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range fileTests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			res := importertest.ReadFile(t, Format{}, filepath.Join("testdata", tc.file))
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			importertest.CheckCounts(t, res, tc.events, tc.rejects, tc.rejectSubstrings...)
			testutil.Golden(t, filepath.Join("testdata", "golden", tc.file+".golden.jsonl"), importertest.JSONL(res))
		})
	}
}

func TestLinesCounted(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"eve-types.jsonl", "hostile.jsonl"} {
		f, err := os.Open(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) != "" {
				n++
			}
		}
		f.Close()
		res := importertest.ReadFile(t, Format{}, filepath.Join("testdata", name))
		if got := len(res.Events) + len(res.Rejects); got != n {
			t.Errorf("%s: %d lines gave %d events + %d rejects", name, n, len(res.Events), len(res.Rejects))
		}
	}
}

var recordTests = []struct {
	name, in string
	want     map[string]any
}{
	{"severity 1 is high", `{"timestamp":"2018-03-24T14:37:19.037299-0600","event_type":"alert","alert":{"signature":"s","severity":1}}`,
		map[string]any{"severity": int64(3), "rule_name": "s", "category": "alert", "time": "2018-03-24T20:37:19.037299Z"}},
	{"severity 2 is medium", `{"timestamp":"2018-03-24T14:37:19Z","event_type":"alert","alert":{"signature":"s","severity":2}}`,
		map[string]any{"severity": int64(2)}},
	{"severity 3 is low", `{"timestamp":"2018-03-24T14:37:19Z","event_type":"alert","alert":{"signature":"s","severity":3}}`,
		map[string]any{"severity": int64(1)}},
	{"severity 4 is info", `{"timestamp":"2018-03-24T14:37:19Z","event_type":"alert","alert":{"signature":"s","severity":4}}`,
		map[string]any{"severity": int64(0)}},
	{"odd severity unset", `{"timestamp":"2018-03-24T14:37:19Z","event_type":"alert","alert":{"signature":"s","severity":"high"}}`,
		map[string]any{"severity": nil}},
	{"blocked alert", `{"timestamp":"2018-03-24T14:37:19Z","event_type":"alert","alert":{"action":"blocked","signature":"s","severity":1}}`,
		map[string]any{"outcome": "failure"}},
	{"flow bytes", `{"timestamp":"2018-03-24T14:37:19Z","event_type":"flow","proto":"TCP","flow":{"bytes_toserver":10,"bytes_toclient":20}}`,
		map[string]any{"bytes_out": int64(10), "bytes_in": int64(20), "protocol": "tcp", "category": "network"}},
	{"dns v2", `{"timestamp":"2018-03-24T14:37:19Z","event_type":"dns","dns":{"type":"answer","rrname":"A.Example.","rcode":"NXDOMAIN"}}`,
		map[string]any{"domain": "a.example", "action": "answer", "message": "NXDOMAIN"}},
	{"dns v3", `{"timestamp":"2018-03-24T14:37:19Z","event_type":"dns","dns":{"type":"request","queries":[{"rrname":"b.example"}]}}`,
		map[string]any{"domain": "b.example", "action": "request"}},
	{"fileinfo hash", `{"timestamp":"2018-03-24T14:37:19Z","event_type":"fileinfo","fileinfo":{"filename":"a.exe","md5":"AA","sha256":"BB"}}`,
		map[string]any{"hash": "bb", "file_path": "a.exe", "category": "file"}},
	{"unknown type", `{"timestamp":"2018-03-24T14:37:19Z","event_type":"quic","src_ip":"::ffff:10.0.0.1"}`,
		map[string]any{"dataset": "suricata.quic", "event_code": "quic", "category": "", "src_ip": "10.0.0.1"}},
	{"array", `[{"timestamp":"2018-03-24T14:37:19Z","event_type":"alert","alert":{"signature":"in array","severity":1}}]`,
		map[string]any{"rule_name": "in array", "severity": int64(3)}},
}

func TestRecords(t *testing.T) {
	t.Parallel()
	for _, tc := range recordTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := importertest.ReadBytes(t, Format{}, "x", []byte(tc.in+"\n"))
			if res.Err != nil || len(res.Events) != 1 {
				t.Fatalf("want one event, got %d (err %v, rejects %v)", len(res.Events), res.Err, res.Rejects)
			}
			cols := importertest.Columns(&res.Events[0])
			got := map[string]any{}
			for k := range tc.want {
				got[k] = cols[k]
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMapping(t *testing.T) {
	t.Parallel()
	if err := common.Validate(); err != nil {
		t.Error(err)
	}
	for name, ty := range types {
		if err := ty.Fields.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, head string
		want       int
	}{
		{"eve line", `{"timestamp":"2018-03-24T14:37:19.037299-0600","flow_id":1,"event_type":"alert"}` + "\n", 95},
		{"pretty array", "[\n  {\n    \"timestamp\": \"2018-03-24T14:37:19.037299-0600\",\n    \"event_type\": \"alert\"\n  },\n  {\n    \"timestamp\": \"x\",", 95},
		{"zeek json", `{"_path":"conn","ts":1.5,"uid":"C"}` + "\n", 0},
		{"cloudtrail", `{"Records":[{"eventVersion":"1.08","eventTime":"2023-07-10T11:42:36Z"}]}`, 0},
		{"other array", `[{"a":1}]`, 0},
		{"binary", "\x00\x01\x02", 0},
	}
	for _, tc := range tests {
		if got := (Format{}).Sniff([]byte(tc.head)); got != tc.want {
			t.Errorf("%s: Sniff = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestRegistered(t *testing.T) {
	if f, ok := importers.Lookup("suricata"); !ok || f.Name() != "suricata" {
		t.Fatal("suricata is not registered")
	}
}

func FuzzRead(f *testing.F) {
	for _, tc := range recordTests {
		f.Add(tc.in)
	}
	for _, tc := range fileTests {
		importertest.SeedFile(f, filepath.Join("testdata", tc.file), 8192)
	}
	f.Fuzz(func(t *testing.T, in string) {
		res := importertest.ReadRaw(t, Format{}, in)
		if res.Err != nil {
			t.Fatalf("Read failed: %v", res.Err)
		}
		if strings.TrimSpace(in) != "" && strings.TrimSpace(in) != "[]" && len(res.Events)+len(res.Rejects) == 0 && !strings.HasPrefix(strings.TrimSpace(in), "[") {
			t.Fatalf("non-empty input gave neither events nor rejects")
		}
		for _, r := range res.Rejects {
			if r.Reason == "" || r.Offset < 0 || r.Offset > int64(len(in)) {
				t.Fatalf("bad reject %+v", r)
			}
		}
	})
}
