package engine

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"trawl/dsl"
	"trawl/event"
)

// alertStore holds hand-built events in two pseudo-files: auth.log (ids 1-8) and sec.json
// (ids 9-11).
func alertStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), ":memory:", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	at := func(hhmm string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04", "2026-03-02 "+hhmm)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	logon := func(tm, user, ip, outcome, host string) event.Event {
		return event.Event{Time: at(tm), Category: "logon", User: user, SrcIP: ip, Outcome: outcome, Host: host, ProcessName: "sshd"}
	}
	auth := []event.Event{
		logon("10:00", "root", "203.0.113.5", "failure", "bastion"), // 1
		logon("10:01", "admin", "203.0.113.5", "failure", "bastion"),
		logon("10:02", "oracle", "203.0.113.5", "failure", "bastion"),
		logon("10:03", "deploy", "203.0.113.5", "success", "bastion"), // 4
		logon("10:30", "alice", "10.0.0.7", "failure", "web1"),        // 5
		logon("12:10", "root", "203.0.113.5", "failure", "bastion"),   // 6
		logon("09:00", "bob", "10.0.0.8", "success", "web1"),          // 7
		logon("10:20", "root", "198.51.100.1", "failure", "bastion"),  // 8
	}
	if err := s.InsertEvents(t.Context(), "auth.log", auth); err != nil {
		t.Fatal(err)
	}
	sec := []event.Event{
		{Time: at("10:40"), Category: "audit", EventCode: "1102", Host: "DC01", User: "eve"}, // 9
		{Time: at("10:45"), Category: "process", Host: "DC01", User: "eve", ProcessName: "cmd.exe"},
		{Time: at("10:50"), Category: "audit", EventCode: "1102", Host: "DC01", User: "eve"}, // 11
	}
	if err := s.InsertEvents(t.Context(), "sec.json", sec); err != nil {
		t.Fatal(err)
	}
	return s
}

func ruleFor(t *testing.T, name, query string, opt dsl.Options) AlertRule {
	t.Helper()
	q, err := dsl.Parse(query)
	if err != nil {
		t.Fatal(dsl.FormatError(query, err))
	}
	ch, err := dsl.Check(q, dsl.EventCatalogue())
	if err != nil {
		t.Fatal(dsl.FormatError(query, err))
	}
	c, err := dsl.CompileWith(ch, opt)
	if err != nil {
		t.Fatal(err)
	}
	if c.EvidenceSQL == "" {
		t.Fatalf("%s: no evidence SQL", query)
	}
	return AlertRule{Name: name, Title: name + " title", Severity: "high", Confidence: 0.5, Attack: []string{"T1110"},
		SQL: c.EvidenceSQL, Args: c.Args, EventRows: c.EventRows}
}

// alertSummary is what the tests compare of an alert.
type alertSummary struct {
	Rule        string
	First, Last string
	Entities    map[string][]string
	Evidence    []int64
	Sources     []string
}

