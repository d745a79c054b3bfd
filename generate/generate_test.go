package generate

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"trawl/internal/testutil"
)

// memFS is an in-memory Opener.
type memFS struct {
	mu    sync.Mutex
	files map[string]*bytes.Buffer
}

type memFile struct{ *bytes.Buffer }

func (memFile) Close() error { return nil }

func (m *memFS) open(name string) (io.WriteCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.files == nil {
		m.files = map[string]*bytes.Buffer{}
	}
	b := &bytes.Buffer{}
	m.files[name] = b
	return memFile{b}, nil
}

func (m *memFS) names() []string {
	var out []string
	for n := range m.files {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// lines returns the lines of one output file.
func (m *memFS) lines(name string) []string {
	b, ok := m.files[name]
	if !ok {
		return nil
	}
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

func generateMem(t testing.TB, cfg Config) (*memFS, *Summary) {
	t.Helper()
	var fs memFS
	sum, err := Run(context.Background(), cfg, fs.open)
	if err != nil {
		t.Fatal(err)
	}
	return &fs, sum
}

// cache of one full run shared by the read-only tests.
var (
	fullOnce sync.Once
	fullFS   *memFS
	fullSum  *Summary
)

const fullEvents = 40000

func full(t *testing.T) (*memFS, *Summary) {
	fullOnce.Do(func() { fullFS, fullSum = generateMem(t, Config{Events: fullEvents, Seed: 42}) })
	if fullFS == nil {
		t.Fatal("generation failed")
	}
	return fullFS, fullSum
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Events: 15000, Seed: 7}
	a, _ := generateMem(t, cfg)
	b, _ := generateMem(t, cfg)
	if fmt.Sprint(a.names()) != fmt.Sprint(b.names()) {
		t.Fatalf("file sets differ: %v vs %v", a.names(), b.names())
	}
	for _, n := range a.names() {
		if !bytes.Equal(a.files[n].Bytes(), b.files[n].Bytes()) {
			t.Errorf("%s differs between two runs with the same seed", n)
		}
	}
	c, _ := generateMem(t, Config{Events: 15000, Seed: 8})
	if bytes.Equal(a.files[SecurityLog].Bytes(), c.files[SecurityLog].Bytes()) {
		t.Error("seeds 7 and 8 gave the same Security log")
	}
}

// countRecords counts the records written: lines, and CloudTrail records.
func countRecords(t *testing.T, fs *memFS) int {
	t.Helper()
	n := 0
	for _, name := range fs.names() {
		switch {
		case name == TruthFile:
		case strings.HasPrefix(name, CloudTrailDir+"/"):
			var doc struct{ Records []json.RawMessage }
			if err := json.Unmarshal(fs.files[name].Bytes(), &doc); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			n += len(doc.Records)
		default:
			n += len(fs.lines(name))
		}
	}
	return n
}

func TestEventCount(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cfg       Config
		want      int
		atLeast   bool
		scenarios int
	}{
		{"all", Config{Events: 12345, Seed: 3}, 12345, false, len(scenarios)},
		{"baseline only", Config{Events: 5000, Seed: 3, Scenarios: []string{"none"}}, 5000, false, 0},
		{"one day", Config{Events: 8000, Seed: 3, Days: 1}, 8000, false, len(scenarios)},
		{"fewer than the attacks", Config{Events: 10, Seed: 3}, 10, true, len(scenarios)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, sum := generateMem(t, tc.cfg)
			got := countRecords(t, fs)
			if int64(got) != sum.Events {
				t.Errorf("summary says %d records, files hold %d", sum.Events, got)
			}
			if tc.atLeast && got < tc.want || !tc.atLeast && got != tc.want {
				t.Errorf("wrote %d records, want %d", got, tc.want)
			}
			if len(sum.Scenarios) != tc.scenarios {
				t.Errorf("%d scenarios in the ground truth, want %d", len(sum.Scenarios), tc.scenarios)
			}
		})
	}
}

