package cases

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"trawl/render"
)

// ReportSchema names the JSON report's layout; it changes only when a field changes meaning or
// goes away (new fields may be added). docs/cases.md documents it.
const ReportSchema = "trawl.case.report/v1"

// MaxReportEvidence is how many evidence events a report lists; the rest are counted.
const MaxReportEvidence = 200

// Report is everything a case report shows.
type Report struct {
	Schema      string           `json:"schema"`
	GeneratedAt time.Time        `json:"generated_at"`
	Summary     string           `json:"summary"` // the executive summary, plain text
	Case        *Case            `json:"case"`
	Timeline    []Entry          `json:"timeline"`
	Actions     []Task           `json:"actions_taken"` // done tasks
	OpenTasks   []Task           `json:"open_tasks"`
	Playbook    []Recommendation `json:"recommendations"`
	KPIs        ReportKPIs       `json:"kpis"`
}

// ReportKPIs are the case's own measures.
type ReportKPIs struct {
	TimeToDetect  *float64 `json:"time_to_detect_seconds"`
	TimeToRespond *float64 `json:"time_to_respond_seconds"`
	AnalystTime   float64  `json:"analyst_seconds"`
	TasksDone     int      `json:"tasks_done"`
	TasksOpen     int      `json:"tasks_open"`
}

// NewReport assembles a case's report at time now (fixed in tests).
func NewReport(c *Case, recs []Recommendation, now time.Time) *Report {
	r := &Report{Schema: ReportSchema, GeneratedAt: now.UTC(), Case: c, Timeline: Timeline(c),
		Actions: []Task{}, OpenTasks: []Task{}, Playbook: recs}
	if r.Playbook == nil {
		r.Playbook = []Recommendation{}
	}
	for _, t := range c.Tasks {
		if t.Done() {
			r.Actions = append(r.Actions, t)
		} else {
			r.OpenTasks = append(r.OpenTasks, t)
		}
	}
	m := CaseMetrics(c)
	r.KPIs = ReportKPIs{TimeToDetect: seconds(m.TimeToDetect), TimeToRespond: seconds(m.TimeToRespond),
		AnalystTime: m.AnalystTime.Seconds(), TasksDone: len(r.Actions), TasksOpen: len(r.OpenTasks)}
	r.Summary = summary(c, r)
	return r
}

func seconds(d *time.Duration) *float64 {
	if d == nil {
		return nil
	}
	s := d.Seconds()
	return &s
}

// summary is the executive summary: one paragraph a manager can read.
func summary(c *Case, r *Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Case %d, %q, is %s with severity %s", c.ID, c.Title, c.Status, c.Severity)
	if c.Verdict != "" {
		fmt.Fprintf(&b, " and the verdict %s", strings.ReplaceAll(string(c.Verdict), "_", " "))
	} else {
		b.WriteString(" and no verdict yet")
	}
	b.WriteString(".")
	if len(c.Alerts) > 0 || len(c.Incidents) > 0 {
		rules := map[string]bool{}
		for _, a := range c.Alerts {
			rules[a.Rule] = true
		}
		fmt.Fprintf(&b, " It covers %d alert(s) from %d rule(s)", len(c.Alerts), len(rules))
		if len(c.Incidents) > 0 {
			fmt.Fprintf(&b, " and %d incident(s)", len(c.Incidents))
		}
		fmt.Fprintf(&b, ", with %d evidence event(s)", c.EvidenceN)
		if c.First != nil && c.Last != nil {
			fmt.Fprintf(&b, " between %s and %s", fmtTime(*c.First), fmtTime(*c.Last))
		}
		b.WriteString(".")
	}
	var scope []string
	for _, kind := range []string{"user", "host", "src_ip", "dst_ip", "domain"} {
		var vs []string
		for _, e := range c.Entities {
			if e.Kind == kind {
				vs = append(vs, e.Value)
			}
		}
		if len(vs) > 0 {
			if len(vs) > 3 {
				vs = append(vs[:3], fmt.Sprintf("%d more", len(vs)-3))
			}
			scope = append(scope, fmt.Sprintf("%s %s", kindLabel(kind), strings.Join(vs, ", ")))
		}
	}
	if len(scope) > 0 {
		fmt.Fprintf(&b, " Scope: %s.", strings.Join(scope, "; "))
	}
	if len(c.Techniques) > 0 {
		var ts []string
		for _, t := range c.Techniques {
			if t.Name != "" {
				ts = append(ts, t.ID+" "+t.Name)
			} else {
				ts = append(ts, t.ID)
			}
		}
		fmt.Fprintf(&b, " ATT&CK: %s.", strings.Join(ts, ", "))
	}
	fmt.Fprintf(&b, " %d of %d task(s) done.", r.KPIs.TasksDone, r.KPIs.TasksDone+r.KPIs.TasksOpen)
	return b.String()
}