func listAlerts(t *testing.T, s *Store, f AlertFilter) []alertSummary {
	t.Helper()
	var out []alertSummary
	err := s.Alerts(t.Context(), f, func(a Alert) error {
		out = append(out, alertSummary{Rule: a.Rule, First: a.First.Format("15:04"), Last: a.Last.Format("15:04"),
			Entities: a.Entities, Evidence: a.Evidence, Sources: a.Sources})
		if !slices.Equal(a.Attack, []string{"T1110"}) || a.Severity != "high" || a.Title != a.Rule+" title" {
			t.Errorf("alert %d metadata: %+v", a.ID, a)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRunRuleAlerts(t *testing.T) {
	tests := []struct {
		name  string
		query string
		opt   dsl.Options
		want  []alertSummary
	}{{
		// One alert per host (or address) and UTC hour, evidence in time order.
		name:  "filter",
		query: `logon | where outcome == "failure"`,
		want: []alertSummary{
			{Rule: "filter", First: "10:00", Last: "10:20", Evidence: []int64{1, 2, 3, 8}, Sources: []string{"auth.log"},
				Entities: map[string][]string{"host": {"bastion"}, "process": {"sshd"}, "src_ip": {"198.51.100.1", "203.0.113.5"}, "user": {"admin", "oracle", "root"}}},
			{Rule: "filter", First: "10:30", Last: "10:30", Evidence: []int64{5}, Sources: []string{"auth.log"},
				Entities: map[string][]string{"host": {"web1"}, "process": {"sshd"}, "src_ip": {"10.0.0.7"}, "user": {"alice"}}},
			{Rule: "filter", First: "12:10", Last: "12:10", Evidence: []int64{6}, Sources: []string{"auth.log"},
				Entities: map[string][]string{"host": {"bastion"}, "process": {"sshd"}, "src_ip": {"203.0.113.5"}, "user": {"root"}}},
		},
	}, {
		// A stats row is one alert; its evidence is every event it counted, kept through where.
		name:  "stats",
		query: `logon | where outcome == "failure" | stats dcount(user) as users by src_ip | where users >= 3 | fields src_ip`,
		want: []alertSummary{
			{Rule: "stats", First: "10:00", Last: "12:10", Evidence: []int64{1, 2, 3, 6}, Sources: []string{"auth.log"},
				Entities: map[string][]string{"host": {"bastion"}, "process": {"sshd"}, "src_ip": {"203.0.113.5"}, "user": {"admin", "oracle", "root"}}},
		},
	}, {
		// A sequence's evidence is the events of every step.
		name:  "sequence",
		query: `sequence by src_ip within 10m [logon where outcome == "failure"] with count >= 3 then [logon where outcome == "success"]`,
		want: []alertSummary{
			{Rule: "sequence", First: "10:00", Last: "10:03", Evidence: []int64{1, 2, 3, 4}, Sources: []string{"auth.log"},
				Entities: map[string][]string{"host": {"bastion"}, "process": {"sshd"}, "src_ip": {"203.0.113.5"}, "user": {"admin", "deploy", "oracle", "root"}}},
		},
	}, {
		// Evidence from two files names both.
		name:  "two_sources",
		query: `events | where host_key in ("dc01", "bastion") and time >= "2026-03-02T10:39:00Z" and time < "2026-03-02T11:00:00Z" | stats count() by host_key`,
		want: []alertSummary{
			{Rule: "two_sources", First: "10:40", Last: "10:50", Evidence: []int64{9, 10, 11}, Sources: []string{"sec.json"},
				Entities: map[string][]string{"host": {"dc01"}, "process": {"cmd.exe"}, "user": {"eve"}}},
		},
	}, {
		name:  "since",
		query: `logon | where outcome == "failure"`,
		opt:   dsl.Options{Since: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)},
		want: []alertSummary{
			{Rule: "since", First: "12:10", Last: "12:10", Evidence: []int64{6}, Sources: []string{"auth.log"},
				Entities: map[string][]string{"host": {"bastion"}, "process": {"sshd"}, "src_ip": {"203.0.113.5"}, "user": {"root"}}},
		},
	}, {
		name:  "none",
		query: `logon | where user == "nobody"`,
	}, {
		// A global stats over no events is one row without evidence: no alert.
		name:  "empty_stats",
		query: `logon | where user == "nobody" | stats count() as n`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := alertStore(t)
			run, err := s.StartHunt(t.Context(), tc.opt.Since, []string{"test.hunt"})
			if err != nil {
				t.Fatal(err)
			}
			r := ruleFor(t, tc.name, tc.query, tc.opt)
			res, err := s.RunRule(t.Context(), run, r)
			if err != nil {
				t.Fatal(err)
			}
			if res.Alerts != len(tc.want) || res.New != len(tc.want) {
				t.Errorf("RunRule = %+v, want %d alerts, all new", res, len(tc.want))
			}
			if diff := cmp.Diff(tc.want, listAlerts(t, s, AlertFilter{Rule: tc.name})); diff != "" {
				t.Errorf("alerts (-want +got):\n%s", diff)
			}
			// Hunting again over the same events adds nothing.
			run2, err := s.StartHunt(t.Context(), tc.opt.Since, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err = s.RunRule(t.Context(), run2, r)
			if err != nil {
				t.Fatal(err)
			}
			if res.Alerts != len(tc.want) || res.New != 0 {
				t.Errorf("second run = %+v, want %d alerts, none new", res, len(tc.want))
			}
			if got := listAlerts(t, s, AlertFilter{RunID: run2}); len(got) != 0 {
				t.Errorf("second run wrote %d alerts", len(got))
			}
			if err := s.FinishHunt(t.Context(), run2, 1, 0, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRunRuleBadSQL: a rule whose SQL fails reports the rule's name and writes nothing.
func TestRunRuleBadSQL(t *testing.T) {
	s := alertStore(t)
	run, err := s.StartHunt(t.Context(), time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.RunRule(t.Context(), run, AlertRule{Name: "broken", SQL: "SELECT nonsense FROM nowhere"})
	if err == nil {
		t.Fatal("no error")
	}
	if got := listAlerts(t, s, AlertFilter{}); len(got) != 0 {
		t.Errorf("wrote %d alerts", len(got))
	}
}

func TestAlertEvidence(t *testing.T) {
	s := alertStore(t)
	run, err := s.StartHunt(t.Context(), time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := ruleFor(t, "seq", `sequence by src_ip within 10m [logon where outcome == "failure"] with count >= 3 then [logon where outcome == "success"]`, dsl.Options{})
	if _, err := s.RunRule(t.Context(), run, r); err != nil {
		t.Fatal(err)
	}
	var got []string
	err = s.AlertEvidence(t.Context(), 1, func(cols []string, row []any) error {
		got = append(got, fmt.Sprintf("%v %s:%v %v %v", row[0], row[2], row[3], row[7], row[9]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1 auth.log:1 failure root", "2 auth.log:2 failure admin", "3 auth.log:3 failure oracle", "4 auth.log:4 success deploy"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("evidence (-want +got):\n%s", diff)
	}
	if err := s.AlertEvidence(t.Context(), 99, func([]string, []any) error { return nil }); !errors.Is(err, ErrNoAlert) {
		t.Errorf("missing alert: %v", err)
	}
}