func TestGroundTruth(t *testing.T) {
	fs, sum := full(t)
	var onDisk Summary
	if err := json.Unmarshal(fs.files[TruthFile].Bytes(), &onDisk); err != nil {
		t.Fatalf("scenarios.json: %v", err)
	}
	if len(onDisk.Scenarios) != len(scenarios) {
		t.Fatalf("scenarios.json lists %d scenarios, want %d", len(onDisk.Scenarios), len(scenarios))
	}
	for i, tr := range onDisk.Scenarios {
		if tr.Scenario != scenarios[i].name || tr.Technique == "" || !strings.HasPrefix(tr.Technique, "T1") {
			t.Errorf("scenario %d: %q technique %q", i, tr.Scenario, tr.Technique)
		}
		if tr.Events == 0 || tr.End.Before(tr.Start) || tr.Start.Before(sum.Start) || len(tr.Files) == 0 {
			t.Errorf("%s: events %d, %s..%s, files %v", tr.Scenario, tr.Events, tr.Start, tr.End, tr.Files)
		}
		if len(tr.Entities["host"]) == 0 {
			t.Errorf("%s: no host entity", tr.Scenario)
		}
	}
}

func findLines(fs *memFS, name string, subs ...string) []string {
	var out []string
	for _, l := range fs.lines(name) {
		ok := true
		for _, s := range subs {
			if !strings.Contains(l, s) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

func decode(t *testing.T, line string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	return m
}

// TestScenariosInOutput checks that each scenario's defining evidence is in the logs.
func TestScenariosInOutput(t *testing.T) {
	fs, _ := full(t)
	t.Run("ssh-bruteforce", func(t *testing.T) {
		fails := findLines(fs, AuthLog, "Failed password", "from "+bruteIP+" ")
		ok := findLines(fs, AuthLog, "Accepted password for deploy from "+bruteIP)
		if len(fails) < 150 || len(ok) != 1 {
			t.Errorf("%d failures and %d successes from %s", len(fails), len(ok), bruteIP)
		}
	})
	t.Run("password-spray", func(t *testing.T) {
		users := map[string]int{}
		for _, l := range findLines(fs, SecurityLog, `"EventID":4625`, `"IpAddress":"`+sprayIP+`"`) {
			users[decode(t, l)["TargetUserName"].(string)]++
		}
		if len(users) < 40 {
			t.Errorf("spray touched %d accounts", len(users))
		}
		for u, n := range users {
			if n > 2 {
				t.Errorf("%s tried %d times, a spray tries few", u, n)
			}
		}
		if len(findLines(fs, SecurityLog, `"EventID":4624`, `"IpAddress":"`+sprayIP+`"`)) != 1 {
			t.Error("the spray's one success is missing")
		}
	})
	t.Run("encoded-powershell", func(t *testing.T) {
		var cmds []string
		for _, l := range findLines(fs, SysmonLog, `"EventID":1,`, "-Enc ") {
			if c := decode(t, l)["CommandLine"].(string); strings.Contains(c, "-Enc ") {
				cmds = append(cmds, c)
			}
		}
		if len(cmds) != 1 {
			t.Fatalf("%d encoded PowerShell process creations", len(cmds))
		}
		cmd := cmds[0]
		raw, err := base64.StdEncoding.DecodeString(cmd[strings.LastIndex(cmd, " ")+1:])
		if err != nil || len(raw)%2 != 0 {
			t.Fatalf("bad -Enc payload: %v", err)
		}
		u := make([]uint16, len(raw)/2)
		for i := range u {
			u[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
		}
		if s := string(utf16.Decode(u)); !strings.Contains(s, "DownloadData") {
			t.Errorf("decoded command %q", s)
		}
	})
	t.Run("lsass-access", func(t *testing.T) {
		ls := findLines(fs, SysmonLog, `"EventID":10,`, `lsass.exe`, `"GrantedAccess":"0x1FFFFF"`)
		if len(ls) != 1 || !strings.Contains(ls[0], `rundll32.exe`) {
			t.Errorf("LSASS access records: %q", ls)
		}
	})
	t.Run("new-service", func(t *testing.T) {
		if len(findLines(fs, SystemLog, `"EventID":7045`, `"ServiceName":"WinSysUpd"`)) != 1 ||
			len(findLines(fs, SecurityLog, `"EventID":4697`, `"ServiceName":"WinSysUpd"`)) != 1 {
			t.Error("7045/4697 for WinSysUpd missing")
		}
	})
	t.Run("beaconing", func(t *testing.T) {
		var ts []time.Time
		for _, l := range findLines(fs, ConnLog, `"id.resp_h":"`+c2IP+`"`) {
			tm, err := time.Parse(time.RFC3339Nano, decode(t, l)["ts"].(string))
			if err != nil {
				t.Fatal(err)
			}
			ts = append(ts, tm)
		}
		if len(ts) < 100 {
			t.Fatalf("%d beacon connections", len(ts))
		}
		var sum, sq float64
		for i := 1; i < len(ts); i++ {
			d := ts[i].Sub(ts[i-1]).Seconds()
			sum += d
			sq += d * d
		}
		n := float64(len(ts) - 1)
		mean := sum / n
		sd := math.Sqrt(sq/n - mean*mean)
		if mean < 280 || mean > 320 || sd > 0.1*mean {
			t.Errorf("beacon interval mean %.1fs, sd %.1fs", mean, sd)
		}
	})
	t.Run("insider-exfil", func(t *testing.T) {
		insider := newWorld().users[insiderIndex].Name
		var up float64
		for _, l := range findLines(fs, ConnLog, `"id.resp_h":"`+exfilIP+`"`) {
			up += decode(t, l)["orig_bytes"].(float64)
		}
		copies := findLines(fs, SysmonLog, `"EventID":11,`, `Robocopy.exe`, insider)
		disabled := findLines(fs, SecurityLog, `"EventID":4725`, `"TargetUserName":"`+insider+`"`)
		if up < 1e9 || len(copies) < 200 || len(disabled) != 1 {
			t.Errorf("uploaded %.0f bytes, %d files copied, %d account disabled events", up, len(copies), len(disabled))
		}
	})
}

// TestScenarioIndependence: a scenario generated alone is the same as inside "all".
func TestScenarioIndependence(t *testing.T) {
	_, all := full(t)
	_, one := generateMem(t, Config{Events: 3000, Seed: 42, Scenarios: []string{"lsass-access", "beaconing"}})
	if len(one.Scenarios) != 2 || one.Scenarios[0].Scenario != "beaconing" {
		t.Fatalf("got %+v", one.Scenarios)
	}
	for _, s := range one.Scenarios {
		for _, a := range all.Scenarios {
			if a.Scenario == s.Scenario && (!a.Start.Equal(s.Start) || !a.End.Equal(s.End) || a.Events != s.Events) {
				t.Errorf("%s alone: %s..%s %d records; in all: %s..%s %d", s.Scenario, s.Start, s.End, s.Events, a.Start, a.End, a.Events)
			}
		}
	}
	if _, err := Run(context.Background(), Config{Events: 1, Scenarios: []string{"nope"}}, (&memFS{}).open); err == nil {
		t.Error("an unknown scenario was accepted")
	}
}

var (
	syslogRe = regexp.MustCompile(`^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9] [a-z0-9-]+ [A-Za-z-]+(\[[0-9]+\])?: .+$`)
	clfRe    = regexp.MustCompile(`^[0-9.]+ - \S+ \[[0-3][0-9]/[A-Z][a-z]{2}/20[0-9]{2}:[0-2][0-9]:[0-5][0-9]:[0-5][0-9] \+0000\] "(GET|POST) \S+ HTTP/1\.1" [1-5][0-9]{2} ([0-9]+|-) "[^"]*" "[^"]*"$`)
)

// TestFormats: every record has its format's shape and each file is in time order.
func TestFormats(t *testing.T) {
	fs, _ := full(t)
	timeKey := map[string]string{SecurityLog: "@timestamp", SysmonLog: "@timestamp", SystemLog: "@timestamp", ConnLog: "ts", DNSLog: "ts"}
	for _, name := range fs.names() {
		switch {
		case name == AuthLog:
			for i, l := range fs.lines(name) {
				if !syslogRe.MatchString(l) {
					t.Fatalf("%s:%d is not RFC 3164: %q", name, i+1, l)
				}
			}
		case name == AccessLog:
			for i, l := range fs.lines(name) {
				if !clfRe.MatchString(l) {
					t.Fatalf("%s:%d is not a combined log line: %q", name, i+1, l)
				}
			}
		case strings.HasPrefix(name, CloudTrailDir+"/"):
			var doc struct {
				Records []struct {
					EventTime   time.Time `json:"eventTime"`
					EventSource string    `json:"eventSource"`
					EventName   string    `json:"eventName"`
				}
			}
			if err := json.Unmarshal(fs.files[name].Bytes(), &doc); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for i, r := range doc.Records {
				if r.EventTime.IsZero() || r.EventSource == "" || r.EventName == "" {
					t.Fatalf("%s record %d lacks eventTime/eventSource/eventName", name, i)
				}
			}
		case timeKey[name] != "":
			var last time.Time
			for i, l := range fs.lines(name) {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("%s:%d: %v", name, i+1, err)
				}
				tm, err := time.Parse(time.RFC3339Nano, fmt.Sprint(m[timeKey[name]]))
				if err != nil {
					t.Fatalf("%s:%d: %v", name, i+1, err)
				}
				if tm.Before(last) {
					t.Fatalf("%s:%d goes back in time: %s after %s", name, i+1, tm, last)
				}
				last = tm
				if strings.HasPrefix(name, "windows/") {
					for _, k := range []string{"Channel", "EventID", "Hostname", "Message"} {
						if m[k] == nil {
							t.Fatalf("%s:%d has no %s", name, i+1, k)
						}
					}
				}
			}
		case name == TruthFile:
		default:
			t.Errorf("unexpected output %s", name)
		}
	}
}

// TestBoundedBuffers: the reorder buffers hold the in-flight activities and the attacks,
// not a share of the output, so their peak does not grow with the number of events.
func TestBoundedBuffers(t *testing.T) {
	peak := func(n int) int {
		var fs memFS
		g, err := newGen(Config{Events: n, Seed: 5}, fs.open)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return g.peakPending
	}
	small, large := peak(20000), peak(200000)
	if large > 2*small+5000 {
		t.Errorf("peak buffered records: %d for 20k events, %d for 200k", small, large)
	}
	t.Logf("peak buffered records: %d (20k events), %d (200k events)", small, large)
}

func TestJSONString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`plain`, `"plain"`},
		{"C:\\Windows\t\"x\"\r\n", `"C:\\Windows\t\"x\"\r\n"`},
		{"\x01\x7f", `"\u0001` + "\x7f" + `"`},
		{"caf\xc3\xa9 \xff", `"café \ufffd"`},
	} {
		got := string(appendJSONString(nil, tc.in))
		if got != tc.want {
			t.Errorf("appendJSONString(%q) = %s, want %s", tc.in, got, tc.want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("%s: %v", got, err)
		}
	}
}

// BenchmarkGenerate reports records/s and bytes/s writing to a discarding output.
func BenchmarkGenerate(b *testing.B) {
	const n = 200000
	var bytesOut int64
	for i := 0; i < b.N; i++ {
		cw := &countingDiscard{}
		if _, err := Run(context.Background(), Config{Events: n, Seed: uint64(i)}, func(string) (io.WriteCloser, error) { return cw, nil }); err != nil {
			b.Fatal(err)
		}
		bytesOut += cw.n
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(n*b.N)/s, "records/s")
	b.ReportMetric(float64(bytesOut)/s/1e6, "MB/s")
}

type countingDiscard struct{ n int64 }

func (c *countingDiscard) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
func (c *countingDiscard) Close() error                { return nil }

func TestGzipOpener(t *testing.T) {
	var plain, zipped memFS
	if _, err := Run(context.Background(), Config{Events: 3000, Seed: 9}, plain.open); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), Config{Events: 3000, Seed: 9}, GzipOpener(zipped.open)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain.files[TruthFile].Bytes(), zipped.files[TruthFile].Bytes()) {
		t.Error("the ground truth differs or was compressed")
	}
	for _, n := range plain.names() {
		if n == TruthFile {
			continue
		}
		zb, ok := zipped.files[n+".gz"]
		if !ok {
			t.Errorf("%s.gz missing", n)
			continue
		}
		zr, err := gzip.NewReader(zb)
		if err != nil {
			t.Fatalf("%s.gz: %v", n, err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, plain.files[n].Bytes()) {
			t.Errorf("%s.gz does not decompress to %s (%v)", n, n, err)
		}
	}
}

