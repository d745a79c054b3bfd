package sigma

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"trawl/dsl"
	"trawl/engine"
)

// sec writes an event of the Windows Security channel (JSON form of a rule test event).
func sec(code string, eventData string) string {
	return fmt.Sprintf(`'{"dataset": "Security", "event_code": "%s", "fields": {"EventData": {%s}}}'`, code, eventData)
}

// proc writes a process start of Sysmon with its image and the ComputerName and User fields.
func proc(image, host, user string) string {
	return fmt.Sprintf(`'{"category": "process", "action": "process-start", "process_path": "C:\\\\Windows\\\\System32\\\\%s", "command_line": "%s user", "fields": {"EventData": {"ComputerName": "%s", "User": "%s"}}}'`, image, image, host, user)
}

// many writes n events made by f(i).
func many(n int, f func(i int) string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("event " + f(i) + "\n")
	}
	return b.String()
}

// correlationRuns run compiled correlation rules over small hand-made event sets; expect is the
// number of matches (alerts: one per stats row or completed sequence). Events without a time
// come one second apart from 2026-01-01T00:00:00Z, the start of every window.
var correlationRuns = []struct {
	rule   string
	name   string
	expect int
	events string
}{
	{"spec_event_count", "100 failures on one computer", 1, "event repeat 100 " + sec("4625", `"ComputerName": "WS1"`)},
	{"spec_event_count", "99 are not enough", 0, "event repeat 99 " + sec("4625", `"ComputerName": "WS1"`)},
	{"spec_event_count", "100 on each of two computers", 2, "event repeat 100 " + sec("4625", `"ComputerName": "WS1"`) + "\nevent repeat 100 " + sec("4625", `"ComputerName": "WS2"`)},
	{"spec_event_count", "successes do not count", 0, "event repeat 100 " + sec("4624", `"ComputerName": "WS1"`)},
	{"spec_event_count", "100 without a computer name", 0, "event repeat 100 " + sec("4625", `"TargetUserName": "x"`)},
	{"spec_value_count", "100 users from one workstation", 1, many(100, func(i int) string {
		return sec("4625", fmt.Sprintf(`"ComputerName": "DC1", "WorkstationName": "WKS7", "User": "user%d"`, i))
	})},
	{"spec_value_count", "99 users, one of them twice", 0, many(100, func(i int) string {
		return sec("4625", fmt.Sprintf(`"ComputerName": "DC1", "WorkstationName": "WKS7", "User": "user%d"`, i%99))
	})},
	{"spec_value_count", "100 users, two workstations", 0, many(100, func(i int) string {
		return sec("4625", fmt.Sprintf(`"ComputerName": "DC1", "WorkstationName": "WKS%d", "User": "user%d"`, i%2, i))
	})},
	{"spec_temporal", "three commands", 1, "event " + proc("whoami.exe", "WS1", "bob") + "\nevent " + proc("ipconfig.exe", "WS1", "bob") + "\nevent " + proc("net.exe", "WS1", "bob")},
	{"spec_temporal", "three commands in another order", 1, "event " + proc("net1.exe", "WS1", "bob") + "\nevent " + proc("whoami.exe", "WS1", "bob") + "\nevent " + proc("ipconfig.exe", "WS1", "bob")},
	{"spec_temporal", "two of three", 0, "event " + proc("whoami.exe", "WS1", "bob") + "\nevent " + proc("ipconfig.exe", "WS1", "bob") + "\nevent " + proc("ipconfig.exe", "WS1", "bob")},
	{"spec_temporal", "three users", 0, "event " + proc("whoami.exe", "WS1", "bob") + "\nevent " + proc("ipconfig.exe", "WS1", "ann") + "\nevent " + proc("net.exe", "WS1", "eve")},
	{"spec_temporal_ordered", "in order", 1, "event " + proc("whoami.exe", "WS1", "bob") + "\nevent " + proc("ipconfig.exe", "WS1", "bob") + "\nevent " + proc("net.exe", "WS1", "bob")},
	{"spec_temporal_ordered", "out of order", 0, "event " + proc("net1.exe", "WS1", "bob") + "\nevent " + proc("whoami.exe", "WS1", "bob") + "\nevent " + proc("ipconfig.exe", "WS1", "bob")},
	{"spec_temporal_ordered", "too slow", 0, "event " + proc("whoami.exe", "WS1", "bob") + "\nevent " + proc("ipconfig.exe", "WS1", "bob") +
		"\nevent " + strings.Replace(proc("net.exe", "WS1", "bob"), `{"category"`, `{"time": "2026-01-01T00:05:30Z", "category"`, 1)},
	{"spec_failed_logins_then_success", "ten failures then a success", 1, "event repeat 10 every 10s " + sec("4625", `"User": "bob"`) + "\nevent " + sec("4624", `"User": "bob"`)},
	{"spec_failed_logins_then_success", "nine failures then a success", 0, "event repeat 9 every 10s " + sec("4625", `"User": "bob"`) + "\nevent " + sec("4624", `"User": "bob"`)},
	{"spec_failed_logins_then_success", "the success first", 0, "event " + sec("4624", `"User": "bob"`) + "\nevent repeat 10 " + sec("4625", `"User": "bob"`)},
	{"spec_failed_logins_then_success", "another user succeeds", 0, "event repeat 10 " + sec("4625", `"User": "bob"`) + "\nevent " + sec("4624", `"User": "ann"`)},
	{"spec_value_sum", "two large posts", 1, `event repeat 2 '{"dataset": "zeek.http", "http_method": "POST", "fields": {"SourceIP": "10.0.0.5", "User": "bob", "bytes_sent": 600000}}'`},
	{"spec_value_sum", "one large post", 0, `event '{"dataset": "zeek.http", "http_method": "POST", "fields": {"SourceIP": "10.0.0.5", "User": "bob", "bytes_sent": 600000}}'`},
	{"spec_value_avg", "average 600", 1, `event '{"category": "network", "event_code": "3", "src_ip": "10.0.0.5", "fields": {"EventData": {"Initiated": "true", "User": "bob", "BytesOut": "400"}}}'
event '{"category": "network", "event_code": "3", "src_ip": "10.0.0.5", "fields": {"EventData": {"Initiated": "true", "User": "bob", "BytesOut": "800"}}}'`},
	{"spec_value_avg", "average 450", 0, `event '{"category": "network", "event_code": "3", "src_ip": "10.0.0.5", "fields": {"EventData": {"Initiated": "true", "User": "bob", "BytesOut": "400"}}}'
event '{"category": "network", "event_code": "3", "src_ip": "10.0.0.5", "fields": {"EventData": {"Initiated": "true", "User": "bob", "BytesOut": "500"}}}'`},
	// 19 connections of 100 bytes and one of 100000: the 95th percentile (interpolated) is 5095.
	{"value_percentile_pysigma", "one large connection in twenty", 1, `event repeat 19 '{"category": "network", "event_code": "3", "src_ip": "10.0.0.5", "fields": {"EventData": {"Initiated": "true", "SentBytes": "100"}}}'
event '{"category": "network", "event_code": "3", "src_ip": "10.0.0.5", "fields": {"EventData": {"Initiated": "true", "SentBytes": "100000"}}}'`},
	// With 10000 instead, it is 595.
	{"value_percentile_pysigma", "one middling connection in twenty", 0, `event repeat 19 '{"category": "network", "event_code": "3", "src_ip": "10.0.0.5", "fields": {"EventData": {"Initiated": "true", "SentBytes": "100"}}}'
event '{"category": "network", "event_code": "3", "src_ip": "10.0.0.5", "fields": {"EventData": {"Initiated": "true", "SentBytes": "10000"}}}'`},
	{"spec_aliases", "an error, then a connection back", 1, `event { dataset = "zeek.http", http_status = 500, src_ip = 10.0.0.9, dst_ip = 10.0.0.5 }
event '{"category": "network", "event_code": "3", "src_ip": "10.0.0.5", "dst_ip": "10.0.0.9", "fields": {"EventData": {"Initiated": "true"}}}'`},
	{"spec_aliases", "a connection the other way", 0, `event { dataset = "zeek.http", http_status = 500, src_ip = 10.0.0.9, dst_ip = 10.0.0.5 }
event '{"category": "network", "event_code": "3", "src_ip": "10.0.0.9", "dst_ip": "10.0.0.5", "fields": {"EventData": {"Initiated": "true"}}}'`},
	{"event_count_two_sources", "three Windows and two SSH failures", 1, "event repeat 3 " + sec("4625", `"IpAddress": "203.0.113.5"`) +
		"\nevent repeat 2 { source_type = syslog, dataset = sshd, src_ip = 203.0.113.5, raw = \"Failed password for root from 203.0.113.5 port 4242 ssh2\" }"},
	{"event_count_two_sources", "four in all", 0, "event repeat 2 " + sec("4625", `"IpAddress": "203.0.113.5"`) +
		"\nevent repeat 2 { source_type = syslog, dataset = sshd, src_ip = 203.0.113.5, raw = \"Failed password for root from 203.0.113.5 port 4242 ssh2\" }"},
	{"sep_brute_force", "three failures for one account", 1, "event repeat 3 " + sec("4625", `"TargetUserName": "bob"`)},
}

