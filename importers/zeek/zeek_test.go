package zeek

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"trawl/event"
	"trawl/importers"
	"trawl/importers/importertest"
	"trawl/internal/testutil"
)

// goldenMax is how many events of a sample its golden file shows; counts are checked in full
// by TestCounts.
const goldenMax = 25

// sampleTests are real Zeek logs from ../shared/samples/zeek, with their record counts
// (SOURCES.md) and what their first event must say.
var sampleTests = []struct {
	name, rel string
	records   int
}{
	{"mordor_conn", "zeek/mordor-lsass-campaign-01/conn.log", 112},
	{"mordor_dns", "zeek/mordor-lsass-campaign-01/dns.log", 96},
	{"mordor_http", "zeek/mordor-lsass-campaign-01/http.log", 3},
	{"mordor_files", "zeek/mordor-lsass-campaign-01/files.log", 3},
	{"mordor_kerberos", "zeek/mordor-lsass-campaign-01/kerberos.log", 0},
	{"mordor_ssl", "zeek/mordor-lsass-campaign-01/ssl.log", 0},
	{"mordor_weird", "zeek/mordor-lsass-campaign-01/weird.log", 0},
	{"mordor_x509", "zeek/mordor-lsass-campaign-01/x509.log", 0},
	{"mordor_smb_mapping", "zeek/mordor-lsass-campaign-01/smb_mapping.log", 0},
	{"mordor_pe", "zeek/mordor-lsass-campaign-01/pe.log", 0},
	{"wrccdc_ssh_tsv", "zeek/wrccdc2018/zeek-default/ssh.log", 22},
	{"wrccdc_ssh_json", "zeek/wrccdc2018/zeek-json/ssh.json", 22},
	{"wrccdc_kerberos_tsv", "zeek/wrccdc2018/zeek-default/kerberos.log", 11},
	{"wrccdc_ntlm_tsv", "zeek/wrccdc2018/zeek-default/ntlm.log", 422},
	{"wrccdc_rdp_tsv", "zeek/wrccdc2018/zeek-default/rdp.log", 4122},
	{"wrccdc_notice_json", "zeek/wrccdc2018/zeek-json/notice.json", 207},
	{"wrccdc_smb_files_tsv", "zeek/wrccdc2018/zeek-default/smb_files.log", 13},
	{"wrccdc_dce_rpc_json", "zeek/wrccdc2018/zeek-json/dce_rpc.json", 78},
	{"wrccdc_ftp_tsv", "zeek/wrccdc2018/zeek-default/ftp.log", 93},
	{"wrccdc_dpd_tsv", "zeek/wrccdc2018/zeek-default/dpd.log", 77},
	{"wrccdc_rfb_json", "zeek/wrccdc2018/zeek-json/rfb.json", 3},
	{"wrccdc_software_tsv", "zeek/wrccdc2018/zeek-default/software.log", 376},
}

func TestGoldenSamples(t *testing.T) {
	t.Parallel()
	for _, tc := range sampleTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := importertest.ReadFile(t, Format{}, testutil.Sample(t, tc.rel))
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if len(res.Rejects) != 0 {
				t.Errorf("real sample gave %d rejects, first: %v", len(res.Rejects), res.Rejects[0])
			}
			testutil.Golden(t, filepath.Join("testdata", "golden", tc.name+".golden.jsonl"), importertest.JSONL(importertest.First(res, goldenMax)))
		})
	}
}

