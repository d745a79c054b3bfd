// Package overview is the store at a glance: event volume per source over time as sparklines,
// alert counts by ATT&CK tactic, the entities most alerts name, and the SOC KPIs of the case
// files.
package overview

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"trawl/cases"
	"trawl/tui"
	"trawl/tui/text"
)

// Model is the overview screen.
type Model struct {
	ctx  *tui.Context
	id   int
	w, h int

	ov     tui.Overview
	loaded bool
	err    error
	cursor int // selected top entity

	// The KPI panel, loaded in its own slot.
	kpi       cases.KPIs
	kpiLoaded bool
	kpiErr    error
}

// New returns the overview screen.
func New(ctx *tui.Context) *Model { return &Model{ctx: ctx, id: ctx.NewID()} }

func (m *Model) ID() int         { return m.id }
func (m *Model) Title() string   { return "Overview" }
func (m *Model) Capturing() bool { return false }
func (m *Model) Init() tea.Cmd   { return tea.Batch(m.load(), m.loadKPI()) }

// topN is how many entities are listed.
const topN = 10

// sparkWidth is the sparkline width at the current size: the buckets asked of the store.
func (m *Model) sparkWidth() int { return max(m.w-16-10, 10) }

func (m *Model) load() tea.Cmd {
	store, n := m.ctx.Store, m.sparkWidth()
	return m.ctx.Query(m.id, "overview", func(ctx context.Context) (any, error) { return store.Overview(ctx, n, topN) })
}

func (m *Model) loadKPI() tea.Cmd {
	store := m.ctx.Store
	return m.ctx.Query(m.id, "kpi", func(ctx context.Context) (any, error) { return store.KPIs(ctx) })
}

func (m *Model) SetSize(w, h int) { m.w, m.h = w, h }

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tui.QueryFinishedMsg:
		if msg.Slot == "kpi" {
			if msg.Err != nil {
				m.kpiErr = msg.Err
				return tui.Fail(msg.Err)
			}
			m.kpi, m.kpiLoaded, m.kpiErr = msg.Rows.(cases.KPIs), true, nil
			return nil
		}
		if msg.Err != nil {
			m.err = msg.Err
			return tui.Fail(msg.Err)
		}
		m.ov, m.loaded, m.err = msg.Rows.(tui.Overview), true, nil
		m.cursor = min(m.cursor, max(len(m.ov.Entities)-1, 0))
	case tea.KeyPressMsg:
		k := m.ctx.Keys
		switch {
		case key.Matches(msg, k.Down):
			m.cursor = min(m.cursor+1, max(len(m.ov.Entities)-1, 0))
		case key.Matches(msg, k.Up):
			m.cursor = max(m.cursor-1, 0)
		case key.Matches(msg, k.Refresh):
			return tea.Batch(m.load(), m.loadKPI())
		case key.Matches(msg, k.Open), key.Matches(msg, k.Pivot):
			if m.cursor < len(m.ov.Entities) {
				e := m.ov.Entities[m.cursor]
				return tui.Open(tui.Target{Kind: "entity", Entity: tui.EntityKind(e.Kind), Value: e.Value})
			}
		}
	}
	return nil
}

func (m *Model) View() string {
	th := m.ctx.Theme
	var lines []string
	switch {
	case m.err != nil && !m.loaded:
		return tui.Block([]string{th.Title.Render("Overview"), th.Error.Render(text.Clip("error: "+m.err.Error(), m.w))}, m.w, m.h)
	case !m.loaded:
		return tui.Block([]string{th.Title.Render("Overview"), th.Muted.Render("loading…")}, m.w, m.h)
	}
	o := m.ov
	head := fmt.Sprintf("  %d events · %d alerts", o.Events, o.Alerts)
	if !o.From.IsZero() {
		head += " · " + o.From.Format("2006-01-02 15:04") + " → " + o.To.Format("2006-01-02 15:04") + " · cell ≈ " + span(o.Bucket*time.Duration(max(len(firstCounts(o)), 1))/time.Duration(m.sparkWidth()))
	}
	lines = append(lines, th.Title.Render("Overview")+th.Muted.Render(text.Truncate(head, max(m.w-8, 0))))
	lines = append(lines, m.kpiLines()...)
	lines = append(lines, "")

	// Event volume: at most a third of the screen.
	lines = append(lines, th.Title.Render("Event volume per source"))
	maxSources := max((m.h-6)/3, 2)
	sw := m.sparkWidth()
	for i, s := range o.Sources {
		if i == maxSources-1 && len(o.Sources) > maxSources {
			lines = append(lines, th.Muted.Render(fmt.Sprintf("  … %d more sources", len(o.Sources)-i)))
			break
		}
		lines = append(lines, text.Pad(" "+s.Source, 16)+th.Accent.Render(tui.Sparkline(s.Counts, sw))+th.Muted.Render(fmt.Sprintf(" %9d", s.Total)))
	}
	if len(o.Sources) == 0 {
		lines = append(lines, th.Muted.Render("  no events: import some with `trawl import`"))
	}
	lines = append(lines, "")

	// Two columns: alerts by tactic, top entities.
	rest := m.h - len(lines)
	leftW := (m.w - 2) / 2
	rightW := m.w - leftW - 2
	left := []string{th.Title.Render("Alerts by ATT&CK tactic")}
	var peak int64
	for _, tc := range o.Tactics {
		peak = max(peak, tc.Alerts)
	}
	nameW := min(22, leftW/2)
	for _, tc := range o.Tactics {
		barW := leftW - nameW - 7
		left = append(left, text.Pad(" "+tc.Tactic, nameW)+th.Muted.Render(fmt.Sprintf("%5d ", tc.Alerts))+th.Severity("high").Render(tui.Bar(tc.Alerts, peak, barW)))
	}
	if len(o.Tactics) == 0 {
		left = append(left, th.Muted.Render(" no alerts with ATT&CK techniques"))
	}
	heading, count := "Entities in most alerts", func(e tui.EntityCount) string { return fmt.Sprintf("%6d", e.Alerts) }
	if o.Scored {
		heading, count = "Entities by risk", func(e tui.EntityCount) string { return fmt.Sprintf("%6.0f", e.Risk) }
	}
	right := []string{th.Title.Render(heading) + th.Muted.Render(" (enter: pivot)")}
	for i, e := range o.Entities {
		label := text.Clip(e.Kind+":"+e.Value, rightW-8)
		row := " " + text.Pad(label, rightW-8) + count(e)
		if i == m.cursor {
			row = th.Selected.Render(tui.Line(row, rightW))
		} else {
			row = th.Chip.Render(" "+label) + tui.Line("", rightW-8-text.Width(label)) + th.Muted.Render(count(e))
		}
		right = append(right, row)
	}
	if len(o.Entities) == 0 {
		right = append(right, th.Muted.Render(" none"))
	}
	for i := range max(len(left), len(right)) {
		if i >= rest {
			break
		}
		l, r := "", ""
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		lines = append(lines, tui.Line(l, leftW)+"  "+tui.Line(r, rightW))
	}
	return tui.Block(lines, m.w, m.h)
}