var kindLabels = map[string]string{"user": "users", "target_user": "target users", "host": "hosts",
	"src_ip": "source addresses", "dst_ip": "destination addresses", "process": "processes",
	"domain": "domains", "hash": "hashes"}

func kindLabel(k string) string {
	if l, ok := kindLabels[k]; ok {
		return l
	}
	return k
}

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return fmtTime(*t)
}

// FormatDuration prints a duration to the minute (seconds under a minute): 3d 4h 5m.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		return "-" + FormatDuration(-d)
	}
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	m := int(d.Round(time.Minute).Minutes())
	var parts []string
	if m >= 1440 {
		parts = append(parts, fmt.Sprintf("%dd", m/1440))
		m %= 1440
	}
	if m >= 60 {
		parts = append(parts, fmt.Sprintf("%dh", m/60))
		m %= 60
	}
	if m > 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%dm", m))
	}
	return strings.Join(parts, " ")
}

func fmtSeconds(s *float64) string {
	if s == nil {
		return "-"
	}
	return FormatDuration(time.Duration(*s * float64(time.Second)))
}

// ReportFormats are the formats Write takes.
var ReportFormats = []string{"md", "html", "json"}

// Write writes the report in one of ReportFormats.
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case "md":
		return r.WriteMarkdown(w)
	case "html":
		return r.WriteHTML(w)
	case "json":
		return r.WriteJSON(w)
	}
	return fmt.Errorf("unknown report format %q: want one of %s", format, strings.Join(ReportFormats, ", "))
}

// WriteJSON writes the report as indented JSON. Go's encoder escapes <, > and & as \u003c ...
// and control characters as \u001b ..., so no text in it can act as markup or a terminal escape
// wherever the JSON is pasted or printed.
func (r *Report) WriteJSON(w io.Writer) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return err
	}
	_, err := w.Write(EscapeJSONControls(b.Bytes()))
	return err
}

// EscapeJSONControls rewrites the characters Go's JSON encoder leaves raw but a terminal or an
// editor acts on (DEL, the C1 controls, the bidirectional overrides and isolates) as \uXXXX
// escapes. In JSON text they can only stand inside strings, so the result decodes to the same
// values.
func EscapeJSONControls(b []byte) []byte {
	if !bytes.ContainsFunc(b, jsonControl) {
		return b
	}
	var out bytes.Buffer
	for _, r := range string(b) {
		if jsonControl(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
		} else {
			out.WriteRune(r)
		}
	}
	return out.Bytes()
}

func jsonControl(r rune) bool {
	return r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// mdSpecial are the characters escaped in Markdown text: Markdown syntax, and the HTML ones as
// entities so no log text can open a tag in a renderer that allows raw HTML.
var mdSpecial = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "{", `\{`, "}", `\}`, "[", `\[`, "]", `\]`,
	"(", `\(`, ")", `\)`, "#", `\#`, "!", `\!`, "|", `\|`, "~", `\~`,
	"<", "&lt;", ">", "&gt;", "&", "&amp;", "\r\n", " ", "\n", " ", "\r", " ", "\t", " ")

// md makes log-derived text inert in Markdown: one line, terminal controls shown as escapes,
// Markdown and HTML syntax escaped.
func md(s string) string { return mdSpecial.Replace(render.Sanitize(s)) }