// TestCounts checks that every record of every sample is an event or a reject: the number of
// data lines (TSV lines not starting with '#', JSON lines) equals events plus rejects, and
// matches the count SOURCES.md gives where it gives one.
func TestCounts(t *testing.T) {
	t.Parallel()
	for _, tc := range sampleTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := testutil.Sample(t, tc.rel)
			want := dataLines(t, path)
			if tc.records > 0 && want != tc.records {
				t.Fatalf("sample has %d data lines, SOURCES.md says %d", want, tc.records)
			}
			res := importertest.ReadFile(t, Format{}, path)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if got := len(res.Events) + len(res.Rejects); got != want {
				t.Errorf("%d events + %d rejects, want %d records", len(res.Events), len(res.Rejects), want)
			}
			for i, ev := range res.Events {
				if ev.Time.IsZero() || ev.SourceType != "zeek" || !strings.HasPrefix(ev.Dataset, "zeek.") || len(ev.Fields) == 0 || ev.Raw == "" {
					t.Fatalf("event %d incomplete: time %v source %q dataset %q, %d fields", i, ev.Time, ev.SourceType, ev.Dataset, len(ev.Fields))
				}
			}
		})
	}
}

func dataLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if l := sc.Text(); l != "" && l[0] != '#' {
			n++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTSVMatchesJSON reads the WRCCDC logs Zeek wrote twice, as TSV and as JSON lines, and
// checks that both give the same columns event by event: the TSV typing, escapes and unset
// markers must come out as the JSON writer's values.
func TestTSVMatchesJSON(t *testing.T) {
	t.Parallel()
	for _, log := range []string{"ssh", "kerberos", "ntlm", "smb_files", "smb_mapping", "dce_rpc", "notice", "ftp", "dpd", "rfb", "ldap_search", "pe", "software"} {
		t.Run(log, func(t *testing.T) {
			t.Parallel()
			tsv := importertest.ReadFile(t, Format{}, testutil.Sample(t, "zeek/wrccdc2018/zeek-default/"+log+".log"))
			js := importertest.ReadFile(t, Format{}, testutil.Sample(t, "zeek/wrccdc2018/zeek-json/"+log+".json"))
			if tsv.Err != nil || js.Err != nil {
				t.Fatal(tsv.Err, js.Err)
			}
			if len(tsv.Events) != len(js.Events) || len(tsv.Events) == 0 {
				t.Fatalf("%d TSV events, %d JSON events", len(tsv.Events), len(js.Events))
			}
			for i := range tsv.Events {
				a, b := columns(&tsv.Events[i]), columns(&js.Events[i])
				if diff := cmp.Diff(a, b); diff != "" {
					t.Fatalf("event %d differs (-tsv +json):\n%s", i, diff)
				}
			}
		})
	}
}

// columns renders an event's columns but raw and fields.
func columns(ev *event.Event) map[string]any {
	out := map[string]any{}
	for _, c := range event.Columns {
		if c.Name == "raw" || c.Name == "fields" {
			continue
		}
		v := c.Get(ev)
		if tm, ok := v.(time.Time); ok {
			v = tm.UTC().Format(time.RFC3339Nano)
		}
		out[c.Name] = v
	}
	return out
}

// hostileTests are inputs built to break the reader; their golden output shows how each bad
// line became a reject and the good ones still came through.
var hostileTests = []string{"hostile.log", "hostile.json"}

func TestGoldenHostile(t *testing.T) {
	t.Parallel()
	for _, name := range hostileTests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", name)
			res := importertest.ReadFile(t, Format{}, path)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if got, want := len(res.Events)+len(res.Rejects), dataLines(t, path); got != want {
				t.Errorf("%d events + %d rejects, want %d records", len(res.Events), len(res.Rejects), want)
			}
			testutil.Golden(t, filepath.Join("testdata", "golden", name+".golden.jsonl"), importertest.JSONL(res))
		})
	}
}

func TestMapping(t *testing.T) {
	t.Parallel()
	if err := common.Validate(); err != nil {
		t.Error(err)
	}
	for path, m := range logs {
		if err := m.Fields.Validate(); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		for v, o := range m.Outcomes {
			if o != "" && o != "success" && o != "failure" {
				t.Errorf("%s: outcome %q for %q", path, o, v)
			}
		}
	}
}

// readString runs the format over text named name.
func readString(t testing.TB, name, text string) importertest.Result {
	return importertest.ReadBytes(t, Format{}, name, []byte(text))
}

