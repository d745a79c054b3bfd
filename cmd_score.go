package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"trawl/engine"
	"trawl/render"
	"trawl/risk"
)

func init() {
	registerCommand("score", "Score every alert (0-100, with the factors that made it), group alerts into incidents and apply the triage policy (docs/scoring.md).",
		func() any { return &ScoreCmd{} })
	registerCommand("incidents", "List the incidents of the last scoring, top of the queue first.", func() any { return &IncidentsCmd{} })
	registerCommand("incident", "Show one incident: its score and factors, narrative and alerts.", func() any { return &IncidentCmd{} })
}

// ScoreCmd recomputes scores, incidents and entity risk.
type ScoreCmd struct {
	Policy     string `help:"Triage policy file (YAML); default the built-in one (print it with --show-policy)." type:"path"`
	ShowPolicy bool   `help:"Print the built-in policy file and exit."`
}

// loadPolicy reads --policy, or gives the built-in policy for "".
func loadPolicy(path string) (risk.Policy, error) {
	if path == "" {
		return risk.DefaultPolicy(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return risk.Policy{}, exitError{code: 2, err: err}
	}
	defer f.Close()
	p, err := risk.ReadPolicy(f)
	if err != nil {
		return p, exitError{code: 2, err: fmt.Errorf("%s: %w", path, err)}
	}
	return p, nil
}

func (c *ScoreCmd) Run(g *Globals) error {
	if c.ShowPolicy {
		_, err := g.Stdout.Write(risk.DefaultPolicyYAML())
		return err
	}
	pol, err := loadPolicy(c.Policy)
	if err != nil {
		return err
	}
	st, err := openExistingStore(g)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := st.Score(g.Ctx, engine.ScoreOptions{Policy: pol, PolicyName: c.Policy})
	if err != nil {
		return err
	}
	fmt.Fprintln(g.Stdout, scoreSummary(res.Summary))
	return nil
}

// scoreAgain scores the alerts again after something their scores depend on changed: new alerts,
// suppressions, asset and identity context, threat intelligence. It uses the policy of the latest
// scoring run, so a team's own policy file stays in force; if that file cannot be read any more
// it says so and uses the built-in policy. With onlyIfScored, a store never scored is left alone
// (loading context before the first hunt scores nothing).
func scoreAgain(g *Globals, st *engine.Store, onlyIfScored bool) error {
	name, scored, err := st.LastScorePolicy(g.Ctx)
	if err != nil {
		return fmt.Errorf("scoring the alerts: %w", err)
	}
	if !scored && onlyIfScored {
		return nil
	}
	pol := risk.DefaultPolicy()
	if name != "" {
		if p, err := loadPolicy(name); err != nil {
			fmt.Fprintf(g.Stderr, "trawl: the last scoring used the policy %s, which cannot be read now (%s); scoring with the built-in policy\n",
				render.Sanitize(name), render.Sanitize(err.Error()))
			name = ""
		} else {
			pol = p
		}
	}
	res, err := st.Score(g.Ctx, engine.ScoreOptions{Policy: pol, PolicyName: name})
	if err != nil {
		return fmt.Errorf("scoring the alerts: %w", err)
	}
	fmt.Fprintln(g.Stderr, scoreSummary(res.Summary)+"; list them with trawl incidents")
	return nil
}

// scoreSummary is the one-line outcome of a scoring run.
func scoreSummary(s risk.Summary) string {
	var prio []string
	names := make([]string, 0, len(s.Priorities))
	for p := range s.Priorities {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		prio = append(prio, fmt.Sprintf("%s %d", p, s.Priorities[p]))
	}
	line := fmt.Sprintf("scored %d alerts (%d after collapsing duplicates): %d escalated, %d queued, %d auto-closed, %d suppressed; %d incidents",
		s.Alerts, s.Collapsed, s.Actions[risk.Escalate], s.Actions[risk.Queue], s.Actions[risk.AutoClose], s.Suppressed, s.Incidents)
	if len(prio) > 0 {
		line += " (" + strings.Join(prio, ", ") + ")"
	}
	return line
}

// IncidentsCmd lists incidents.
type IncidentsCmd struct {
	OutputFlags
	Priority []string `help:"Only these priorities, comma-separated (P1,P2)." sep:","`
	Limit    int      `help:"At most this many (0: all)."`
}

// incidentColumns are the output names of an incident in json and csv; the table leaves out
// the long ones (techniques, entities, narrative).
var (
	incidentColumns      = []string{"id", "rank", "priority", "score", "title", "tactics", "techniques", "entities", "first", "last", "alerts", "collapsed", "narrative"}
	incidentTableColumns = []string{"id", "rank", "priority", "score", "alerts", "first", "last", "tactics", "title"}
)

func (c *IncidentsCmd) Run(g *Globals) error {
	var prios []string
	for _, p := range c.Priority {
		p = strings.ToUpper(strings.TrimSpace(p))
		if p != "" {
			prios = append(prios, p)
		}
	}
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	cols := incidentColumns
	if c.Format == "table" || c.Format == "" {
		cols = incidentTableColumns
	}
	w := c.writer(g.Stdout, cols)
	err = st.Incidents(g.Ctx, engine.IncidentFilter{Priorities: prios, Limit: c.Limit}, func(inc engine.Incident) error {
		return w.Row(incidentRow(inc, cols, c.Format == "json"))
	})
	if errors.Is(err, engine.ErrNotScored) {
		return exitError{code: 1, err: err}
	}
	if err != nil {
		return err
	}
	return w.Flush()
}

// incidentRow is an incident as output values for cols: lists stay structured in JSON and
// become text in tables and CSV.
func incidentRow(inc engine.Incident, cols []string, structured bool) []any {
	out := make([]any, len(cols))
	for i, c := range cols {
		var v any
		switch c {
		case "id":
			v = inc.ID
		case "rank":
			v = inc.Rank
		case "priority":
			v = inc.Priority
		case "score":
			v = inc.Score
		case "title":
			v = inc.Title
		case "tactics":
			if structured {
				v = inc.Tactics
			} else {
				v = strings.Join(inc.Tactics, ", ")
			}
		case "techniques":
			if structured {
				v = inc.Techniques
			} else {
				v = techniquesText(inc.Techniques)
			}
		case "entities":
			if structured {
				v = inc.Entities
			} else {
				v = entitiesText(inc.Entities)
			}
		case "first":
			v = textOrNil(inc.First)
		case "last":
			v = textOrNil(inc.Last)
		case "alerts":
			v = inc.Alerts
		case "collapsed":
			v = inc.Collapsed
		case "narrative":
			v = inc.Narrative
		}
		out[i] = v
	}
	return out
}

func techniquesText(ts []risk.Technique) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.ID
		if t.Name != "" {
			parts[i] += " " + t.Name
		}
	}
	return strings.Join(parts, "; ")
}

