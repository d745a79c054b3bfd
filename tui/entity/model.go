// Package entity is the workbench's pivot view of one entity (user, host, ip, process, domain,
// hash, file): first and last seen, an activity sparkline, its context from the asset and
// identity tables, threat-intel hits, related entities, the alerts naming it and its timeline.
// Enter on any field of a timeline event (or on a related entity) opens that entity; back and
// forward walk the entities visited, like a browser.
package entity

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"trawl/event"
	"trawl/themes"
	"trawl/tui"
	"trawl/tui/text"
	"trawl/tui/timeline"
)

// Ref names an entity: KIND=VALUE.
type Ref struct {
	Kind  event.Entity
	Value string
}

func (r Ref) String() string { return r.Kind.String() + "=" + r.Value }

// ProfileFinishedMsg is the profile asked for by request Seq of view Owner.
type ProfileFinishedMsg struct {
	Owner   int
	Seq     int
	Profile Profile
	Err     error
}

// DetailsFinishedMsg is the intel and related entities asked for by request Seq of view Owner
// (they come after the rest of the profile, or before it).
type DetailsFinishedMsg struct {
	Owner   int
	Seq     int
	Details Details
	Err     error
}

// OpenAlertMsg asks the root to open an alert (enter on an alert of the list).
type OpenAlertMsg struct{ ID int64 }

// Focus is the part of the view that takes the keys.
type Focus int

const (
	FocusTimeline Focus = iota
	FocusRelated
	FocusAlerts
)

// Model is the entity view.
type Model struct {
	id     int
	src    Source
	theme  *themes.Theme
	Keys   KeyMap
	width  int
	height int
	focus  Focus

	history []Ref
	at      int // index into history of the entity shown; -1 before the first

	seq     int
	loading bool // the profile is being read
	// detailsLoading: its intel and related entities are being read (apart, being slower).
	detailsLoading bool
	cancel         context.CancelFunc
	profile        Profile
	err            error

	related int // selected related entity
	alert   int // selected alert

	timeline timeline.Model
}

// New builds the entity view over src; Open chooses the entity.
func New(src Source, theme *themes.Theme) Model {
	m := Model{id: int(lastID.Add(1)), src: src, theme: theme, Keys: DefaultKeyMap(), at: -1, timeline: timeline.New(src, theme)}
	m.SetSize(80, 24)
	return m
}

// SetSize gives the view its area.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 20), max(h, 12)
	m.timeline.SetSize(m.width, m.height-headerLines-m.panelHeight())
}

// Current is the entity shown, false before the first Open.
func (m Model) Current() (Ref, bool) {
	if m.at < 0 || m.at >= len(m.history) {
		return Ref{}, false
	}
	return m.history[m.at], true
}

// History is the entities visited, oldest first, and the index of the one shown.
func (m Model) History() ([]Ref, int) { return append([]Ref(nil), m.history...), m.at }

// Profile is the profile shown.
func (m Model) Profile() Profile { return m.profile }

// Timeline is the embedded timeline.
func (m Model) Timeline() timeline.Model { return m.timeline }

// Capturing says the view wants every key (typing a time in the timeline).
func (m Model) Capturing() bool { return m.timeline.Capturing() }

// Open shows an entity, dropping any forward history (like following a link).
func (m *Model) Open(kind event.Entity, value string) tea.Cmd {
	r := Ref{kind, strings.TrimSpace(value)}
	if cur, ok := m.Current(); ok && cur == r {
		return nil
	}
	m.history = append(m.history[:m.at+1], r)
	if len(m.history) > maxHistory {
		m.history = m.history[len(m.history)-maxHistory:]
	}
	m.at = len(m.history) - 1
	return m.load()
}

// lastID numbers entity views, so that one's profiles are never taken by another.
var lastID atomic.Int64

// ID tells this view's messages (their Owner) from another's.
func (m Model) ID() int { return m.id }

// maxHistory bounds the back history.
const maxHistory = 100

// Back shows the previous entity; Forward the next. Both return nil at the end.
func (m *Model) Back() tea.Cmd {
	if m.at <= 0 {
		return nil
	}
	m.at--
	return m.load()
}

func (m *Model) Forward() tea.Cmd {
	if m.at >= len(m.history)-1 {
		return nil
	}
	m.at++
	return m.load()
}

