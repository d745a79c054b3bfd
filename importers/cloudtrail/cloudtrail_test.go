package cloudtrail

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"trawl/event"
	"trawl/importers"
	"trawl/importers/importertest"
	"trawl/internal/testutil"
)

const sampleDir = "cloudtrail/invictus-stratus"

// sampleFiles lists the 55 CloudTrail files of the Stratus Red Team run.
func sampleFiles(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join(testutil.Samples(t), sampleDir)
	files, err := filepath.Glob(filepath.Join(dir, "*_CloudTrail_*.json"))
	if err != nil || len(files) == 0 {
		t.Skipf("no CloudTrail samples in %s", dir)
	}
	sort.Strings(files)
	return files
}

// TestSamples reads all 55 files: 2900 records (SOURCES.md), each an event, none rejected; the
// failures are exactly the records with a non-empty errorCode, counted here straight from the
// JSON; and the ground truth of the Stratus run shows: 29 GetPasswordData calls all failed with
// Client.UnauthorizedOperation, two console logins succeeded.
func TestSamples(t *testing.T) {
	t.Parallel()
	files := sampleFiles(t)
	if len(files) != 55 {
		t.Errorf("%d sample files, want 55", len(files))
	}
	var events, failures, wantFailures, getPassword, getPasswordFailed, logins int
	for _, f := range files {
		res := importertest.ReadFile(t, Format{}, f)
		if res.Err != nil || len(res.Rejects) != 0 {
			t.Fatalf("%s: err %v, rejects %v", f, res.Err, res.Rejects)
		}
		events += len(res.Events)
		for _, ev := range res.Events {
			if ev.Time.IsZero() || ev.EventCode == "" || !strings.HasSuffix(ev.Dataset, ".amazonaws.com") || ev.User == "" || ev.Outcome == "" {
				t.Fatalf("%s: incomplete event %+v", f, ev)
			}
			if ev.Outcome == "failure" {
				failures++
			}
			switch ev.EventCode {
			case "GetPasswordData":
				getPassword++
				if ev.Outcome == "failure" && ev.Fields["errorCode"] == "Client.UnauthorizedOperation" {
					getPasswordFailed++
				}
			case "ConsoleLogin":
				if ev.Category == "logon" && ev.Outcome == "success" && ev.LogonType == "console" {
					logins++
				}
			}
		}
		wantFailures += countErrorCodes(t, f)
	}
	if events != 2900 {
		t.Errorf("%d events, want 2900", events)
	}
	if failures != wantFailures {
		t.Errorf("%d failures, want %d (records with an errorCode)", failures, wantFailures)
	}
	if getPassword != 29 || getPasswordFailed != 29 {
		t.Errorf("GetPasswordData: %d calls, %d failed as unauthorized; want 29 and 29", getPassword, getPasswordFailed)
	}
	if logins != 2 {
		t.Errorf("%d successful console logins, want 2", logins)
	}
}

func countErrorCodes(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Records []struct {
			ErrorCode string `json:"errorCode"`
		}
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range file.Records {
		if r.ErrorCode != "" {
			n++
		}
	}
	return n
}

// TestLayouts reads one sample file in the layouts CloudTrail comes in: as delivered (one line),
// pretty-printed, as JSON lines of single records, as a bare array, and twice in a row. All
// must give the same events with the same columns.
func TestLayouts(t *testing.T) {
	t.Parallel()
	path := testutil.Sample(t, sampleDir+"/218007301253_CloudTrail_us-east-1_20230710T1200Z_iLj9fb7yyUG9X4Bf.json")
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Records []json.RawMessage }
	if err := json.Unmarshal(orig, &file); err != nil {
		t.Fatal(err)
	}
	var pretty, lines, array bytes.Buffer
	if err := json.Indent(&pretty, orig, "", "  "); err != nil {
		t.Fatal(err)
	}
	array.WriteString("[\n")
	for i, r := range file.Records {
		lines.Write(r)
		lines.WriteByte('\n')
		if i > 0 {
			array.WriteString(",\n")
		}
		array.Write(r)
	}
	array.WriteString("\n]\n")
	want := importertest.ReadBytes(t, Format{}, "orig", orig)
	if want.Err != nil || len(want.Rejects) != 0 || len(want.Events) != len(file.Records) {
		t.Fatalf("%d events of %d records, err %v, rejects %v", len(want.Events), len(file.Records), want.Err, want.Rejects)
	}
	for _, tc := range []struct {
		name   string
		data   []byte
		repeat int
	}{
		{"pretty", pretty.Bytes(), 1},
		{"lines", lines.Bytes(), 1},
		{"array", array.Bytes(), 1},
		{"concatenated", append(append(append([]byte{}, orig...), '\n'), orig...), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Format{}).Sniff(head(tc.data)); got < 90 {
				t.Errorf("Sniff = %d", got)
			}
			res := importertest.ReadBytes(t, Format{}, tc.name, tc.data)
			if res.Err != nil || len(res.Rejects) != 0 || len(res.Events) != tc.repeat*len(want.Events) {
				t.Fatalf("%d events, err %v, rejects %v", len(res.Events), res.Err, res.Rejects)
			}
			for i := range res.Events {
				if diff := cmp.Diff(importertest.Columns(&want.Events[i%len(want.Events)]), importertest.Columns(&res.Events[i])); diff != "" {
					t.Fatalf("event %d (-delivered +%s):\n%s", i, tc.name, diff)
				}
			}
		})
	}
}

