package engine

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"trawl/risk"
)

func factorNamesOf(fs []risk.Factor) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

// scoreStore is alertStore with three alerts, context and intel.
func scoreStore(t *testing.T) *Store {
	t.Helper()
	s := alertStore(t)
	ctx := t.Context()
	run, err := s.StartHunt(ctx, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rules := []AlertRule{
		{Name: "brute", Title: "SSH brute force", Severity: "medium", Confidence: 0.8, Attack: []string{"T1110.001"},
			SQL: `SELECT list(id ORDER BY id) AS evidence FROM events WHERE src_ip = '203.0.113.5' AND outcome = 'failure'`},
		{Name: "brute_success", Title: "SSH logon after brute force", Severity: "high", Confidence: 0.8, Attack: []string{"T1078"},
			SQL: `SELECT [4]::BIGINT[] AS evidence`},
		{Name: "log_cleared", Title: "Security log cleared", Severity: "high", Confidence: 0.8, Attack: []string{"T1070.001"},
			SQL: `SELECT [9, 10, 11]::BIGINT[] AS evidence`},
	}
	for _, r := range rules {
		if _, err := s.RunRule(ctx, run, r); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := s.ImportContext(ctx, write("assets.csv", "hostname,ip_addresses,owner,business_criticality,internet_facing\nbastion,10.0.0.2,ops,4,yes\nDC01,10.0.0.10,it,5,no\n"), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportContext(ctx, write("identities.csv", "user,aliases,privileged,status\ndeploy,CORP\\deploy,yes,active\neve,,no,leaving on 2026-04-01\n"), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportIntel(ctx, write("bad.txt", "203.0.113.5\n"), "feed"); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScore(t *testing.T) {
	s := scoreStore(t)
	ctx := t.Context()
	if err := s.Incidents(ctx, IncidentFilter{}, func(Incident) error { return nil }); !errors.Is(err, ErrNotScored) {
		t.Fatalf("incidents before scoring: %v", err)
	}
	res, err := s.Score(ctx, ScoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Alerts != 3 || res.Summary.Incidents != 2 {
		t.Errorf("summary %+v", res.Summary)
	}
	scores, err := s.AlertScores(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64][]string{
		1: {"severity", "confidence", "asset_criticality", "exposure", "threat_intel", "rule_rarity", "entity_rarity"},
		2: {"severity", "confidence", "asset_criticality", "exposure", "privileged_identity", "threat_intel", "rule_rarity", "entity_rarity", "cap"},
		3: {"severity", "confidence", "asset_criticality", "leaving_identity", "rule_rarity", "entity_rarity"},
	}
	for id, names := range want {
		sc, ok := scores[id]
		if !ok {
			t.Errorf("alert %d not scored", id)
			continue
		}
		if got := factorNamesOf(sc.Factors); !slices.Equal(got, names) {
			t.Errorf("alert %d factors %v, want %v", id, got, names)
		}
		sum := 0
		for _, f := range sc.Factors {
			sum += f.Points
		}
		if sum != sc.Score || sc.IncidentID == nil {
			t.Errorf("alert %d: score %d, factors sum %d, incident %v", id, sc.Score, sum, sc.IncidentID)
		}
	}
	var incs []Incident
	if err := s.Incidents(ctx, IncidentFilter{}, func(i Incident) error { incs = append(incs, i); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(incs) != 2 || incs[0].Rank != 1 || incs[0].Alerts != 2 || incs[0].ID != 1 || len(incs[0].Narrative) == 0 {
		t.Fatalf("incidents %+v", incs)
	}
	d, err := s.Incident(ctx, incs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.AlertList) != 2 || d.AlertList[0].ID != 1 || d.AlertList[1].ID != 2 || len(d.AlertList[0].Factors) == 0 {
		t.Errorf("incident detail alerts %+v", d.AlertList)
	}
	// Every incident's alerts point back at it.
	for _, inc := range incs {
		d, err := s.Incident(ctx, inc.ID)
		if err != nil || int64(len(d.AlertList)) != inc.Alerts {
			t.Errorf("incident %d: %d alerts listed, %d counted (%v)", inc.ID, len(d.AlertList), inc.Alerts, err)
		}
	}
	if _, err := s.Incident(ctx, 999); !errors.Is(err, ErrNoIncident) {
		t.Errorf("missing incident: %v", err)
	}
	// Only one priority.
	var only []Incident
	s.Incidents(ctx, IncidentFilter{Priorities: []string{incs[1].Priority}}, func(i Incident) error { only = append(only, i); return nil })
	if len(only) == 0 || only[0].Priority != incs[1].Priority {
		t.Errorf("filtered incidents %+v", only)
	}
	// Entity risk by kind and value, by alias, and none.
	if r, err := s.EntityRisk(ctx, "host", "BASTION"); err != nil || r == nil || r.Alerts != 2 {
		t.Errorf("host bastion risk %+v %v", r, err)
	}
	if r, err := s.EntityRisk(ctx, "src_ip", "203.0.113.5"); err != nil || r == nil || r.Kind != "ip" {
		t.Errorf("ip risk %+v %v", r, err)
	}
	if r, err := s.EntityRisk(ctx, "user", `CORP\deploy`); err != nil || r == nil || r.Value != "deploy" {
		t.Errorf("alias risk %+v %v", r, err)
	}
	if r, err := s.EntityRisk(ctx, "host", "nowhere"); err != nil || r != nil {
		t.Errorf("unknown host risk %+v %v", r, err)
	}

	// Scoring again gives the same tables.
	snapshot := func() string {
		tb, err := s.Query(ctx, `SELECT (SELECT list(a ORDER BY alert_id)::VARCHAR FROM alert_scores a), (SELECT list(i ORDER BY id)::VARCHAR FROM incidents i),
			(SELECT list(l ORDER BY alert_id)::VARCHAR FROM incident_alerts l), (SELECT list(e ORDER BY kind, value)::VARCHAR FROM entity_risk e)`)
		if err != nil {
			t.Fatal(err)
		}
		return csvText(tb)
	}
	before := snapshot()
	if _, err := s.Score(ctx, ScoreOptions{}); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(); after != before {
		t.Errorf("second run differs:\n%s\n%s", before, after)
	}

	// A suppressed alert is scored and counted but in no incident.
	if _, err := s.db.ExecContext(ctx, `INSERT INTO alert_suppressions VALUES (3, 'dc maintenance')`); err != nil {
		t.Fatal(err)
	}
	res, err = s.Score(ctx, ScoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scores, _ = s.AlertScores(ctx)
	if sc := scores[3]; sc.Suppressed == nil || *sc.Suppressed != "dc maintenance" || sc.IncidentID != nil || res.Summary.Suppressed != 1 || res.Summary.Incidents != 1 {
		t.Errorf("suppressed alert: %+v, summary %+v", sc, res.Summary)
	}
}

func csvText(tb *Table) string {
	var out string
	for _, row := range tb.Rows {
		for _, v := range row {
			out += cellText(v) + "\n"
		}
	}
	return out
}