// load fetches the current entity's profile and timeline.
func (m *Model) load() tea.Cmd {
	r, ok := m.Current()
	if !ok {
		return nil
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.seq++
	m.loading, m.detailsLoading, m.err = true, true, nil
	m.profile = Profile{Kind: r.Kind, Value: r.Value}
	m.related, m.alert, m.focus = 0, 0, FocusTimeline
	// Both reads share a context, cancelled by the next load or once both are in.
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	id, seq, src := m.id, m.seq, m.src
	profile := func() tea.Msg {
		p, err := src.Profile(ctx, r.Kind, r.Value)
		return ProfileFinishedMsg{Owner: id, Seq: seq, Profile: p, Err: err}
	}
	details := func() tea.Msg {
		d, err := src.Details(ctx, r.Kind, r.Value)
		return DetailsFinishedMsg{Owner: id, Seq: seq, Details: d, Err: err}
	}
	// The header and the first timeline page draw as soon as they are in; intel and related
	// entities, the slowest to count, fill their panels when they come.
	return tea.Batch(profile, m.timeline.SetScope(timeline.Scope{Kind: r.Kind, Value: r.Value}), details)
}

// doneLoading releases the reads' context once both are in.
func (m *Model) doneLoading() {
	if !m.loading && !m.detailsLoading && m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
}

// Update handles keys, pivots and the view's own messages (and its timeline's).
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case ProfileFinishedMsg:
		if msg.Owner != m.id || msg.Seq != m.seq {
			return m, nil // stale: another entity was opened since
		}
		m.loading = false
		if msg.Err != nil {
			m.err = msg.Err
		} else {
			// Intel and related entities may have come first.
			intel, related := m.profile.Intel, m.profile.Related
			m.profile = msg.Profile
			m.profile.Intel, m.profile.Related = intel, related
		}
		m.doneLoading()
		return m, nil
	case DetailsFinishedMsg:
		if msg.Owner != m.id || msg.Seq != m.seq {
			return m, nil // stale
		}
		m.detailsLoading = false
		if msg.Err != nil {
			if m.err == nil {
				m.err = msg.Err
			}
		} else {
			m.profile.Intel, m.profile.Related = msg.Details.Intel, msg.Details.Related
		}
		m.doneLoading()
		return m, nil
	case timeline.PivotMsg:
		return m, m.Open(msg.Kind, msg.Value)
	case timeline.PageFinishedMsg, timeline.HistogramFinishedMsg, timeline.DetailFinishedMsg:
		var cmd tea.Cmd
		m.timeline, cmd = m.timeline.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m Model) key(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	if !m.timeline.Capturing() {
		switch {
		case key.Matches(msg, m.Keys.Back):
			return m, m.Back()
		case key.Matches(msg, m.Keys.Forward):
			return m, m.Forward()
		case key.Matches(msg, m.Keys.Panel):
			m.focus = (m.focus + 1) % 3
			return m, nil
		}
	}
	switch m.focus {
	case FocusRelated:
		switch {
		case key.Matches(msg, m.Keys.Up):
			m.related = max(m.related-1, 0)
		case key.Matches(msg, m.Keys.Down):
			m.related = min(m.related+1, max(len(m.profile.Related)-1, 0))
		case key.Matches(msg, m.Keys.Open):
			if m.related < len(m.profile.Related) {
				r := m.profile.Related[m.related]
				return m, m.Open(r.Kind, r.Value)
			}
		}
		return m, nil
	case FocusAlerts:
		switch {
		case key.Matches(msg, m.Keys.Up):
			m.alert = max(m.alert-1, 0)
		case key.Matches(msg, m.Keys.Down):
			m.alert = min(m.alert+1, max(len(m.profile.Alerts)-1, 0))
		case key.Matches(msg, m.Keys.Open):
			if m.alert < len(m.profile.Alerts) {
				id := m.profile.Alerts[m.alert].ID
				return m, func() tea.Msg { return OpenAlertMsg{ID: id} }
			}
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.timeline, cmd = m.timeline.Update(msg)
	return m, cmd
}

// headerLines are the title, the seen line and the activity line.
const headerLines = 3

// panelHeight is the rows of the context/intel/alerts/related panel.
func (m Model) panelHeight() int { return min(max(m.height/4, 5), 12) }

// View draws the entity view in its area.
func (m Model) View() string {
	lines := make([]string, 0, m.height)
	lines = append(lines, m.header()...)
	lines = append(lines, m.panels()...)
	lines = append(lines, strings.Split(m.timeline.View(), "\n")...)
	for len(lines) < m.height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:m.height], "\n")
}

func (m Model) header() []string {
	r, ok := m.Current()
	if !ok {
		return []string{m.theme.Title.Render("Entity"), m.theme.Muted.Render("no entity: pivot from a field with enter"), ""}
	}
	title := m.theme.Title.Render("Entity") + " " + m.theme.Chip.Render(text.Clip(r.String(), max(m.width/2, 10)))
	nav := fmt.Sprintf("  [ back %d · ] forward %d", m.at, len(m.history)-1-m.at)
	title += m.theme.Muted.Render(nav)
	if m.loading {
		title += m.theme.Muted.Render("  loading…")
	}
	p := m.profile
	var seen string
	switch {
	case m.err != nil:
		seen = m.theme.Error.Render(text.Clip(m.err.Error(), m.width))
	case m.loading:
		seen = ""
	case p.Events == 0:
		seen = m.theme.Muted.Render("no events")
	default:
		s := fmt.Sprintf("%d events · first seen %s · last seen %s", p.Events, timeText(p.First), timeText(p.Last))
		if p.AlertsTotal > 0 {
			s += fmt.Sprintf(" · %d alerts", p.AlertsTotal)
		}
		seen = m.theme.Base.Render(text.Clip(s, m.width))
	}
	return []string{text.Truncate(title, m.width), seen, m.activity()}
}

