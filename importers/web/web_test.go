package web

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trawl/importers"
	"trawl/importers/importertest"
	"trawl/internal/testutil"
)

var goldenFiles = []string{"access.log"}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, name := range goldenFiles {
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
	if f, ok := importers.Lookup("web"); !ok || f.Name() != "web" {
		t.Fatal("web is not registered")
	}
}

// parseTests are single lines: the fields they must give (a subset), or the reject reason.
var parseTests = []struct {
	name    string
	line    string
	want    map[string]string
	wantErr string
}{
	{"common", `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`,
		map[string]string{"remote_ip": "127.0.0.1", "authuser": "frank", "method": "GET", "url": "/apache_pb.gif", "protocol": "HTTP/1.0", "status": "200", "bytes": "2326"}, ""},
	{"vhost", `www.example.com:443 203.0.113.5 - - [05/Mar/2024:10:15:02 +0000] "POST /x HTTP/1.1" 403 199 "-" "ua"`,
		map[string]string{"vhost_name": "www.example.com", "vhost_port": "443", "remote_ip": "203.0.113.5", "referer": "-", "user_agent": "ua"}, ""},
	{"vhost ipv6", `[2001:db8::2]:8443 10.0.0.1 - - [05/Mar/2024:10:15:02 +0000] "GET / HTTP/1.1" 200 1`,
		map[string]string{"vhost_name": "2001:db8::2", "vhost_port": "8443"}, ""},
	{"request time", `1.2.3.4 - - [05/Mar/2024:10:15:02 +0000] "GET / HTTP/1.1" 200 1 "r" "u" 0.004 "xff" junk`,
		map[string]string{"request_time": "0.004", "quoted_3": "xff", "extra_1": "junk"}, ""},
	{"quote inside request", `1.2.3.4 - - [05/Mar/2024:10:15:02 +0000] "GET /a?x="><b> HTTP/1.1" 404 9`,
		map[string]string{"url": `/a?x="><b>`, "status": "404"}, ""},
	{"status-like text inside request", `1.2.3.4 - - [05/Mar/2024:10:15:02 +0000] "GET /a" 200 b HTTP/1.1" 404 9`,
		map[string]string{"url": `/a`, "status": "200"}, "field bytes"},
	{"garbage request", "1.2.3.4 - - [05/Mar/2024:10:15:02 +0000] \"\x16\x03\x01 \xff\" 400 -",
		map[string]string{"request_malformed": "true", "request": "\x16\x03\x01 \xff", "status": "400"}, ""},
	{"no request", `1.2.3.4 - - [05/Mar/2024:10:15:02 +0000] "-" 408 -`, map[string]string{"request": "-"}, ""},
	{"escaped quote in agent", `1.2.3.4 - - [05/Mar/2024:10:15:02 +0000] "GET / HTTP/1.1" 200 1 "-" "a \"b\" c"`,
		map[string]string{"user_agent": `a "b" c`}, ""},
	{"syslog", `Mar  5 10:15:15 web01 sshd[4242]: Accepted password`, nil, "no [time]"},
	{"bad time", `1.2.3.4 - - [nope] "GET / HTTP/1.1" 200 1`, nil, "field time"},
	{"unclosed time", `1.2.3.4 - - [05/Mar/2024:10:15:02 +0000 "GET / HTTP/1.1" 200 1`, nil, "not closed"},
	{"no status", `1.2.3.4 - - [05/Mar/2024:10:15:02 +0000] "GET / HTTP/1.1"`, nil, "no closing quote"},
	{"too few before time", `1.2.3.4 - [05/Mar/2024:10:15:02 +0000] "GET / HTTP/1.1" 200 1`, nil, "want client"},
	{"empty", ``, nil, "no [time]"},
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

func TestSniff(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		head string
		want int
	}{
		{"testdata head", string(data[:bytes.Index(data, []byte("\n192.0.2.44"))+1]), 80},
		{"whole testdata (3 rejects in the first 20 lines)", string(data), 80},
		{"mostly not web", parseTests[0].line + "\nx\ny\nz\n", 0},
		{"one line no newline", parseTests[0].line, 80},
		{"syslog", "Mar  5 10:15:15 web01 sshd[4242]: x\n", 0},
		{"json", `{"a":1}` + "\n", 0},
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

// TestSample reads the Tomcat attack log: every request must import, including the TLS
// handshake and the XSS probes, and the webshell use must be there.
func TestSample(t *testing.T) {
	t.Parallel()
	path := testutil.Sample(t, "web/tomcat_web_attack_and_webshell_access_log.txt")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := (Format{}).Sniff(data[:min(len(data), importers.SniffSize)]); got != 80 {
		t.Errorf("Sniff = %d", got)
	}
	res := importertest.ReadBytes(t, Format{}, path, data)
	if res.Err != nil || len(res.Rejects) > 0 {
		t.Fatalf("err %v, rejects %v", res.Err, res.Rejects)
	}
	if len(res.Events) != 2661 {
		t.Errorf("%d events, want 2661", len(res.Events))
	}
	shell, notFound, malformed := 0, 0, 0
	for _, ev := range res.Events {
		if ev.SrcIP == "192.168.105.76" && strings.HasPrefix(ev.URL, "/error/cmd.jsp") {
			shell++
		}
		if ev.HTTPStatus.V == 404 {
			notFound++
		}
		if ev.Fields["request_malformed"] == "true" {
			malformed++
		}
		if ev.Time.IsZero() || ev.SrcIP == "" || ev.Outcome == "" {
			t.Fatalf("incomplete event: %+v", ev)
		}
	}
	if shell != 21 {
		t.Errorf("%d webshell requests, want 21", shell)
	}
	if notFound != 1484 {
		t.Errorf("%d 404s, want 1484", notFound)
	}
	if malformed == 0 {
		t.Error("no malformed request: the TLS handshake line was not recognised")
	}
}

func TestHostile(t *testing.T) {
	t.Parallel()
	good := parseTests[0].line + "\n"
	tests := []importertest.HostileCase{
		{Name: "10 MB URL imports", In: `1.2.3.4 - - [05/Mar/2024:10:15:02 +0000] "GET /` + strings.Repeat("A", 10<<20) + ` HTTP/1.1" 200 1` + "\n" + good, Events: 2, Rejects: 0},
		{Name: "overlong line", In: strings.Repeat("B", importers.MaxLine+1) + "\n" + good, Events: 1, Rejects: 1},
		{Name: "binary", In: "\x00\x01\x02\xff\xfe\n\x7fELF\n" + good, Events: 1, Rejects: 2},
		{Name: "many quotes", In: `1.2.3.4 - - [05/Mar/2024:10:15:02 +0000] "` + strings.Repeat(`" `, 1<<20) + "\n", Events: 0, Rejects: 1},
		{Name: "many brackets", In: strings.Repeat(" [", 1<<20) + "\n", Events: 0, Rejects: 1},
	}
	importertest.Hostile(t, Format{}, tests)
}

// FuzzParseLine checks that no line crashes the parser, that every line becomes an event or
// a reject, and that an imported line keeps its raw text.
func FuzzParseLine(f *testing.F) {
	for _, tc := range parseTests {
		f.Add([]byte(tc.line))
	}
	importertest.SeedLines(f, filepath.Join("testdata", "access.log"))
	f.Fuzz(func(t *testing.T, line []byte) {
		if bytes.ContainsAny(line, "\r\n") {
			return
		}
		ev, err := toEvent(line)
		if err != nil {
			return
		}
		if ev.Raw != string(line) || ev.SourceType != "web" {
			t.Fatalf("raw %q, source %q", ev.Raw, ev.SourceType)
		}
	})
}
