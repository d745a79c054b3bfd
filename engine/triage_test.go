package engine

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestTriage(t *testing.T) {
	s := caseStore(t)
	ctx := t.Context()
	at := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	got, err := s.TriageOf(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("a new store's triage: %v %v", got, err)
	}
	alice, bob := "alice", "bob"
	steps := []struct {
		name   string
		change TriageChange
		n      int
		want   map[int64]Triage
	}{
		{"acknowledge one", TriageChange{Alerts: []int64{1}, Status: TriageAcknowledged, By: "alice", At: at}, 1,
			map[int64]Triage{1: {1, TriageAcknowledged, "", "alice", at}}},
		{"assign both (bulk)", TriageChange{Alerts: []int64{1, 2}, Status: TriageAssigned, Assignee: &bob, By: "alice", At: at.Add(time.Minute)}, 2,
			map[int64]Triage{1: {1, TriageAssigned, "bob", "alice", at.Add(time.Minute)}, 2: {2, TriageAssigned, "bob", "alice", at.Add(time.Minute)}}},
		{"close keeps the assignee", TriageChange{Alerts: []int64{2}, Status: TriageClosed, By: "bob", At: at.Add(2 * time.Minute)}, 1,
			map[int64]Triage{1: {1, TriageAssigned, "bob", "alice", at.Add(time.Minute)}, 2: {2, TriageClosed, "bob", "bob", at.Add(2 * time.Minute)}}},
		{"reassign", TriageChange{Alerts: []int64{1}, Status: TriageAssigned, Assignee: &alice, By: "alice", At: at.Add(3 * time.Minute)}, 1,
			map[int64]Triage{1: {1, TriageAssigned, "alice", "alice", at.Add(3 * time.Minute)}, 2: {2, TriageClosed, "bob", "bob", at.Add(2 * time.Minute)}}},
		{"no such alert", TriageChange{Alerts: []int64{99}, Status: TriageClosed, By: "alice", At: at}, 0, nil},
	}
	for _, st := range steps {
		n, err := s.SetTriage(ctx, st.change)
		if err != nil || n != st.n {
			t.Fatalf("%s: %d changed, %v; want %d", st.name, n, err, st.n)
		}
		if st.want == nil {
			continue
		}
		got, err := s.TriageOf(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(st.want) {
			t.Errorf("%s: %v", st.name, got)
		}
		for id, w := range st.want {
			if g := got[id]; g != w {
				t.Errorf("%s: alert %d %+v, want %+v", st.name, id, g, w)
			}
		}
	}
	if _, err := s.SetTriage(ctx, TriageChange{Alerts: []int64{1}, Status: "bogus", By: "a"}); err == nil {
		t.Error("an unknown status was accepted")
	}
	if _, err := s.SetTriage(ctx, TriageChange{Alerts: []int64{1}, Status: TriageClosed}); err == nil {
		t.Error("a change by nobody was accepted")
	}
}

// TestTriageIncidents: triaging an incident triages its alerts.
func TestTriageIncidents(t *testing.T) {
	s := caseStore(t)
	ctx := t.Context()
	if _, err := s.Score(ctx, ScoreOptions{}); err != nil {
		t.Fatal(err)
	}
	var inc, alerts int64
	if err := s.db.QueryRowContext(ctx, `SELECT incident_id, count(*) FROM incident_alerts GROUP BY 1 ORDER BY 2 DESC LIMIT 1`).Scan(&inc, &alerts); err != nil {
		t.Fatalf("the fixture scored into no incident: %v", err)
	}
	n, err := s.SetTriage(ctx, TriageChange{Incidents: []int64{inc}, Status: TriageAcknowledged, By: "alice"})
	if err != nil || int64(n) != alerts {
		t.Fatalf("acknowledging incident %d: %d alerts changed, %v; want %d", inc, n, err, alerts)
	}
}

func TestTriageReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.duckdb")
	s, err := Open(t.Context(), path, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro, err := Open(t.Context(), path, Options{ReadOnly: true, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if !ro.ReadOnly() {
		t.Error("ReadOnly false")
	}
	if _, err := ro.SetTriage(t.Context(), TriageChange{Alerts: []int64{1}, Status: TriageClosed, By: "a"}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only triage: %v", err)
	}
	if ok, err := ro.HasTable(t.Context(), "alert_triage"); !ok || err != nil {
		t.Errorf("HasTable alert_triage: %v %v", ok, err)
	}
	if ok, err := ro.HasTable(t.Context(), "intel_matches"); !ok || err != nil {
		t.Errorf("HasTable of the view intel_matches: %v %v", ok, err)
	}
	if ok, err := ro.HasTable(t.Context(), "no_such_table"); ok || err != nil {
		t.Errorf("HasTable no_such_table: %v %v", ok, err)
	}
}