func TestCorrelationRuns(t *testing.T) {
	t.Parallel()
	byName := map[string]Result{}
	for _, r := range ConvertAll(correlationFiles(t), Options{}) {
		byName[r.Name] = r
	}
	for _, tc := range correlationRuns {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			res, ok := byName[tc.rule]
			if !ok || res.Checked == nil {
				t.Fatalf("rule %s did not compile: %s %q", tc.rule, res.Outcome, res.Reasons)
			}
			text := strings.TrimSuffix(strings.TrimRight(res.Text, "\n"), "}") + fmt.Sprintf("  test %s {\n    expect %d\n%s\n  }\n}\n", dsl.Quote(tc.name), tc.expect, tc.events)
			rules, err := dsl.ParseRules(tc.rule, text)
			if err != nil {
				t.Fatalf("%s\n%s", dsl.FormatError(text, err), text)
			}
			cr, _, err := dsl.CheckRule(rules[0], catalogue, nil, dsl.Options{})
			if err != nil {
				t.Fatalf("%s", dsl.FormatError(text, err))
			}
			got := runCorrelationTest(t, cr)
			if got != tc.expect {
				t.Errorf("%d matches, want %d\n%s", got, tc.expect, res.Text)
			}
		})
	}
}

// runCorrelationTest stores a rule's test events in a fresh store and counts its alerts.
func runCorrelationTest(t *testing.T, cr *dsl.CheckedRule) int {
	t.Helper()
	ctx := t.Context()
	st, err := engine.Open(ctx, ":memory:", engine.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs := cr.Tests[0].Events
	for i := range evs {
		// Rule test events are all of source type "test"; a source_type key (which becomes a
		// source field; repeated events share their fields) sets it here, for rules of syslog
		// services.
		if v, ok := evs[i].Fields["source_type"].(string); ok {
			evs[i].SourceType = v
		}
	}
	if err := st.InsertEvents(ctx, "test", evs); err != nil {
		t.Fatal(err)
	}
	run, err := st.StartHunt(ctx, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.RunRule(ctx, run, engine.AlertRule{Name: cr.Name.Name, Title: cr.Title, Severity: cr.Severity.String(),
		SQL: cr.Compiled.EvidenceSQL, Args: cr.Compiled.Args, EventRows: cr.Compiled.EventRows})
	if err != nil {
		t.Fatal(err)
	}
	return res.Alerts
}
