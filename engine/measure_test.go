package engine

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestAlertMeasure: an anomaly rule's alerts keep the strongest measure of their rows (largest
// absolute z-score, smallest rarity count), rules without one keep none, and scoring turns the
// measure into the anomaly factor with its explanation.
func TestAlertMeasure(t *testing.T) {
	s := alertStore(t)
	ctx := t.Context()
	run, err := s.StartHunt(ctx, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rare, err := s.CompileQuery(`logon | rare src_ip by host | where count <= 1`)
	if err != nil {
		t.Fatal(err)
	}
	if rare.Measure == nil || rare.Measure.Kind != MeasureRarity || rare.MeasureSQL == "" {
		t.Fatalf("rare query measure %+v", rare.Measure)
	}
	seen, err := s.CompileQuery(`logon | first_seen src_ip by host`)
	if err != nil {
		t.Fatal(err)
	}
	rules := []AlertRule{
		// Two rows of z-scores: two alerts; the negative one counts by its size.
		{Name: "spike", Title: "spike", Severity: "medium", Confidence: 1, Measure: MeasureZScore,
			SQL: `SELECT [1, 2]::BIGINT[] AS evidence, 5.0 AS measure UNION ALL SELECT [9]::BIGINT[], -12.0`},
		// Event rows of one host and hour are one alert: the strongest of its rows.
		{Name: "events", Title: "events", Severity: "low", Confidence: 1, Measure: MeasureMAD, EventRows: true,
			SQL: `SELECT [1]::BIGINT[] AS evidence, 4.0 AS measure UNION ALL SELECT [3]::BIGINT[], -9.0 UNION ALL SELECT [3]::BIGINT[], 2.0`},
		{Name: "rare_source", Title: "rare", Severity: "low", Confidence: 1, Measure: rare.Measure.Kind, SQL: rare.MeasureSQL, Args: rare.Args},
		{Name: "first_seen", Title: "new", Severity: "low", Confidence: 1, Measure: seen.Measure.Kind, SQL: seen.MeasureSQL, Args: seen.Args, EventRows: seen.EventRows},
		{Name: "plain", Title: "plain", Severity: "low", Confidence: 1, SQL: `SELECT [5]::BIGINT[] AS evidence`},
	}
	for _, r := range rules {
		if _, err := s.RunRule(ctx, run, r); err != nil {
			t.Fatal(err)
		}
	}
	type got struct {
		measure float64
		kind    string
		has     bool
	}
	byRule := map[string][]got{}
	var ids = map[string][]int64{}
	err = s.Alerts(ctx, AlertFilter{}, func(a Alert) error {
		g := got{kind: a.MeasureKind, has: a.Measure != nil}
		if a.Measure != nil {
			g.measure = *a.Measure
		}
		byRule[a.Rule] = append(byRule[a.Rule], g)
		ids[a.Rule] = append(ids[a.Rule], a.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(rule string, want ...got) {
		t.Helper()
		gs := byRule[rule]
		if len(gs) != len(want) {
			t.Fatalf("rule %s: alerts %+v, want %+v", rule, gs, want)
		}
		for i := range want {
			if gs[i].kind != want[i].kind || gs[i].has != want[i].has || math.Abs(gs[i].measure-want[i].measure) > 1e-9 {
				t.Errorf("rule %s alert %d: %+v, want %+v", rule, i, gs[i], want[i])
			}
		}
	}
	check("spike", got{5, "zscore", true}, got{12, "zscore", true})
	check("events", got{9, "mad", true})
	check("rare_source", got{1, "rarity", true}, got{1, "rarity", true}, got{1, "rarity", true})
	check("first_seen", got{0, "first_seen", false}, got{0, "first_seen", false})
	check("plain", got{0, "", false})

	if _, err := s.Score(ctx, ScoreOptions{}); err != nil {
		t.Fatal(err)
	}
	scores, err := s.AlertScores(ctx)
	if err != nil {
		t.Fatal(err)
	}
	anomaly := func(id int64) (int, string) {
		for _, f := range scores[id].Factors {
			if f.Name == "anomaly" {
				return f.Points, f.Detail
			}
		}
		return 0, ""
	}
	for _, tc := range []struct {
		rule   string
		i      int
		points int
		detail string
	}{
		{"spike", 0, 4, "anomaly strength 0.40: z-score 5.0 from its baseline, 1 − 3/5.0"},
		{"spike", 1, 8, "anomaly strength 0.75: z-score 12.0 from its baseline"},
		{"events", 0, 7, "modified z-score 9.0"},
		{"rare_source", 0, 10, "anomaly strength 1.00: seen 1 time(s), 1/1"},
		{"first_seen", 0, 5, "never seen before for its key"},
		{"plain", 0, 0, ""},
	} {
		p, d := anomaly(ids[tc.rule][tc.i])
		if p != tc.points || !strings.Contains(d, tc.detail) {
			t.Errorf("%s alert %d: anomaly %d %q, want %d %q", tc.rule, tc.i, p, d, tc.points, tc.detail)
		}
	}
}

func TestAnomalyStrength(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		kind string
		m    *float64
		want float64
	}{
		{MeasureZScore, f(3), 0},
		{MeasureZScore, f(6), 0.5},
		{MeasureZScore, f(-6), 0.5},
		{MeasureMAD, f(30), 0.9},
		{MeasureZScore, nil, 0},
		{MeasureZScore, f(math.Inf(1)), 0},
		{MeasureZScore, f(math.NaN()), 0},
		{MeasureRarity, f(1), 1},
		{MeasureRarity, f(4), 0.25},
		{MeasureRarity, f(0), 0},
		{MeasureRegularity, f(0.95), 0.95},
		{MeasureRegularity, f(1.5), 1},
		{MeasureRegularity, f(-1), 0},
		{MeasureFirstSeen, nil, 0.5},
		{"", f(10), 0},
		{"unknown", f(10), 0},
	} {
		got, note := AnomalyStrength(tc.kind, tc.m)
		if math.Abs(got-tc.want) > 1e-9 || (got > 0) != (note != "") {
			t.Errorf("AnomalyStrength(%q, %v) = %v %q, want %v", tc.kind, tc.m, got, note, tc.want)
		}
	}
}
