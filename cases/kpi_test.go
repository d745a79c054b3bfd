package cases

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// kpiCase builds a case whose history has changes at the given minutes after 10:00.
func kpiCase(id int64, verdict Verdict, firstEvent string, alertsAt []string, rule string, status map[int]Status, minutes ...int) *Case {
	base := at("2026-04-01T10:00:00Z")
	c := &Case{ID: id, Verdict: verdict, CreatedAt: base, First: atp(firstEvent)}
	for i, a := range alertsAt {
		c.Alerts = append(c.Alerts, Alert{ID: id*10 + int64(i), Rule: rule, CreatedAt: at(a)})
	}
	for i, m := range minutes {
		ch := Change{Seq: int64(i) + 1, At: base.Add(time.Duration(m) * time.Minute), Action: ActionNote}
		if s, ok := status[m]; ok {
			ch.Action, ch.Field, ch.New = ActionSet, "status", string(s)
		}
		c.History = append(c.History, ch)
	}
	return c
}

func TestKPIs(t *testing.T) {
	cs := []*Case{
		// TP: event 08:00, alert 09:00 (TTD 1h), contained at 10:30 (TTR 1h30m); analyst time
		// 0,10,30 → 10+20 = 30m; 30 → 90 is a pause.
		kpiCase(1, VerdictTruePositive, "2026-04-01T08:00:00Z", []string{"2026-04-01T09:00:00Z", "2026-04-01T09:30:00Z"}, "r1",
			map[int]Status{30: StatusContained}, 0, 10, 30, 90),
		// TP: event 09:00, alert 09:20 (TTD 20m), eradicated at 10:40 (TTR 1h20m; eradicated counts as contained);
		// analyst time 0,5,40 → 5 + 35? 35 > 30 is a pause → 5m.
		kpiCase(2, VerdictTruePositive, "2026-04-01T09:00:00Z", []string{"2026-04-01T09:20:00Z"}, "r1",
			map[int]Status{40: StatusEradicated}, 0, 5, 40),
		// FP with three alerts of r2: analyst time 0,15 → 15m.
		kpiCase(3, VerdictFalsePositive, "2026-04-01T09:00:00Z", []string{"2026-04-01T09:10:00Z", "2026-04-01T09:10:00Z", "2026-04-01T09:10:00Z"}, "r2", nil, 0, 15),
		// Open: no verdict; analyst time 0,1 → 1m.
		kpiCase(4, VerdictNone, "2026-04-01T09:00:00Z", []string{"2026-04-01T09:10:00Z"}, "r2", nil, 0, 1),
	}
	k := ComputeKPIs(cs, time.Time{}, time.Time{})
	f := func(v float64) *float64 { return &v }
	want := KPIs{Cases: 4, Verdicts: map[string]int{"true_positive": 2, "false_positive": 1, "open": 1},
		MTTD:              f((60 + 20) * 60 / 2),
		MTTR:              f((90 + 80) * 60 / 2),
		FalsePositiveRate: f(1.0 / 3),
		TruePositiveYield: f(3.0 / 6),
		AnalystTime:       f((30 + 5 + 15 + 1) * 60 / 4.0),
	}
	if diff := cmp.Diff(want, k); diff != "" {
		t.Errorf("KPIs (-want +got):\n%s", diff)
	}

	// A period selects cases by creation time.
	cs[3].CreatedAt = at("2026-05-01T00:00:00Z")
	k = ComputeKPIs(cs, at("2026-04-15T00:00:00Z"), time.Time{})
	if k.Cases != 1 || k.MTTD != nil || k.FalsePositiveRate != nil || k.Verdicts["open"] != 1 {
		t.Errorf("period KPIs = %+v", k)
	}
	k = ComputeKPIs(cs, time.Time{}, at("2026-04-15T00:00:00Z"))
	if k.Cases != 3 {
		t.Errorf("cases before 04-15 = %d", k.Cases)
	}

	rs := ComputeRuleStats(cs)
	wantRules := []RuleStats{
		{Rule: "r1", Alerts: 3, Cases: 2, Verdicts: map[string]int{"true_positive": 2}, TruePositiveRate: f(1), AnalystSeconds: 35 * 60},
		{Rule: "r2", Alerts: 4, Cases: 2, Verdicts: map[string]int{"false_positive": 1, "open": 1}, TruePositiveRate: f(0), AnalystSeconds: 16 * 60},
	}
	if diff := cmp.Diff(wantRules, rs); diff != "" {
		t.Errorf("rule stats (-want +got):\n%s", diff)
	}
}
