package engine

import (
	"fmt"
	"strings"
	"testing"

	"trawl/event"
	_ "trawl/importers/all"
	"trawl/internal/testutil"
)

// sessionLines is each session of the store as "kind key user events closed: the lines of its
// events in the inserted file".
func sessionLines(t *testing.T, st *Store) []string {
	t.Helper()
	var out []string
	err := st.Sessions(t.Context(), SessionFilter{}, func(se Session) error {
		var lines []string
		err := st.SessionEvents(t.Context(), se.ID, func(cols []string, row []any) error {
			id := row[0].(int64)
			tb, err := st.Query(t.Context(), `SELECT line FROM events WHERE id = ?`, id)
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("%v:%v", tb.Rows[0][0], row[len(row)-1]))
			return nil
		})
		out = append(out, fmt.Sprintf("%s %s %s %d %v: %s", se.Kind, se.Key, se.User, se.Events, se.Closed, strings.Join(lines, " ")))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSessionsHandMade: known sessions of each kind from small inputs.
func TestSessionsHandMade(t *testing.T) {
	win := func(tm, code, logonID, user string) event.Event {
		cat := "process"
		if code == "4624" || code == "4634" || code == "4672" || code == "4647" {
			cat = "logon"
		}
		return event.Event{Time: at(tm), SourceType: "evtx", Category: cat, EventCode: code, Outcome: "success", Host: "WS1.corp", User: user, SessionID: logonID}
	}
	ssh := func(tm, action, outcome, pid string) event.Event {
		return event.Event{Time: at(tm), SourceType: "syslog", Category: "logon", Action: action, Outcome: outcome, Host: "bastion", ProcessName: "sshd", SessionID: pid, User: "bob"}
	}
	cloud := func(tm, code, key, ip string) event.Event {
		return event.Event{Time: at(tm), SourceType: "cloudtrail", Category: "cloud", EventCode: code, SessionID: key, SrcIP: ip, User: "carol"}
	}
	evs := []event.Event{
		/* 1 */ win("2024-03-04T09:00:00Z", "4688", "0x1a2b", "alice"), // before the logon: no session
		/* 2 */ win("2024-03-04T09:01:00Z", "4624", "0x1a2b", "alice"),
		/* 3 */ win("2024-03-04T09:01:00Z", "4672", "0x1A2B", "alice"), // same logon id in capitals
		/* 4 */ win("2024-03-04T09:05:00Z", "4688", "0x1a2b", "alice"),
		/* 5 */ {Time: at("2024-03-04T09:06:00Z"), SourceType: "evtx", Category: "file", EventCode: "5145", Action: "share-object-access", Host: "WS1.corp", SessionID: "0x1a2b", BytesOut: event.IntOf(4096)},
		/* 6 */ win("2024-03-04T09:10:00Z", "4634", "0x1a2b", "alice"),
		/* 7 */ win("2024-03-04T09:11:00Z", "4688", "0x1a2b", "alice"), // after the logoff: none
		/* 8 */ win("2024-03-04T09:12:00Z", "4688", "0x3e7", "SYSTEM"), // SYSTEM's logon id: none
		/* 9 */ win("2024-03-04T09:13:00Z", "4624", "0x1a2b", "alice"), // the id used again: a new session, never closed
		/* 10 */ ssh("2024-03-04T10:00:00Z", "logon", "failure", "100"), // a failed attempt before Accepted: none
		/* 11 */ ssh("2024-03-04T10:00:05Z", "logon", "success", "100"),
		/* 12 */ ssh("2024-03-04T10:00:05Z", "session-open", "success", "100"),
		/* 13 */ ssh("2024-03-04T10:30:00Z", "session-close", "success", "100"),
		/* 14 */ ssh("2024-03-04T10:00:06Z", "logon", "success", "101"), // another connection
		/* 15 */ cloud("2024-03-04T11:00:00Z", "ListBuckets", "AKIA1", "198.51.100.1"),
		/* 16 */ cloud("2024-03-04T11:10:00Z", "GetObject", "AKIA1", "198.51.100.1"),
		/* 17 */ cloud("2024-03-04T11:39:00Z", "GetObject", "AKIA1", "198.51.100.1"), // 29 minutes later: same session
		/* 18 */ cloud("2024-03-04T12:30:00Z", "ListBuckets", "AKIA1", "198.51.100.1"), // 51 minutes later: a new one
		/* 19 */ cloud("2024-03-04T11:05:00Z", "ListBuckets", "AKIA1", "203.0.113.9"), // same key elsewhere: its own
	}
	st, _ := openTemp(t)
	if err := st.InsertEvents(t.Context(), "hand", evs); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateFeatures(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := sessionLines(t, st)
	want := []string{
		"windows 0x1a2b alice 5 true: 2:authentication 3:authentication 4:activity 5:data transfer 6:authentication",
		"windows 0x1a2b alice 1 false: 9:authentication",
		"ssh 100 bob 3 true: 11:authentication 12:authentication 13:authentication",
		"ssh 101 bob 1 false: 14:authentication",
		"cloud AKIA1 carol 3 false: 15:activity 16:data transfer 17:data transfer",
		"cloud AKIA1 carol 1 false: 19:activity",
		"cloud AKIA1 carol 1 false: 18:activity",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sessions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// SessionOf: an activity event finds its logon; events outside sessions find none.
	for line, wantStart := range map[int]int{4: 2, 5: 2, 12: 11, 17: 15, 1: 0, 7: 0, 8: 0, 10: 0} {
		var id int64
		if err := st.db.QueryRowContext(t.Context(), `SELECT id FROM events WHERE line = ?`, line).Scan(&id); err != nil {
			t.Fatal(err)
		}
		se, err := st.SessionOf(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		var gotStart int
		if se != nil {
			if err := st.db.QueryRowContext(t.Context(), `SELECT line FROM events WHERE id = ?`, se.ID).Scan(&gotStart); err != nil {
				t.Fatal(err)
			}
		}
		if gotStart != wantStart {
			t.Errorf("SessionOf(line %d) starts at line %d, want %d", line, gotStart, wantStart)
		}
	}
	var n int64
	if err := st.Sessions(t.Context(), SessionFilter{Entity: event.EntityUser, Value: "ALICE"}, func(Session) error { n++; return nil }); err != nil || n != 2 {
		t.Errorf("sessions of user alice: %d, %v", n, err)
	}

	// An alert on the share access (line 5) and the S3 read (line 17) shows both sessions.
	if _, err := st.db.ExecContext(t.Context(), `INSERT INTO alerts (id, run_id, rule, title, severity, confidence, attack, entities, evidence, sources, created_at)
		SELECT 1, 1, 'r', 't', 'high', 1, [], '{}', list(id ORDER BY id), [], now() FROM events WHERE line IN (5, 17, 8)`); err != nil {
		t.Fatal(err)
	}
	ss, err := st.AlertSessions(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var got2 []string
	for _, se := range ss {
		got2 = append(got2, se.Kind+" "+se.Key)
	}
	if strings.Join(got2, ", ") != "windows 0x1a2b, cloud AKIA1" {
		t.Errorf("alert sessions: %v", got2)
	}
}

// TestSessionsSamples: sessions and features on real logs.
func TestSessionsSamples(t *testing.T) {
	atsvc := testutil.Sample(t, "evtx-attack/Lateral Movement/LM_ScheduledTask_ATSVC_target_host.evtx")
	msf := testutil.Sample(t, "evtx-attack/Lateral Movement/LM_sysmon_psexec_smb_meterpreter.evtx")
	trail := testutil.Sample(t, "cloudtrail/invictus-stratus/218007301253_CloudTrail_us-east-1_20230710T1205Z_1dM7GQM67kudSyGD.json")
	st, _ := openTemp(t)
	for _, r := range st.ImportFiles(t.Context(), []string{atsvc, msf, trail}, ImportOptions{}) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	// The remote task's Administrator logon (0x17e2c0) holds its share accesses: 4672, 4624,
	// then the 5140/5145 of the ATSVC pipe and the task file.
	tb, err := st.Query(t.Context(), `SELECT kind, key, "user", events FROM sessions WHERE kind = 'windows' AND key = '0x000000000017e2c0'`)
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != 1 || tb.Rows[0][2] != "Administrator" || tb.Rows[0][3] != int64(11) {
		t.Errorf("ATSVC logon session: %v", tb.Rows)
	}
	tb, err = st.Query(t.Context(), `SELECT count(*), count(DISTINCT key) FROM sessions WHERE kind = 'cloud'`)
	if err != nil {
		t.Fatal(err)
	}
	if tb.Rows[0][0].(int64) == 0 {
		t.Errorf("no cloud sessions from %s", trail)
	}
	// The meterpreter stager's FromBase64String payload is gzip: decoded to its PowerShell.
	tb, err = st.Query(t.Context(), `SELECT count(*), count(decoded_command), max(decoded_command) FROM events_features WHERE encoded_ps`)
	if err != nil {
		t.Fatal(err)
	}
	if n := tb.Rows[0][0].(int64); n == 0 || tb.Rows[0][1].(int64) != n {
		t.Errorf("encoded PowerShell in the meterpreter sample: %d, %d decoded", n, tb.Rows[0][1])
	} else if s := tb.Rows[0][2].(string); !strings.Contains(s, "VirtualAlloc") && !strings.Contains(s, "function") {
		t.Errorf("decoded stager does not look like PowerShell:\n%.300s", s)
	}
}

// TestSessionsIncremental: a logoff in a later import closes the session an earlier import
// opened; sessions the new events do not touch stay as they were; a rebuild agrees.
func TestSessionsIncremental(t *testing.T) {
	win := func(tm, code, host, logonID string) event.Event {
		return event.Event{Time: at(tm), SourceType: "evtx", Category: "logon", EventCode: code, Outcome: "success", Host: host, User: "alice", SessionID: logonID}
	}
	st, _ := openTemp(t)
	steps := [][]event.Event{
		{win("2024-03-04T09:00:00Z", "4624", "ws1", "0x10"), win("2024-03-04T09:05:00Z", "4688", "ws1", "0x10"),
			win("2024-03-04T09:00:00Z", "4624", "ws2", "0x10"), win("2024-03-04T09:30:00Z", "4634", "ws2", "0x10")},
		{win("2024-03-04T09:10:00Z", "4688", "ws1", "0x10"), win("2024-03-04T09:20:00Z", "4634", "ws1", "0x10"),
			win("2024-03-04T09:25:00Z", "4688", "ws1", "0x10")},
	}
	want := []string{
		"ws1 2 false; ws2 2 true",
		"ws1 4 true; ws2 2 true",
	}
	list := func() string {
		var out []string
		st.Sessions(t.Context(), SessionFilter{}, func(se Session) error {
			out = append(out, fmt.Sprintf("%s %d %v", se.Host, se.Events, se.Closed))
			return nil
		})
		return strings.Join(out, "; ")
	}
	for i, evs := range steps {
		if err := st.InsertEvents(t.Context(), fmt.Sprint("part", i), evs); err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateFeatures(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := list(); got != want[i] {
			t.Errorf("after part %d: %s, want %s", i, got, want[i])
		}
	}
	if _, err := st.RebuildFeatures(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := list(); got != want[1] {
		t.Errorf("after rebuild: %s, want %s", got, want[1])
	}
	var links int64
	if err := st.db.QueryRowContext(t.Context(), `SELECT count(*) FROM session_events`).Scan(&links); err != nil || links != 6 {
		t.Errorf("session_events: %d, %v; want 6", links, err)
	}
}

// TestSessionsSameInEveryForm: the ATSVC lateral movement sample gives the same logon sessions
// read from EVTX and from its JSON-lines export, and the CloudTrail file its key sessions.
func TestSessionsSameInEveryForm(t *testing.T) {
	atsvc := []string{
		"windows 0x000000000017e29a ANONYMOUS LOGON 10.0.2.17 1 false",
		"windows 0x000000000017e2aa Administrator 10.0.2.17 2 false",
		"windows 0x000000000017e2c0 Administrator 10.0.2.17 11 false",
		"windows 0x000000000017e2d2 Administrator  4 false",
		"windows 0x0000000000184212 WIN-77LTAPHIQ1R$ ::1 2 false",
		"windows 0x000000000018423d WIN-77LTAPHIQ1R$ fe80::79bf:8ee2:433c:2567 2 false",
	}
	cases := []struct {
		name, sample string
		want         []string
	}{
		{"evtx", "evtx-attack/Lateral Movement/LM_ScheduledTask_ATSVC_target_host.evtx", atsvc},
		{"jsonl", "evtx-jsonl/evtx-attack/Lateral Movement/LM_ScheduledTask_ATSVC_target_host.evtx.jsonl", atsvc},
		{"cloudtrail", "cloudtrail/invictus-stratus/218007301253_CloudTrail_us-east-1_20230710T1205Z_1dM7GQM67kudSyGD.json", []string{
			"cloud AKIATFQR7NSC8Q4X20BJ bert-jan 192.168.10.20 11 false",
			"cloud ASIATFQR7NSC4EYJSF6N bert-jan  1 false",
			"cloud ASIATFQR7NSCY3B4ATOG bert-jan  1 false",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := testutil.Sample(t, tc.sample)
			st, _ := openTemp(t)
			if r := st.ImportFiles(t.Context(), []string{path}, ImportOptions{}); r[0].Err != nil {
				t.Fatal(r[0].Err)
			}
			var got []string
			err := st.Sessions(t.Context(), SessionFilter{}, func(se Session) error {
				got = append(got, fmt.Sprintf("%s %s %s %s %d %v", se.Kind, se.Key, se.User, se.SrcIP, se.Events, se.Closed))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("sessions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