const tsvHead = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"

var recordTests = []struct {
	name, file, in string
	want           map[string]any // columns to check on the single event
	reject         string         // the reject's text, when the record must be rejected
}{
	{"conn tsv", "x", tsvHead + "#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\torig_bytes\tresp_bytes\tconn_state\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tcount\tstring\n1521911721.258458\tCx\t10.0.0.1\t1024\t10.0.0.2\t443\ttcp\t100\t2000\tSF\n",
		map[string]any{"time": "2018-03-24T17:15:21.258458Z", "dataset": "zeek.conn", "category": "network", "action": "connection", "session_id": "Cx", "src_ip": "10.0.0.1", "src_port": int64(1024), "dst_ip": "10.0.0.2", "dst_port": int64(443), "protocol": "tcp", "bytes_out": int64(100), "bytes_in": int64(2000), "outcome": "success"}, ""},
	{"path from file name", "logs/conn.00:00:00-01:00:00.log", tsvHead + "#fields\tts\tconn_state\n1521911721\tREJ\n",
		map[string]any{"dataset": "zeek.conn", "outcome": "failure"}, ""},
	{"path from shape", "x.json", `{"ts":1521911721,"qtype_name":"A","query":"a.example","rcode_name":"NOERROR"}` + "\n",
		map[string]any{"dataset": "zeek.dns", "domain": "a.example", "outcome": "success"}, ""},
	{"unknown path keeps fields", "x", tsvHead + "#path\tfoo_bar\n#fields\tts\tid.orig_h\tanswer\n1521911721\t10.9.9.9\t42\n",
		map[string]any{"dataset": "zeek.foo_bar", "src_ip": "10.9.9.9", "fields": map[string]any{"ts": "1521911721", "id.orig_h": "10.9.9.9", "answer": "42"}}, ""},
	{"escapes", "x", tsvHead + "#path\thttp\n#fields\tts\turi\thost\tuser_agent\n1521911721\t/a\\x09b\\\\c\\x1b[2J\t\\x41.example\t\\xc3\\xa9\\xff\\xc3\\xa9\n",
		map[string]any{"url": "/a\tb\\c\\x1b[2J", "domain": "a.example", "user_agent": "\\xc3\\xa9\\xff\\xc3\\xa9"}, ""},
	{"escaped utf-8", "x", tsvHead + "#path\thttp\n#fields\tts\tuser_agent\n1521911721\tcaf\\xc3\\xa9 \\xe2\\x82\\xac\\x2c\n",
		map[string]any{"user_agent": "café €,"}, ""},
	{"empty and unset", "x", tsvHead + "#path\thttp\n#fields\tts\turi\tuser_agent\ttags\n#types\ttime\tstring\tstring\tset[enum]\n1521911721\t(empty)\t-\t(empty)\n",
		map[string]any{"url": "", "user_agent": "", "fields": map[string]any{"ts": "1521911721", "uri": "", "tags": []any{}}}, ""},
	{"kerberos user and realm", "x", `{"_path":"kerberos","ts":"2018-03-24T17:15:21Z","client":"alice/CORP.LOCAL","success":false,"error_msg":"KDC_ERR_PREAUTH_FAILED"}` + "\n",
		map[string]any{"user": "alice", "user_domain": "CORP.LOCAL", "outcome": "failure", "auth_package": "kerberos", "category": "auth"}, ""},
	{"files strongest hash", "x", `{"_path":"files","ts":1,"md5":"AA","sha1":"BB","sha256":"CC","filename":"x.exe"}` + "\n",
		map[string]any{"hash": "cc", "file_path": "x.exe", "category": "file"}, ""},
	{"smb path joined", "x", `{"_path":"smb_files","ts":1,"path":"\\\\H\\C$","name":"dir\\f.txt"}` + "\n",
		map[string]any{"file_path": `\\H\C$\dir\f.txt`}, ""},
	{"underscore flavour", "x", `{"_path":"conn","ts":1,"id_orig_h":"10.0.0.1","id_resp_p":80}` + "\n",
		map[string]any{"src_ip": "10.0.0.1", "dst_port": int64(80)}, ""},
	{"nested flavour", "x", `{"_path":"conn","ts":1,"id":{"orig_h":"10.0.0.1","resp_p":80}}` + "\n",
		map[string]any{"src_ip": "10.0.0.1", "dst_port": int64(80)}, ""},
	{"rdp cookie and result", "x", `{"_path":"rdp","ts":1,"cookie":"Administr","result":"User rejected"}` + "\n",
		map[string]any{"user": "Administr", "outcome": "failure"}, ""},
	{"ftp reply", "x", `{"_path":"ftp","ts":1,"user":"anonymous","command":"RETR","reply_code":550}` + "\n",
		map[string]any{"user": "anonymous", "event_code": "RETR", "outcome": "failure"}, ""},
	{"bad port", "x", tsvHead + "#path\tconn\n#fields\tts\tid.orig_p\n1521911721\tabc\n", nil, `line 7: field id.orig_p: not an integer: "abc"`},
	{"bad address", "x", `{"_path":"conn","ts":1,"id.orig_h":"999.0.0.1"}` + "\n", nil, `line 1: field id.orig_h: not an IP address: "999.0.0.1"`},
	{"bad time", "x", `{"_path":"conn","ts":"soon"}` + "\n", nil, `line 1: field ts: unrecognised time "soon"`},
	{"value count", "x", tsvHead + "#fields\tts\tuid\n1521911721\n", nil, "line 6: 1 values for the 2 fields of the #fields header"},
	{"no header", "x", "1521911721\tCx\n", nil, "line 1: data line before any #fields header"},
	{"empty field name", "x", tsvHead + "#fields\tts\t\tuid\n", nil, "line 5: field #fields: empty field name in #fields header"},
	{"not an object", "x", "[1,2]\n", nil, "line 1: not a JSON object"},
	{"broken json", "x", `{"ts":1,` + "\n", nil, "line 1: invalid JSON: unexpected EOF"},
	// Found by the importers/all hostile matrix: lines ending in lone CRs used to be one
	// #separator line, read as a header without any event or reject.
	{"lone CR line ends", "x", strings.ReplaceAll(tsvHead+"#fields\tts\tuid\n1521911721\tCx\n", "\n", "\r"), nil,
		"line 1: field #separator: separator holds a line break (lines ending in a lone CR?)"},
}