type failingFile struct{}

func (failingFile) Write(p []byte) (int, error) { return 0, errors.New("disk full") }
func (failingFile) Close() error                { return nil }

func TestOutputErrors(t *testing.T) {
	var fs memFS
	_, err := Run(context.Background(), Config{Events: 5000, Seed: 1}, func(name string) (io.WriteCloser, error) {
		if name == DNSLog {
			return nil, errors.New("permission denied")
		}
		return fs.open(name)
	})
	if err == nil || !strings.Contains(err.Error(), DNSLog) {
		t.Errorf("an output that cannot be created gave %v", err)
	}
	_, err = Run(context.Background(), Config{Events: 5000, Seed: 1}, func(name string) (io.WriteCloser, error) { return failingFile{}, nil })
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("a failing write gave %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Config{Events: 50000, Seed: 1}, fs.open); err == nil {
		t.Error("a cancelled context did not stop the run")
	}
}

// TestDemoIsCurrent: the committed demo/generated is what the documented command writes, the
// logs, the ground truth and the context files (logs compared decompressed, so that a
// different gzip implementation does not matter).
func TestDemoIsCurrent(t *testing.T) {
	dir := filepath.Join(testutil.RepoRoot(t), "demo", "generated")
	regen := "regenerate it: go run . generate --events 30000 --seed 1 --syslog-time rfc3339 --gzip --out demo/generated (after rm -r demo/generated)"
	// demo/generated is committed: its absence is a failure, not a reason to skip.
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("%v; %s", err, regen)
	}
	fs, sum := generateMem(t, Config{Events: 30000, Seed: 1, SyslogTime: "rfc3339"})
	if err := WriteContext(fs.open, sum); err != nil { // as trawl generate does
		t.Fatal(err)
	}
	plain := map[string]bool{TruthFile: true, AssetsFile: true, IdentitiesFile: true} // not compressed
	for _, name := range fs.names() {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if !plain[name] {
			path += ".gz"
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v; %s", err, regen)
		}
		if !plain[name] {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if raw, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		if !bytes.Equal(raw, fs.files[name].Bytes()) {
			t.Errorf("%s is not what the generator writes now; %s", path, regen)
		}
	}
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	if n != len(fs.files) {
		t.Errorf("demo/generated holds %d files, the generator writes %d; %s", n, len(fs.files), regen)
	}
}

// FuzzAppendJSONString: whatever the text, the literal is valid JSON and decodes back to the
// text (invalid UTF-8 bytes become U+FFFD, as encoding/json does).
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "C:\\Windows\t\"x\"\r\n", "\x01\x7f", "caf\xc3\xa9 \xff", "\u2028</script>", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lit := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(lit, &back); err != nil {
			t.Fatalf("%q gave invalid JSON %s: %v", s, lit, err)
		}
		want, _ := json.Marshal(s)
		var wantBack string
		json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Fatalf("%q round-trips to %q, encoding/json gives %q", s, back, wantBack)
		}
	})
}
