package cases

import (
	"sort"
	"time"
)

// SessionGap is the longest pause between two history entries of a case that still counts as
// analyst time: entries further apart are two working sessions, and the pause is not counted.
const SessionGap = 30 * time.Minute

// Metrics are one case's times, from its evidence, alerts and history.
type Metrics struct {
	// TimeToDetect: first evidence event to the first alert raised (alert created_at).
	TimeToDetect *time.Duration
	// TimeToRespond: first alert raised to the first change to contained, eradicated or closed.
	TimeToRespond *time.Duration
	// AnalystTime: the time between consecutive history entries, leaving out pauses longer than
	// SessionGap.
	AnalystTime time.Duration
}

// CaseMetrics computes a case's metrics.
func CaseMetrics(c *Case) Metrics {
	var m Metrics
	var firstAlert *time.Time
	for _, a := range c.Alerts {
		if !a.CreatedAt.IsZero() && (firstAlert == nil || a.CreatedAt.Before(*firstAlert)) {
			t := a.CreatedAt
			firstAlert = &t
		}
	}
	if firstAlert != nil && c.First != nil {
		d := firstAlert.Sub(*c.First)
		m.TimeToDetect = &d
	}
	hist := append([]Change(nil), c.History...)
	sort.SliceStable(hist, func(i, j int) bool { return hist[i].At.Before(hist[j].At) })
	if firstAlert != nil {
		for _, h := range hist {
			if h.Action == ActionSet && h.Field == "status" && Status(h.New).Contained() {
				d := h.At.Sub(*firstAlert)
				m.TimeToRespond = &d
				break
			}
		}
	}
	for i := 1; i < len(hist); i++ {
		if gap := hist[i].At.Sub(hist[i-1].At); gap > 0 && gap <= SessionGap {
			m.AnalystTime += gap
		}
	}
	return m
}

// KPIs are the team's measures over the cases of a period.
type KPIs struct {
	From  *time.Time `json:"from"` // cases created at or after
	To    *time.Time `json:"to"`   // cases created before
	Cases int        `json:"cases"`
	// Verdicts counts the cases of each verdict; cases without one are "open".
	Verdicts map[string]int `json:"verdicts"`
	// MTTD is the mean time to detect over true-positive cases (seconds; null without any).
	MTTD *float64 `json:"mttd_seconds"`
	// MTTR is the mean time to respond over true-positive cases that were contained.
	MTTR *float64 `json:"mttr_seconds"`
	// FalsePositiveRate: false-positive cases / cases with a verdict.
	FalsePositiveRate *float64 `json:"false_positive_rate"`
	// TruePositiveYield: alerts in true-positive cases / alerts in cases with a verdict.
	TruePositiveYield *float64 `json:"true_positive_yield"`
	// AnalystTime is the mean analyst time per case (seconds).
	AnalystTime *float64 `json:"analyst_seconds_per_case"`
}

// ComputeKPIs computes the KPIs of the cases created in [from, to) (either may be zero: open).
func ComputeKPIs(all []*Case, from, to time.Time) KPIs {
	k := KPIs{Verdicts: map[string]int{}}
	if !from.IsZero() {
		k.From = &from
	}
	if !to.IsZero() {
		k.To = &to
	}
	var ttd, ttr, analyst []time.Duration
	var judged, fp, alertsJudged, alertsTP int
	for _, c := range CreatedIn(all, from, to) {
		k.Cases++
		m := CaseMetrics(c)
		analyst = append(analyst, m.AnalystTime)
		v := string(c.Verdict)
		if v == "" {
			v = "open"
		} else {
			judged++
			alertsJudged += len(c.Alerts)
		}
		k.Verdicts[v]++
		switch c.Verdict {
		case VerdictTruePositive:
			alertsTP += len(c.Alerts)
			if m.TimeToDetect != nil {
				ttd = append(ttd, *m.TimeToDetect)
			}
			if m.TimeToRespond != nil {
				ttr = append(ttr, *m.TimeToRespond)
			}
		case VerdictFalsePositive:
			fp++
		}
	}
	k.MTTD, k.MTTR, k.AnalystTime = meanSeconds(ttd), meanSeconds(ttr), meanSeconds(analyst)
	k.FalsePositiveRate = ratio(fp, judged)
	k.TruePositiveYield = ratio(alertsTP, alertsJudged)
	return k
}

// CreatedIn is the cases created in [from, to); either may be zero: open.
func CreatedIn(all []*Case, from, to time.Time) []*Case {
	var out []*Case
	for _, c := range all {
		if (from.IsZero() || !c.CreatedAt.Before(from)) && (to.IsZero() || c.CreatedAt.Before(to)) {
			out = append(out, c)
		}
	}
	return out
}

func meanSeconds(ds []time.Duration) *float64 {
	if len(ds) == 0 {
		return nil
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	s := (sum / time.Duration(len(ds))).Seconds()
	return &s
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

// RuleStats are what the case verdicts say about one detection rule.
type RuleStats struct {
	Rule string `json:"rule"`
	// Volume is every alert the rule raised, in cases or not (filled in by the store; 0 when
	// unknown).
	Volume int `json:"alert_volume"`
	Alerts int `json:"alerts"` // alerts of the rule linked to cases
	Cases  int `json:"cases"`
	// Verdicts counts the rule's cases by verdict ("open" for none yet).
	Verdicts map[string]int `json:"verdicts"`
	// TruePositiveRate: true-positive cases / cases with a verdict (null without any).
	TruePositiveRate *float64 `json:"true_positive_rate"`
	// AnalystSeconds: the analyst time of the rule's cases, each case's time shared equally
	// among the rules of its alerts.
	AnalystSeconds float64 `json:"analyst_seconds"`
}

// ComputeRuleStats keeps the verdicts per rule, sorted by rule name.
func ComputeRuleStats(all []*Case) []RuleStats {
	by := map[string]*RuleStats{}
	judged := map[string]int{}
	for _, c := range all {
		perRule := map[string]int{}
		for _, a := range c.Alerts {
			perRule[a.Rule]++
		}
		if len(perRule) == 0 {
			continue
		}
		share := CaseMetrics(c).AnalystTime.Seconds() / float64(len(perRule))
		for rule, n := range perRule {
			s := by[rule]
			if s == nil {
				s = &RuleStats{Rule: rule, Verdicts: map[string]int{}}
				by[rule] = s
			}
			s.Alerts += n
			s.Cases++
			s.AnalystSeconds += share
			v := string(c.Verdict)
			if v == "" {
				v = "open"
			} else {
				judged[rule]++
			}
			s.Verdicts[v]++
		}
	}
	out := make([]RuleStats, 0, len(by))
	for rule, s := range by {
		s.TruePositiveRate = ratio(s.Verdicts[string(VerdictTruePositive)], judged[rule])
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rule < out[j].Rule })
	return out
}