func TestRecords(t *testing.T) {
	t.Parallel()
	for _, tc := range recordTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := readString(t, tc.file, tc.in)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if tc.reject != "" {
				if len(res.Rejects) != 1 || len(res.Events) != 0 {
					t.Fatalf("want one reject, got %d events and rejects %v", len(res.Events), res.Rejects)
				}
				if got := res.Rejects[0].Error(); got != tc.reject {
					t.Errorf("reject %q, want %q", got, tc.reject)
				}
				return
			}
			if len(res.Events) != 1 || len(res.Rejects) != 0 {
				t.Fatalf("want one event, got %d events and rejects %v", len(res.Events), res.Rejects)
			}
			got := map[string]any{}
			cols := columns(&res.Events[0])
			for k := range tc.want {
				if k == "fields" {
					got[k] = fieldsText(res.Events[0].Fields)
					continue
				}
				got[k] = cols[k]
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
		})
	}
}

// fieldsText renders scalar Fields values as text so that json.Number and string compare.
func fieldsText(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		switch v.(type) {
		case []any, map[string]any:
			out[k] = v
		default:
			out[k] = importers.Text(v)
		}
	}
	return out
}

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, head string
		min, max   int
	}{
		{"tsv header", "#separator \\x09\n#set_separator\t,\n", 100, 100},
		{"json streaming", `{"_path":"conn","ts":"2018-03-24T17:15:21Z","uid":"C"}` + "\n", 95, 95},
		{"json plain", `{"ts":1521911721.1,"uid":"C","id.orig_h":"10.0.0.1"}` + "\n", 85, 85},
		{"json underscore", `{"ts":1521911721.1,"uid":"C","id_orig_h":"10.0.0.1"}` + "\n", 85, 85},
		{"suricata eve", `{"timestamp":"2018-03-24T14:37:19.037299-0600","event_type":"alert","src_ip":"1.2.3.4"}` + "\n", 0, 0},
		{"cloudtrail", `{"Records":[{"eventVersion":"1.08"}]}`, 0, 0},
		{"text", "hello world\n", 0, 0},
	}
	for _, tc := range tests {
		if got := (Format{}).Sniff([]byte(tc.head)); got < tc.min || got > tc.max {
			t.Errorf("%s: Sniff = %d, want %d..%d", tc.name, got, tc.min, tc.max)
		}
	}
}