// factorsText is a factor list as one line: "severity +45, confidence -5, ...".
func factorsText(fs []risk.Factor) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%s %+d", f.Name, f.Points)
	}
	return strings.Join(parts, ", ")
}

// IncidentCmd groups the incident subcommands.
type IncidentCmd struct {
	Show IncidentShowCmd `cmd:"" help:"Show one incident: score, factors, narrative and its alerts with their factors."`
}

// IncidentShowCmd shows one incident.
type IncidentShowCmd struct {
	OutputFlags
	ID int64 `arg:"" help:"Incident id (trawl incidents lists them)."`
}

// incidentAlertColumns are the columns of an incident's alerts in csv and table form.
var incidentAlertColumns = []string{"incident", "id", "rule", "title", "severity", "score", "action", "duplicates", "first", "last", "entities", "factors"}

func (c *IncidentShowCmd) Run(g *Globals) error {
	st, err := openStore(g, true)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := st.Incident(g.Ctx, c.ID)
	if errors.Is(err, engine.ErrNotScored) || errors.Is(err, engine.ErrNoIncident) {
		return exitError{code: 1, err: err}
	}
	if err != nil {
		return err
	}
	switch c.Format {
	case "json":
		return writeIncidentJSON(g.Stdout, d)
	case "csv":
		w := c.writer(g.Stdout, incidentAlertColumns)
		for _, a := range d.AlertList {
			if err := w.Row(incidentAlertRow(d.ID, a)); err != nil {
				return err
			}
		}
		return w.Flush()
	}
	return writeIncidentText(g.Stdout, d)
}

func incidentAlertRow(inc int64, a engine.ScoredAlert) []any {
	return []any{inc, a.ID, a.Rule, a.Title, a.Severity, a.Score, a.Action, a.Duplicates, a.First, a.Last, entitiesText(a.Entities), factorsText(a.Factors)}
}

