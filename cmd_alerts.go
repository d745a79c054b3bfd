package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"trawl/engine"
	"trawl/render"
)

// AlertsCmd lists the alerts hunts have written.
type AlertsCmd struct {
	OutputFlags
	Rule    string `help:"Only alerts of this rule."`
	RunID   int64  `name:"run" help:"Only alerts first raised by this hunt run."`
	Explain *int64 `help:"Print the evidence events of alert ID instead: each with its time, file and line, in the alert's order." placeholder:"ID"`
}

// alertColumns are the output names of an alert; scripts rely on them (json and csv).
var alertColumns = []string{"id", "rule", "title", "severity", "confidence", "attack", "first", "last", "entities", "evidence", "sources", "run_id"}

func (c *AlertsCmd) Run(g *Globals) error {
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	if c.Explain != nil {
		out := c.stream(g.Stdout)
		if err := st.AlertEvidence(g.Ctx, *c.Explain, out.row); err != nil {
			return err
		}
		return out.flush(nil)
	}
	scores, err := st.AlertScores(g.Ctx)
	if err != nil {
		return err
	}
	triage, err := st.TriageOf(g.Ctx)
	if err != nil {
		return err
	}
	w := c.writer(g.Stdout, append(append(append([]string{}, alertColumns...), alertScoreColumns...), alertTriageColumns...))
	err = st.Alerts(g.Ctx, engine.AlertFilter{Rule: c.Rule, RunID: c.RunID}, func(a engine.Alert) error {
		row := append(alertRow(a, c.Format == "json"), alertScoreValues(scores, a.ID)...)
		return w.Row(append(row, alertTriageValues(triage, a.ID)...))
	})
	if err != nil {
		return err
	}
	return w.Flush()
}

// alertRow is an alert as output values: lists and the entity map stay structured in JSON, and
// become compact text (a,b and kind=a,b kind=c) in tables and CSV.
func alertRow(a engine.Alert, structured bool) []any {
	var first, last any
	if a.First != nil {
		first = render.Text(*a.First)
	}
	if a.Last != nil {
		last = render.Text(*a.Last)
	}
	if structured {
		return []any{a.ID, a.Rule, a.Title, a.Severity, a.Confidence, a.Attack, first, last, a.Entities, a.Evidence, a.Sources, a.RunID}
	}
	ids := make([]string, len(a.Evidence))
	for i, id := range a.Evidence {
		ids[i] = strconv.FormatInt(id, 10)
	}
	return []any{a.ID, a.Rule, a.Title, a.Severity, a.Confidence, strings.Join(a.Attack, ","), first, last,
		entitiesText(a.Entities), strings.Join(ids, ","), strings.Join(a.Sources, ","), a.RunID}
}

// alertTriageColumns come last: the triage status set in the workbench queue (new until
// someone acknowledges, assigns or closes the alert) and the assignee.
var alertTriageColumns = []string{"status", "assignee"}

func alertTriageValues(triage map[int64]engine.Triage, id int64) []any {
	t, ok := triage[id]
	if !ok {
		return []any{engine.TriageNew, ""}
	}
	return []any{t.Status, t.Assignee}
}

func entitiesText(m map[string][]string) string {
	kinds := make([]string, 0, len(m))
	for k := range m {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s=%s", k, strings.Join(m[k], ","))
	}
	return strings.Join(parts, " ")
}