func TestRegistered(t *testing.T) {
	if f, ok := importers.Lookup("zeek"); !ok || f.Name() != "zeek" {
		t.Fatal("zeek is not registered")
	}
	head := []byte(tsvHead + "#path\tconn\n")
	if f, err := importers.Detect(head); err != nil || f.Name() != "zeek" {
		t.Errorf("Detect = %v, %v", f, err)
	}
}

func FuzzRead(f *testing.F) {
	for _, tc := range recordTests {
		f.Add(tc.in)
	}
	for _, name := range hostileTests {
		importertest.SeedFile(f, filepath.Join("testdata", name), 4096)
	}
	f.Fuzz(func(t *testing.T, in string) {
		res := importertest.ReadRaw(t, Format{}, in)
		if res.Err != nil {
			t.Fatalf("Read failed: %v", res.Err)
		}
		lines := 0
		for _, l := range strings.Split(in, "\n") {
			if strings.TrimSpace(l) != "" && l[0] != '#' {
				lines++
			}
		}
		if got := len(res.Events) + len(res.Rejects); got < lines {
			t.Fatalf("%d data lines gave %d events and %d rejects", lines, len(res.Events), len(res.Rejects))
		}
	})
}

// BenchmarkReadTSV reads the largest TSV sample (rdp.log, 4122 records), or a synthetic conn
// log of about the same size when the samples are absent.
func BenchmarkReadTSV(b *testing.B) {
	dir := os.Getenv("TRAWL_SAMPLES")
	if dir == "" {
		dir = filepath.Join(testutil.RepoRoot(b), "..", "shared", "samples")
	}
	data, err := os.ReadFile(filepath.Join(dir, "zeek", "wrccdc2018", "zeek-default", "rdp.log"))
	if err != nil {
		var buf bytes.Buffer
		buf.WriteString(tsvHead + "#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\torig_bytes\tresp_bytes\tconn_state\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tcount\tstring\n")
		for i := 0; buf.Len() < 500<<10; i++ {
			fmt.Fprintf(&buf, "1521911721.%06d\tC%d\t10.0.%d.%d\t%d\t10.1.0.1\t443\ttcp\t%d\t%d\tSF\n", i%1000000, i, i/256%256, i%256, 1024+i%60000, i, 2*i)
		}
		data = buf.Bytes()
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var sink countSink
		in := importers.Input{Name: "bench", R: bytes.NewReader(data), Size: int64(len(data))}
		if err := (Format{}).Read(context.Background(), in, &sink); err != nil || sink.rejects != 0 || sink.events == 0 {
			b.Fatal(err, sink)
		}
	}
}

// countSink counts what it gets and keeps nothing, so that benchmarks measure the reader.
type countSink struct{ events, rejects int }

func (s *countSink) Event(importers.Record, *event.Event) error { s.events++; return nil }
func (s *countSink) Reject(importers.Reject) error              { s.rejects++; return nil }