// writeIncidentJSON writes the incident as one JSON object, its alerts (with their factors) in
// "alert_list".
func writeIncidentJSON(w io.Writer, d *engine.IncidentDetail) error {
	type alert struct {
		ID         int64               `json:"id"`
		Rule       string              `json:"rule"`
		Title      string              `json:"title"`
		Severity   string              `json:"severity"`
		Confidence float64             `json:"confidence"`
		Attack     []string            `json:"attack"`
		First      any                 `json:"first"`
		Last       any                 `json:"last"`
		Entities   map[string][]string `json:"entities"`
		Evidence   int                 `json:"evidence"`
		Score      int                 `json:"score"`
		Action     string              `json:"action"`
		Duplicates int                 `json:"duplicates"`
		PrimaryID  int64               `json:"primary_id"`
		Factors    []risk.Factor       `json:"factors"`
	}
	list := make([]alert, len(d.AlertList))
	for i, a := range d.AlertList {
		list[i] = alert{a.ID, a.Rule, a.Title, a.Severity, a.Confidence, a.Attack, textOrNil(a.First), textOrNil(a.Last), a.Entities,
			len(a.Evidence), a.Score, a.Action, a.Duplicates, a.PrimaryID, a.Factors}
	}
	cols := append(append([]string{}, incidentColumns...), "raw_score", "factors", "alert_list")
	vals := incidentRow(d.Incident, incidentColumns, true)
	vals = append(vals, d.RawScore, d.Factors, list)
	rw := render.New(w, render.JSON, cols)
	if err := rw.Row(vals); err != nil {
		return err
	}
	return rw.Flush()
}

func textOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return render.Text(*t)
}

// writeIncidentText is the analyst's view: the incident, why it scored what it did, what
// happened, and its alerts.
func writeIncidentText(w io.Writer, d *engine.IncidentDetail) error {
	s := render.Sanitize
	var b strings.Builder
	fmt.Fprintf(&b, "incident %d  %s  score %d  rank %d\n", d.ID, d.Priority, d.Score, d.Rank)
	fmt.Fprintf(&b, "title:      %s\n", s(d.Title))
	fmt.Fprintf(&b, "time:       %s .. %s\n", render.Text(d.First), render.Text(d.Last))
	fmt.Fprintf(&b, "alerts:     %d (%d after collapsing duplicates)\n", d.Alerts, d.Collapsed)
	fmt.Fprintf(&b, "tactics:    %s\n", strings.Join(d.Tactics, " → "))
	fmt.Fprintf(&b, "techniques: %s\n", techniquesText(d.Techniques))
	kinds := make([]string, 0, len(d.Entities))
	for k := range d.Entities {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(&b, "  %-9s %s\n", k+":", s(strings.Join(d.Entities[k], ", ")))
	}
	b.WriteString("\nscore:\n")
	for _, f := range d.Factors {
		fmt.Fprintf(&b, "  %+4d  %-20s %s\n", f.Points, f.Name, s(f.Detail))
	}
	b.WriteString("\nwhat happened:\n")
	b.WriteString(wrap(s(d.Narrative), 100, "  "))
	b.WriteString("\n\nalerts:\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	for _, a := range d.AlertList {
		var ab strings.Builder
		fmt.Fprintf(&ab, "  #%d  %s  score %d  %s", a.ID, render.Text(a.First), a.Score, a.Action)
		if a.Duplicates > 1 {
			fmt.Fprintf(&ab, "  (%d duplicates, first #%d)", a.Duplicates, a.PrimaryID)
		}
		fmt.Fprintf(&ab, "\n      %s [%s, rule %s]\n      %s\n", s(a.Title), a.Severity, s(a.Rule), s(entitiesText(a.Entities)))
		for _, f := range a.Factors {
			fmt.Fprintf(&ab, "      %+4d  %-20s %s\n", f.Points, f.Name, s(f.Detail))
		}
		if _, err := io.WriteString(w, ab.String()); err != nil {
			return err
		}
	}
	return nil
}

// wrap breaks text into lines of at most width characters, each starting with indent.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	b.WriteString(line)
	return b.String()
}

// alertScoreColumns are the columns trawl alerts adds after alertColumns: the last scoring's
// score and action (empty before any scoring).
var alertScoreColumns = []string{"score", "action"}

func alertScoreValues(scores map[int64]engine.AlertScore, id int64) []any {
	sc, ok := scores[id]
	if !ok {
		return []any{nil, nil}
	}
	return []any{sc.Score, sc.Action}
}
