package main

import (
	"fmt"
	"time"

	"trawl/cases"
	"trawl/engine"
	"trawl/render"
)

func init() {
	registerCommand("kpi", "SOC measures from the case files: mean time to detect and respond, false-positive rate, true-positive yield, analyst time (docs/cases.md).",
		func() any { return &KPICmd{} })
}

// KPICmd is trawl kpi.
type KPICmd struct {
	OutputFlags
	From  string `help:"Cases created at or after this time (RFC 3339 or YYYY-MM-DD, UTC)."`
	To    string `help:"Cases created before this time."`
	Rules bool   `help:"List the verdicts per rule instead: alerts, cases, verdicts, true-positive rate and analyst time."`
}

func (c *KPICmd) Run(g *Globals) error {
	from, to, err := parseWindow(c.From, c.To)
	if err != nil {
		return err
	}
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	if c.Rules {
		return writeRuleStats(g, c.OutputFlags, st, from, to)
	}
	all, err := st.CasesForMetrics(g.Ctx)
	if err != nil {
		return err
	}
	k := cases.ComputeKPIs(all, from, to)
	if c.Format == "json" {
		return writeJSON(g.Stdout, k)
	}
	w := c.writer(g.Stdout, []string{"kpi", "value", "detail"})
	period := "all cases"
	if k.From != nil || k.To != nil {
		period = fmt.Sprintf("cases created %s to %s", orOpen(k.From), orOpen(k.To))
	}
	rows := [][]any{
		{"cases", k.Cases, period},
		{"true_positive", k.Verdicts["true_positive"], ""},
		{"benign_true_positive", k.Verdicts["benign_true_positive"], ""},
		{"false_positive", k.Verdicts["false_positive"], ""},
		{"open", k.Verdicts["open"], "no verdict yet"},
		{"mean_time_to_detect", durationValue(k.MTTD), "first malicious event to first alert, true positives"},
		{"mean_time_to_respond", durationValue(k.MTTR), "first alert to containment, true positives"},
		{"false_positive_rate", ratioValue(k.FalsePositiveRate), "false-positive cases / cases with a verdict"},
		{"true_positive_yield", ratioValue(k.TruePositiveYield), "alerts in true-positive cases / alerts in cases with a verdict"},
		{"analyst_time_per_case", durationValue(k.AnalystTime), "history activity, pauses over 30m left out"},
	}
	for _, r := range rows {
		if err := w.Row(r); err != nil {
			return err
		}
	}
	return w.Flush()
}

// parseWindow reads --from and --to (either may be empty: no bound); a bad one is a usage error.
func parseWindow(fromFlag, toFlag string) (from, to time.Time, err error) {
	if from, err = parseWhen(fromFlag); err != nil {
		return from, to, exitError{2, fmt.Errorf("--from: %w", err)}
	}
	if to, err = parseWhen(toFlag); err != nil {
		return from, to, exitError{2, fmt.Errorf("--to: %w", err)}
	}
	return from, to, nil
}

// writeRuleStats prints each rule's alert volume and the verdicts of the cases its alerts are in
// (trawl kpi --rules and trawl rules stats).
func writeRuleStats(g *Globals, of OutputFlags, st *engine.Store, from, to time.Time) error {
	stats, err := st.RuleCaseStats(g.Ctx, from, to)
	if err != nil {
		return err
	}
	w := of.writer(g.Stdout, []string{"rule", "alert_volume", "alerts_in_cases", "cases", "true_positive", "benign_true_positive", "false_positive", "open", "true_positive_rate", "analyst_seconds"})
	for _, r := range stats {
		if err := w.Row([]any{r.Rule, r.Volume, r.Alerts, r.Cases, r.Verdicts["true_positive"], r.Verdicts["benign_true_positive"],
			r.Verdicts["false_positive"], r.Verdicts["open"], ratioValue(r.TruePositiveRate), r.AnalystSeconds}); err != nil {
			return err
		}
	}
	return w.Flush()
}

func orOpen(t *time.Time) string {
	if t == nil {
		return "…"
	}
	return render.Text(*t)
}

func durationValue(s *float64) any {
	if s == nil {
		return nil
	}
	return cases.FormatDuration(time.Duration(*s * float64(time.Second)))
}

func ratioValue(r *float64) any {
	if r == nil {
		return nil
	}
	return fmt.Sprintf("%.1f%%", *r*100)
}
