package risk

import (
	"strings"
	"testing"
	"time"
)

// TestAnomalyFactorNote: duplicates of one collapsed alert share the strongest anomaly
// strength, explained by that alert's note; an alert without a measure has no anomaly factor.
func TestAnomalyFactorNote(t *testing.T) {
	at := time.Date(2026, 3, 6, 17, 0, 0, 0, time.UTC)
	ents := map[string][]string{"user": {"vera"}, "host": {"ws22"}}
	alerts := []Alert{
		{ID: 1, Rule: "spike", Severity: "medium", Confidence: 1, First: at, Last: at, Entities: ents, Measure: 0.4, MeasureNote: "z-score 5.0"},
		{ID: 2, Rule: "spike", Severity: "medium", Confidence: 1, First: at.Add(time.Hour), Last: at.Add(time.Hour), Entities: ents, Measure: 0.9, MeasureNote: "z-score 30.0"},
		{ID: 3, Rule: "plain", Severity: "medium", Confidence: 1, First: at, Last: at, Entities: ents},
	}
	res := Run(alerts, Context{}, DefaultPolicy())
	if len(res.Alerts) != len(alerts) {
		t.Fatalf("%d scored alerts, want %d", len(res.Alerts), len(alerts))
	}
	for _, sc := range res.Alerts {
		var got *Factor
		for i, f := range sc.Factors {
			if f.Name == "anomaly" {
				got = &sc.Factors[i]
			}
		}
		switch sc.AlertID {
		case 1, 2:
			if got == nil || got.Points != 9 || !strings.Contains(got.Detail, "anomaly strength 0.90: z-score 30.0") {
				t.Errorf("alert %d anomaly factor %+v", sc.AlertID, got)
			}
		case 3:
			if got != nil {
				t.Errorf("alert 3 without a measure has %+v", got)
			}
		}
	}
}