func head(b []byte) []byte { return b[:min(len(b), importers.SniffSize)] }

// goldenTests are testdata files, every record of which must be an event or a reject:
// records.jsonl holds real records picked from the samples (see testdata/SOURCES.md), the
// others hostile input.
var goldenTests = []struct {
	file            string
	events, rejects int
}{
	{"records.jsonl", 15, 0},
	{"hostile-records.json", 8, 6},
	{"hostile.jsonl", 3, 3},
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenTests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			res := importertest.ReadFile(t, Format{}, filepath.Join("testdata", tc.file))
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			importertest.CheckCounts(t, res, tc.events, tc.rejects)
			testutil.Golden(t, filepath.Join("testdata", "golden", tc.file+".golden.jsonl"), importertest.JSONL(res))
		})
	}
}

func TestActor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, identity, want string
	}{
		{"iam user", `{"type":"IAMUser","arn":"arn:aws:iam::1:user/ops/alice","userName":"alice"}`, "alice"},
		{"iam user without name", `{"type":"IAMUser","arn":"arn:aws:iam::1:user/ops/bob"}`, "bob"},
		{"assumed role", `{"type":"AssumedRole","principalId":"AROA:sess","arn":"arn:aws:sts::1:assumed-role/Admin/i-0abc"}`, "i-0abc"},
		{"assumed role without arn", `{"type":"AssumedRole","principalId":"AROAX:jane@example.com"}`, "jane@example.com"},
		{"root", `{"type":"Root","arn":"arn:aws:iam::1:root"}`, "root"},
		{"service", `{"type":"AWSService","invokedBy":"ec2.amazonaws.com"}`, "ec2.amazonaws.com"},
		{"account", `{"type":"AWSAccount","principalId":"AIDAX","accountId":"2"}`, "AIDAX"},
		{"unknown type", `{"type":"IdentityCenterUser","userName":"carol"}`, "carol"},
		{"not an arn", `{"type":"AssumedRole","arn":"nonsense"}`, ""},
		{"no identity", `null`, ""},
	}
	for _, tc := range tests {
		var id any
		if err := json.Unmarshal([]byte(tc.identity), &id); err != nil {
			t.Fatal(err)
		}
		if got := actor(map[string]any{"userIdentity": id}); got != tc.want {
			t.Errorf("%s: actor = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestKebab(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"GetPasswordData": "get-password-data", "ListMFADevices": "list-mfa-devices", "ConsoleLogin": "console-login",
		"PutBucketACL": "put-bucket-acl", "CreateDBInstance": "create-db-instance", "GetObject2": "get-object2", "": "",
	} {
		if got := kebab(in); got != want {
			t.Errorf("kebab(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMapping(t *testing.T) {
	t.Parallel()
	if err := fields.Validate(); err != nil {
		t.Error(err)
	}
}

var sniffTests = []struct {
	name, head string
	want       int
}{
	{"records file", `{"Records":[{"eventVersion":"1.08","eventTime":"2023-07-10T11:42:36Z","eventSource":"s3.amazonaws.com","eventName":"GetObject"`, 100},
	{"records pretty", "{\n  \"Records\": [\n    {\n      \"eventVersion\": \"1.08\",\n \"eventTime\": \"x\", \"eventSource\": \"s\", \"eventName\": \"n\"", 100},
	{"empty records", `{"Records":[]}`, 60},
	{"json lines", `{"eventTime":"2023-07-10T11:42:36Z","eventSource":"s3.amazonaws.com","eventName":"GetObject"}` + "\n", 95},
	{"eventbridge", `{"detail-type":"AWS API Call via CloudTrail","detail":{"eventTime":"2023-07-10T11:42:36Z","eventSource":"s3.amazonaws.com","eventName":"GetObject"}}` + "\n", 95},
	{"suricata", `{"timestamp":"2018-03-24T14:37:19Z","event_type":"alert"}` + "\n", 0},
	{"digest", `{"awsAccountId":"1","digestStartTime":"2023-07-10T11:00:00Z"}` + "\n", 0},
	{"garbage", "\x00\x01{{{", 0},
}

func TestSniff(t *testing.T) {
	t.Parallel()
	for _, tc := range sniffTests {
		if got := (Format{}).Sniff([]byte(tc.head)); got != tc.want {
			t.Errorf("%s: Sniff = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestRegistered(t *testing.T) {
	if f, ok := importers.Lookup("cloudtrail"); !ok || f.Name() != "cloudtrail" {
		t.Fatal("cloudtrail is not registered")
	}
}

func FuzzRead(f *testing.F) {
	for _, tc := range sniffTests {
		f.Add(tc.head)
	}
	for _, tc := range goldenTests {
		importertest.SeedFile(f, filepath.Join("testdata", tc.file), 8192)
	}
	f.Fuzz(func(t *testing.T, in string) {
		res := importertest.ReadRaw(t, Format{}, in)
		if res.Err != nil {
			t.Fatalf("Read failed: %v", res.Err)
		}
		for _, ev := range res.Events {
			if ev.EventCode == "" || ev.Time.IsZero() || ev.Outcome == "" {
				t.Fatalf("event without name, time or outcome: %+v", ev)
			}
		}
		for _, r := range res.Rejects {
			if r.Reason == "" || r.Offset < 0 || r.Offset > int64(len(in)) {
				t.Fatalf("bad reject %+v", r)
			}
		}
	})
}

// TestHugeInputs streams a Records array of many records, one record holding a huge array, and
// one record longer than importers.MaxLine: the long one is a reject keeping its first bytes,
// everything around it still comes through.
func TestHugeInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 20 MB input")
	}
	t.Parallel()
	rec := func(id string, extra string) string {
		return `{"eventTime":"2023-07-10T11:42:36Z","eventSource":"iam.amazonaws.com","eventName":"ListUsers","eventID":"` + id + `"` + extra + `}`
	}
	var b strings.Builder
	b.WriteString(`{"Records":[`)
	const many = 50000
	for i := range many {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(rec("r", ""))
	}
	b.WriteString("," + rec("wide", `,"requestParameters":{"ids":[`+strings.Repeat(`"i-0123456789abcdef0",`, 100000)+`"last"]}`))
	b.WriteString("," + rec("overlong", `,"requestParameters":{"blob":"`+strings.Repeat("A", importers.MaxLine)+`"}`))
	b.WriteString("," + rec("after", "") + "]}")
	res := importertest.ReadRaw(t, Format{}, b.String())
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if len(res.Events) != many+2 || len(res.Rejects) != 1 {
		t.Fatalf("%d events and %d rejects, want %d and 1", len(res.Events), len(res.Rejects), many+2)
	}
	if r := res.Rejects[0]; len(r.Raw) != importers.RejectKeep || !strings.Contains(r.Reason, "longer than") {
		t.Errorf("overlong record: reject keeps %d bytes: %s", len(r.Raw), r.Reason)
	}
	if last := res.Events[len(res.Events)-1]; last.Fields["eventID"] != "after" {
		t.Errorf("last event is %v, want the record after the overlong one", last.Fields["eventID"])
	}
}

// BenchmarkReadRecords streams the largest sample file (521 KB, one line).
func BenchmarkReadRecords(b *testing.B) {
	dir := os.Getenv("TRAWL_SAMPLES")
	if dir == "" {
		dir = filepath.Join(testutil.RepoRoot(b), "..", "shared", "samples")
	}
	files, _ := filepath.Glob(filepath.Join(dir, sampleDir, "*_CloudTrail_*.json"))
	var data []byte
	for _, f := range files {
		if d, err := os.ReadFile(f); err == nil && len(d) > len(data) {
			data = d
		}
	}
	if data == nil {
		b.Skip("no CloudTrail samples")
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := (Format{}).Read(context.Background(), importers.Input{Name: "bench", R: bytes.NewReader(data), Size: int64(len(data))}, countSink{&n})
		if err != nil || n == 0 {
			b.Fatal(err, n)
		}
	}
}

type countSink struct{ n *int }

func (s countSink) Event(importers.Record, *event.Event) error { *s.n++; return nil }
func (s countSink) Reject(r importers.Reject) error            { return r }