// mdPara is md for text that starts a line: a leading - or + (a list item) or number and dot
// (an ordered list) is escaped too.
func mdPara(s string) string {
	out := md(s)
	if strings.HasPrefix(out, "-") || strings.HasPrefix(out, "+") {
		return `\` + out
	}
	if i := strings.IndexFunc(out, func(r rune) bool { return r < '0' || r > '9' }); i > 0 && (out[i] == '.' || out[i] == ')') && (i+1 == len(out) || out[i+1] == ' ') {
		return out[:i] + `\` + out[i:]
	}
	return out
}

// WriteMarkdown writes the report as Markdown.
func (r *Report) WriteMarkdown(w io.Writer) error {
	c := r.Case
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	// section writes a heading, then the empty text when there are no rows, else head (a
	// table's header, or nothing for a list), the n rows and a blank line.
	section := func(title, empty, head string, n int, row func(i int)) {
		p("## %s\n\n", title)
		if n == 0 {
			p("%s\n\n", empty)
			return
		}
		p("%s", head)
		for i := range n {
			row(i)
		}
		p("\n")
	}
	p("# Case %d: %s\n\n", c.ID, md(c.Title))
	p("| | |\n|---|---|\n")
	p("| Status | %s |\n| Severity | %s |\n| Verdict | %s |\n| Assignee | %s |\n", md(string(c.Status)), md(c.Severity), md(verdictText(c.Verdict)), md(orDash(c.Assignee)))
	p("| Opened | %s by %s |\n| Updated | %s |\n| Report generated | %s |\n", fmtTime(c.CreatedAt), md(c.CreatedBy), fmtTime(c.UpdatedAt), fmtTime(r.GeneratedAt))
	p("| History head | %s |\n\n", md(c.HeadHash))
	p("## Executive summary\n\n%s\n\n", mdPara(r.Summary))
	if c.Narrative != "" {
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(c.Narrative), "\n") {
			lines = append(lines, mdPara(l))
		}
		p("%s\n\n", strings.Join(lines, "  \n"))
	}
	p("## Scope\n\n")
	p("- Time range: %s to %s\n", fmtTimePtr(c.First), fmtTimePtr(c.Last))
	p("- Alerts: %d; incidents: %d; evidence events: %d\n\n", len(c.Alerts), len(c.Incidents), c.EvidenceN)
	if len(c.Alerts) > 0 {
		p("| Alert | Rule | Severity | ATT&CK | First | Last | Evidence |\n|---|---|---|---|---|---|---|\n")
		for _, a := range c.Alerts {
			p("| %d | %s | %s | %s | %s | %s | %d |\n", a.ID, md(a.Rule), md(a.Severity), md(strings.Join(a.Attack, ", ")), fmtTimePtr(a.First), fmtTimePtr(a.Last), a.Evidence)
		}
		p("\n")
	}
	p("## Timeline\n\n")
	if len(r.Timeline) == 0 {
		p("Nothing recorded.\n\n")
	} else {
		shown, hidden := ShownTimeline(r.Timeline)
		p("| Time | Kind | Ref | What |\n|---|---|---|---|\n")
		for _, e := range shown {
			p("| %s | %s | %d | %s |\n", fmtTimePtr(e.At), md(string(e.Kind)), e.Ref, md(cut(e.Text, 300)))
		}
		if hidden > 0 {
			p("\n%d more evidence events are left out of this table (all are in the JSON report).\n", hidden)
		}
		p("\n")
	}
	section("ATT&CK techniques", "None recorded.", "| Technique | Name | Tactics |\n|---|---|---|\n", len(c.Techniques), func(i int) {
		t := c.Techniques[i]
		p("| %s | %s | %s |\n", md(t.ID), md(orDash(t.Name)), md(orDash(strings.Join(t.Tactics, ", "))))
	})
	section("Entities", "None recorded.", "| Kind | Value | Context |\n|---|---|---|\n", len(c.Entities), func(i int) {
		e := c.Entities[i]
		p("| %s | %s | %s |\n", md(e.Kind), md(e.Value), md(orDash(e.Context)))
	})
	p("## Evidence\n\n")
	if len(c.Evidence) == 0 {
		p("None recorded.\n\n")
	} else {
		p("| Event | Time | Source | Host | User | Summary |\n|---|---|---|---|---|---|\n")
		for i, e := range c.Evidence {
			if i == MaxReportEvidence {
				break
			}
			pin := ""
			if e.Pinned {
				pin = " (pinned)"
			}
			p("| %d%s | %s | %s:%d | %s | %s | %s |\n", e.ID, pin, fmtTimePtr(e.Time), md(e.File), e.Line, md(e.Host), md(e.User), md(cut(e.Summary(), 200)))
		}
		if more := c.EvidenceN - min(len(c.Evidence), MaxReportEvidence); more > 0 {
			p("\n%d more evidence events are in the store (trawl case show %d).\n", more, c.ID)
		}
		p("\n")
	}
	section("Actions taken", "None yet.", "", len(r.Actions), func(i int) {
		t := r.Actions[i]
		p("- [x] %s%s (done %s by %s)\n", phaseTag(t.Phase), md(t.Text), fmtTimePtr(t.DoneAt), md(t.DoneBy))
	})
	section("Open tasks", "None.", "", len(r.OpenTasks), func(i int) {
		t := r.OpenTasks[i]
		p("- [ ] %s%s\n", phaseTag(t.Phase), md(t.Text))
	})
	section("Notes", "None.", "", len(c.Notes), func(i int) {
		n := c.Notes[i]
		p("- %s, %s: %s\n", fmtTime(n.At), md(n.Author), md(n.Text))
	})
	p("## Verdict\n\n%s\n\n", mdPara(verdictText(c.Verdict)))
	p("## KPIs\n\n")
	p("- Time to detect (first evidence to first alert): %s\n", fmtSeconds(r.KPIs.TimeToDetect))
	p("- Time to respond (first alert to containment): %s\n", fmtSeconds(r.KPIs.TimeToRespond))
	p("- Analyst time: %s\n", FormatDuration(time.Duration(r.KPIs.AnalystTime*float64(time.Second))))
	p("- Tasks: %d done, %d open\n", r.KPIs.TasksDone, r.KPIs.TasksOpen)
	_, err := w.Write(b.Bytes())
	return err
}

func phaseTag(p string) string {
	if p == "" {
		return ""
	}
	return "**" + md(p) + "**: "
}

func verdictText(v Verdict) string {
	if v == "" {
		return "none yet"
	}
	return strings.ReplaceAll(string(v), "_", " ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cut shortens text to n characters.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

//go:embed report.html.tmpl
var htmlTemplate string

var reportHTML = template.Must(template.New("report").Funcs(template.FuncMap{
	"time":     fmtTime,
	"timep":    fmtTimePtr,
	"clean":    func(s string) string { return render.Sanitize(s) },
	"cut":      func(n int, s string) string { return render.Sanitize(cut(s, n)) },
	"join":     strings.Join,
	"verdict":  verdictText,
	"dash":     orDash,
	"seconds":  fmtSeconds,
	"duration": func(s float64) string { return FormatDuration(time.Duration(s * float64(time.Second))) },
	"limit": func(es []Event) []Event {
		if len(es) > MaxReportEvidence {
			return es[:MaxReportEvidence]
		}
		return es
	},
	"sub": func(a, b int) int { return a - b },
}).Parse(htmlTemplate))

// WriteHTML writes the report as one self-contained HTML page: inline CSS (with print styles)
// and an inline SVG chart of the timeline; html/template escapes every value.
func (r *Report) WriteHTML(w io.Writer) error {
	data := struct {
		*Report
		Charts         []Chart
		Shown          int
		Hidden         int
		Events         []Entry
		EventsHidden   int
		NarrativeLines []string
	}{Report: r, Charts: []Chart{
		TimelineChart(r.Timeline, "What happened: evidence events and alerts", EntryEvent, EntryAlert),
		TimelineChart(r.Timeline, "The response: status changes and notes", EntryStatus, EntryNote),
	}, NarrativeLines: strings.Split(strings.TrimSpace(r.Case.Narrative), "\n")}
	data.Events, data.EventsHidden = ShownTimeline(r.Timeline)
	data.Shown = min(len(r.Case.Evidence), MaxReportEvidence)
	data.Hidden = r.Case.EvidenceN - data.Shown
	var b bytes.Buffer
	if err := reportHTML.Execute(&b, data); err != nil {
		return err
	}
	// The template holds no control characters but line breaks; any other one came from the
	// case, through a field the template does not clean: show it as an escape too.
	_, err := io.WriteString(w, render.Sanitize(b.String()))
	return err
}

// ShownTimeline is the part of a timeline the Markdown and HTML tables list: every alert, note
// and status change, and the first MaxReportEvidence evidence events; hidden counts the rest.
func ShownTimeline(tl []Entry) (shown []Entry, hidden int) {
	events := 0
	for _, e := range tl {
		if e.Kind == EntryEvent {
			events++
			if events > MaxReportEvidence {
				hidden++
				continue
			}
		}
		shown = append(shown, e)
	}
	return shown, hidden
}

// Chart is part of the timeline drawn as an SVG: one lane per entry kind, a mark per entry.
type Chart struct {
	Title         string
	Width, Height int
	Lanes         []Lane
	Start, End    string // axis labels
	Empty         bool
}

// Lane is one row of the chart.
type Lane struct {
	Label string
	Y     int
	Class string
	Marks []Mark
}

// Mark is one entry on the chart.
type Mark struct {
	X     float64
	Title string // the tooltip: time and text
}

// TimelineChart lays out the entries of the given kinds on a 900-wide chart, one lane per
// kind, over their own time range. Reports draw two: what happened (events and alerts) and
// the response (status changes and notes), which may come weeks later.
func TimelineChart(entries []Entry, title string, kinds ...EntryKind) Chart {
	ch := Chart{Title: title, Width: 900, Height: 40 + 28*len(kinds)}
	const left, right = 90.0, 880.0
	labels := map[EntryKind]string{EntryEvent: "events", EntryAlert: "alerts", EntryStatus: "status", EntryNote: "notes"}
	lanes := map[EntryKind]*Lane{}
	for i, k := range kinds {
		ch.Lanes = append(ch.Lanes, Lane{Label: labels[k], Y: 24 + 28*i, Class: string(k)})
	}
	for i, k := range kinds {
		lanes[k] = &ch.Lanes[i]
	}
	var lo, hi time.Time
	for _, e := range entries {
		if e.At == nil || lanes[e.Kind] == nil {
			continue
		}
		if lo.IsZero() || e.At.Before(lo) {
			lo = *e.At
		}
		if hi.IsZero() || e.At.After(hi) {
			hi = *e.At
		}
	}
	if lo.IsZero() {
		ch.Empty = true
		return ch
	}
	ch.Start, ch.End = fmtTime(lo), fmtTime(hi)
	span := hi.Sub(lo).Seconds()
	for _, e := range entries {
		if e.At == nil {
			continue
		}
		x := (left + right) / 2
		if span > 0 {
			x = left + (right-left)*e.At.Sub(lo).Seconds()/span
		}
		l := lanes[e.Kind]
		if l == nil {
			continue
		}
		l.Marks = append(l.Marks, Mark{X: math.Round(x*10) / 10, Title: fmtTime(*e.At) + " " + render.Sanitize(cut(e.Text, 200))})
	}
	for i := range ch.Lanes {
		l := &ch.Lanes[i]
		sort.SliceStable(l.Marks, func(a, b int) bool { return l.Marks[a].X < l.Marks[b].X })
		// Marks closer than a pixel are drawn as one, its title counting the others: a
		// thousand events stay a small drawing.
		var merged []Mark
		more := 0
		for _, m := range l.Marks {
			if n := len(merged); n > 0 && m.X-merged[n-1].X < 1 {
				more++
				continue
			}
			if more > 0 {
				merged[len(merged)-1].Title += fmt.Sprintf(" (and %d more)", more)
				more = 0
			}
			merged = append(merged, m)
		}
		if more > 0 {
			merged[len(merged)-1].Title += fmt.Sprintf(" (and %d more)", more)
		}
		l.Marks = merged
	}
	return ch
}