// largeKPI is the size from which the KPIs are a table rather than two lines.
func (m *Model) largeKPI() bool { return m.w >= 100 && m.h >= 40 }

// kpiLines is the KPI panel: two lines under the heading on a small screen, a small table
// (after a blank line) on a large one.
func (m *Model) kpiLines() []string {
	th := m.ctx.Theme
	title := th.Title.Render("SOC KPIs") + th.Muted.Render(" · all cases  ")
	var msg string
	switch {
	case m.kpiErr != nil:
		return []string{tui.Line(title+th.Error.Render(text.Clip("error: "+m.kpiErr.Error(), max(m.w-text.Width(title), 0))), m.w)}
	case !m.kpiLoaded:
		msg = "loading…"
	case m.kpi.Cases == 0:
		msg = "no cases yet"
	}
	if msg != "" {
		return []string{tui.Line(title+th.Muted.Render(msg), m.w)}
	}
	k := m.kpi
	v := k.Verdicts
	tp, btp, fp := v[string(cases.VerdictTruePositive)], v[string(cases.VerdictBenignTruePositive)], v[string(cases.VerdictFalsePositive)]
	if !m.largeKPI() {
		return []string{
			tui.Line(title+text.Truncate(fmt.Sprintf("cases %d · TP %d · benign TP %d · FP %d · open %d", k.Cases, tp, btp, fp, v["open"]), max(m.w-text.Width(title), 0)), m.w),
			tui.Line(text.Truncate(fmt.Sprintf("  MTTD %s · MTTR %s · FP rate %s · TP yield %s · analyst %s/case",
				kpiDuration(k.MTTD), kpiDuration(k.MTTR), kpiRatio(k.FalsePositiveRate), kpiRatio(k.TruePositiveYield), kpiDuration(k.AnalystTime)), m.w), m.w),
		}
	}
	rows := [][3]string{
		{"cases", strconv.Itoa(k.Cases), fmt.Sprintf("%d true positive · %d benign true positive · %d false positive · %d open", tp, btp, fp, v["open"])},
		{"mean time to detect", kpiDuration(k.MTTD), "first malicious event to first alert, true positives"},
		{"mean time to respond", kpiDuration(k.MTTR), "first alert to containment, true positives"},
		{"false-positive rate", kpiRatio(k.FalsePositiveRate), "false-positive cases / cases with a verdict"},
		{"true-positive yield", kpiRatio(k.TruePositiveYield), "alerts in true-positive cases / alerts in cases with a verdict"},
		{"analyst time per case", kpiDuration(k.AnalystTime), "history activity, pauses over 30m left out"},
	}
	out := []string{"", tui.Line(title, m.w)}
	for _, r := range rows {
		out = append(out, tui.Line(text.Pad(" "+r[0], 24)+th.Accent.Render(text.Pad(r[1], 10))+th.Muted.Render(text.Truncate(r[2], max(m.w-34, 0))), m.w))
	}
	return out
}

// kpiDuration is a mean duration in seconds for display, "-" when there is none.
func kpiDuration(s *float64) string {
	if s == nil {
		return "-"
	}
	return cases.FormatDuration(time.Duration(*s * float64(time.Second)))
}

// kpiRatio is a ratio as a percentage, "-" when there is none.
func kpiRatio(r *float64) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", *r*100)
}

func firstCounts(o tui.Overview) []int64 {
	if len(o.Sources) == 0 {
		return nil
	}
	return o.Sources[0].Counts
}

// span is a duration rounded for display: 45s, 12m, 3h, 2d.
func span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(max(int(d.Round(time.Second)/time.Second), 1)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d.Round(time.Minute)/time.Minute)) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Round(time.Hour)/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d.Round(24*time.Hour)/(24*time.Hour))) + "d"
}

func (m *Model) ShortHelp() []key.Binding {
	k := m.ctx.Keys
	return []key.Binding{k.Open, k.Refresh}
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.ctx.Keys
	return [][]key.Binding{{k.Up, k.Down, k.Open, k.Refresh}}
}