// activity is the events per day as a sparkline, the most recent days that fit.
func (m Model) activity() string {
	days := m.profile.Activity
	if len(days) == 0 {
		return ""
	}
	label := "activity "
	room := max(m.width-len(label)-24, 4)
	if len(days) > room {
		days = days[len(days)-room:]
	}
	counts := make([]int64, len(days))
	for i, d := range days {
		counts[i] = d.Events
	}
	s := m.theme.Muted.Render(label) + m.theme.Accent.Render(timeline.Spark(counts)) +
		m.theme.Muted.Render(" "+days[0].Day+"…"+days[len(days)-1].Day[5:])
	return text.Truncate(s, m.width)
}

// timeText writes a time as the timeline does, "-" for none.
func timeText(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format(timeline.TimeLayout)
}

// panels are context and intel on the left, alerts and related on the right (stacked in one
// column below 100 cells, split between them).
func (m Model) panels() []string {
	h := m.panelHeight()
	intelTitle := fmt.Sprintf("Intel (%d)", len(m.profile.Intel))
	if m.detailsLoading {
		intelTitle = "Intel"
	}
	left := m.stack(h, "Context", m.contextLines(), -1, intelTitle, m.intelLines(), -1)
	right := m.stack(h, fmt.Sprintf("Alerts (%d)", m.profile.AlertsTotal), m.alertLines(), m.selIf(FocusAlerts, m.alert),
		"Related", m.relatedLines(), m.selIf(FocusRelated, m.related))
	half := (m.width - 1) / 2
	out := make([]string, h)
	for i := range out {
		l, r := "", ""
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		out[i] = tui.Line(text.Truncate(l, half), half) + m.theme.Subtle.Render("│") + text.Truncate(r, m.width-half-1)
	}
	return out
}

// stack fits two titled lists into h rows: the first gets at least half of the item rows when
// the second needs them; each keeps its selected item in view.
func (m Model) stack(h int, titleA string, a []string, selA int, titleB string, b []string, selB int) []string {
	rows := max(h-2, 2)
	na := min(max(len(a), 1), max(rows/2, rows-max(len(b), 1)))
	nb := rows - na
	return append(m.section(titleA, a, selA, na), m.section(titleB, b, selB, nb)...)
}

func (m Model) selIf(f Focus, i int) int {
	if m.focus == f {
		return i
	}
	return -1
}

// section is a titled list in at most n item rows; sel is the selected item or -1. Items are
// already styled and cut.
func (m Model) section(title string, items []string, sel, n int) []string {
	out := []string{m.theme.Title.Render(title)}
	if len(items) == 0 {
		if m.detailsLoading && (strings.HasPrefix(title, "Intel") || title == "Related") {
			return append(out, m.theme.Subtle.Render("  loading…"))
		}
		return append(out, m.theme.Subtle.Render("  none"))
	}
	top := 0
	if sel >= n {
		top = sel - n + 1
	}
	for i := top; i < len(items) && i < top+n; i++ {
		if i == sel {
			out = append(out, m.theme.Selected.Render("▸ "+items[i]))
		} else {
			out = append(out, "  "+items[i])
		}
	}
	return out
}

// colWidth is the text room of a panel column (less the two-cell indent).
func (m Model) colWidth() int { return max((m.width-1)/2-2, 4) }

func (m Model) contextLines() []string {
	var out []string
	for _, f := range m.profile.Context {
		out = append(out, m.theme.Muted.Render(text.Clip(f.Label, 12)+": ")+text.Clip(f.Value, max(m.colWidth()-text.Width(text.Clip(f.Label, 12))-2, 1)))
	}
	return out
}

func (m Model) intelLines() []string {
	var out []string
	for _, h := range m.profile.Intel {
		s := h.Field + " " + h.Value
		if h.Name != "" {
			s += " " + h.Name
		}
		s += " · " + h.Source
		if h.Events > 0 {
			s += fmt.Sprintf(" · %d events", h.Events)
		}
		out = append(out, m.theme.Error.Render(text.Clip(s, m.colWidth())))
	}
	return out
}

func (m Model) alertLines() []string {
	var out []string
	for _, a := range m.profile.Alerts {
		sev := fmt.Sprintf("%-8s", text.Clip(a.Severity, 8))
		when := "           "
		if a.First != nil {
			when = a.First.UTC().Format("01-02 15:04")
		}
		rest := text.Clip(when+" "+a.Title, max(m.colWidth()-9, 1))
		out = append(out, m.theme.Severity(a.Severity).Render(sev)+" "+rest)
	}
	return out
}

func (m Model) relatedLines() []string {
	var out []string
	for _, r := range m.profile.Related {
		s := fmt.Sprintf("%s=%s", r.Kind, r.Value)
		n := fmt.Sprintf(" %d", r.Events)
		out = append(out, text.Clip(s, max(m.colWidth()-len(n), 1))+m.theme.Muted.Render(n))
	}
	return out
}
