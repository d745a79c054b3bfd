// Package timeline is the workbench's timeline: the events of an entity, an alert or a query
// in time order, paged from the store by (time, id), with an activity strip whose bucket size
// zooms, jumping to a time, alert evidence highlighted, and the selected event's fields, any of
// which opens that entity (PivotMsg).
package timeline

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"trawl/event"
	"trawl/themes"
	"trawl/tui"
	"trawl/tui/text"
)

// Zooms are the bucket sizes of the activity strip, finest first.
var Zooms = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour}

// TimeLayout is how the timeline writes times (UTC).
const TimeLayout = "2006-01-02 15:04:05"

// PageFinishedMsg is a page of events for request Seq of timeline Owner.
type PageFinishedMsg struct {
	Owner int
	Seq   int
	Page  Page
	// Select says which event to select: its index, or -1 for the last.
	Select int
	Err    error
}

// HistogramFinishedMsg is the activity strip for request Seq of timeline Owner.
type HistogramFinishedMsg struct {
	Owner   int
	Seq     int
	From    time.Time
	Width   time.Duration
	Buckets []Bucket
	Err     error
}

// DetailFinishedMsg is every column of an event, for request Seq of timeline Owner.
type DetailFinishedMsg struct {
	Owner int
	Seq   int
	Event Event
	Err   error
}

// PivotMsg asks to open the entity view on Kind=Value (sent by enter on a field).
type PivotMsg struct {
	Kind  event.Entity
	Value string
}

// Focus is the part of the timeline that takes the keys.
type Focus int

const (
	FocusEvents Focus = iota
	FocusFields
	FocusJump
)

// Model is a timeline.
type Model struct {
	id     int // tells this timeline's messages from another's (the entity view embeds one)
	src    Source
	theme  *themes.Theme
	Keys   KeyMap
	scope  Scope
	width  int
	height int
	focus  Focus

	pageSize int
	seq      int
	loading  bool
	cancel   context.CancelFunc
	page     Page
	sel      int // selected event in page
	top      int // first event row shown
	field    int // selected field of the selected event
	err      error

	detailSeq    int
	detailCancel context.CancelFunc // cancels the detail read in flight

	zoom      int
	histSeq   int
	histFrom  time.Time
	histWidth time.Duration
	histScope Scope
	histN     int
	buckets   []Bucket

	jump    tui.Input // the time being typed after g
	jumpErr string

	// raw shows the selected event's original record in the lower panel instead of its fields
	// (r toggles it).
	raw bool
}

// New builds a timeline over src; call SetScope to choose its events.
func New(src Source, theme *themes.Theme) Model {
	m := Model{id: int(lastID.Add(1)), src: src, theme: theme, Keys: DefaultKeyMap(), pageSize: 100, zoom: 3, jump: tui.Input{Limit: 40}}
	m.SetSize(80, 24)
	return m
}

// SetSize gives the timeline its area.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 20), max(h, 6)
	m.scroll()
}

// SetPageSize sets how many events are read at a time (default 100).
func (m *Model) SetPageSize(n int) { m.pageSize = max(n, 1) }

// Scope is the events shown.
func (m Model) Scope() Scope { return m.scope }

// Selected is the selected event, false when there is none.
func (m Model) Selected() (Event, bool) {
	if m.sel < 0 || m.sel >= len(m.page.Events) {
		return Event{}, false
	}
	return m.page.Events[m.sel], true
}

// Capturing says the timeline wants every key (typing a time after g).
func (m Model) Capturing() bool { return m.focus == FocusJump }

// Zoom is the activity strip's bucket size.
func (m Model) Zoom() time.Duration { return Zooms[m.zoom] }

// SetScope shows scope's events from the first one.
func (m *Model) SetScope(s Scope) tea.Cmd {
	m.scope = s
	m.page, m.sel, m.top, m.field, m.err = Page{}, 0, 0, 0, nil
	m.buckets = nil
	m.focus = FocusEvents
	return m.load(PageRequest{From: Cursor{Time: s.Start}, Inclusive: true}, 0)
}

// load asks for a page, dropping whatever is in flight.
func (m *Model) load(req PageRequest, sel int) tea.Cmd {
	if m.cancel != nil {
		m.cancel()
	}
	req.Scope = m.scope
	req.Limit = m.pageSize
	m.seq++
	m.loading = true
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	id, seq, src := m.id, m.seq, m.src
	return func() tea.Msg {
		defer cancel()
		p, err := src.Events(ctx, req)
		return PageFinishedMsg{Owner: id, Seq: seq, Page: p, Select: sel, Err: err}
	}
}

// detail asks for every column of the selected event, unless it has them.
func (m *Model) detail() tea.Cmd {
	e, ok := m.Selected()
	if !ok || e.Complete {
		return nil
	}
	// Moving on past an event whose detail is still being read drops that read: holding a
	// key down would otherwise run one store read per event passed, each result dropped.
	if m.detailCancel != nil {
		m.detailCancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.detailCancel = cancel
	m.detailSeq++
	id, seq, src, eid := m.id, m.detailSeq, m.src, e.ID
	return func() tea.Msg {
		defer cancel()
		ev, err := src.Detail(ctx, eid)
		return DetailFinishedMsg{Owner: id, Seq: seq, Event: ev, Err: err}
	}
}

// histogram asks for the activity strip around the selected event.
func (m *Model) histogram() tea.Cmd {
	e, ok := m.Selected()
	if !ok {
		return nil
	}
	width := Zooms[m.zoom]
	n := m.stripWidth()
	// The strip stays while the selection is in its middle half: no store read for it.
	if m.histWidth == width && m.histScope == m.scope && m.histN == n &&
		!e.Time.Before(m.histFrom.Add(time.Duration(n/4)*width)) && e.Time.Before(m.histFrom.Add(time.Duration(3*n/4)*width)) {
		return nil
	}
	from := e.Time.Truncate(width).Add(-time.Duration(n/2) * width)
	m.histWidth, m.histScope, m.histN, m.histFrom = width, m.scope, n, from
	m.buckets = nil
	to := from.Add(time.Duration(n) * width)
	m.histSeq++
	id, seq, src, scope := m.id, m.histSeq, m.src, m.scope
	return func() tea.Msg {
		b, err := src.Histogram(context.Background(), scope, width, from, to)
		return HistogramFinishedMsg{Owner: id, Seq: seq, From: from, Width: width, Buckets: b, Err: err}
	}
}

// Update handles keys and the timeline's own messages.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case PageFinishedMsg:
		if msg.Owner != m.id || msg.Seq != m.seq {
			return m, nil // another timeline's, or stale
		}
		m.loading, m.cancel = false, nil
		if msg.Err != nil {
			m.err = msg.Err
			return m, nil
		}
		m.err = nil
		if len(msg.Page.Events) == 0 && len(m.page.Events) > 0 {
			// Nothing further that way: stay, but remember the edge.
			m.page.AtStart = m.page.AtStart || msg.Page.AtStart
			m.page.AtEnd = m.page.AtEnd || msg.Page.AtEnd
			return m, nil
		}
		m.page = msg.Page
		m.sel = msg.Select
		if m.sel < 0 || m.sel >= len(m.page.Events) {
			m.sel = max(len(m.page.Events)-1, 0)
		}
		m.top = 0
		m.field = 0
		m.scroll()
		return m, tea.Batch(m.detail(), m.histogram())
	case DetailFinishedMsg:
		if msg.Owner != m.id || msg.Seq != m.detailSeq || msg.Err != nil {
			return m, nil
		}
		for i := range m.page.Events {
			if m.page.Events[i].ID == msg.Event.ID {
				m.page.Events[i] = msg.Event
			}
		}
		return m, nil
	case HistogramFinishedMsg:
		if msg.Owner != m.id || msg.Seq != m.histSeq {
			return m, nil
		}
		if msg.Err == nil {
			m.buckets = msg.Buckets
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m Model) key(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	if m.focus == FocusJump {
		switch msg.String() {
		case "esc":
			m.focus, m.jumpErr = FocusEvents, ""
		case "enter":
			t, err := ParseJump(m.jump.Value, m.anchorTime())
			if err != nil {
				m.jumpErr = err.Error()
				return m, nil
			}
			m.focus, m.jumpErr = FocusEvents, ""
			return m, m.load(PageRequest{From: Cursor{Time: t}, Inclusive: true}, 0)
		default:
			m.jump.Update(msg)
		}
		return m, nil
	}
	switch {
	case key.Matches(msg, m.Keys.Jump):
		m.focus, m.jump.Value, m.jumpErr = FocusJump, "", ""
		return m, nil
	case key.Matches(msg, m.Keys.ZoomIn):
		if m.zoom > 0 {
			m.zoom--
			return m, m.histogram()
		}
		return m, nil
	case key.Matches(msg, m.Keys.ZoomOut):
		if m.zoom < len(Zooms)-1 {
			m.zoom++
			return m, m.histogram()
		}
		return m, nil
	case key.Matches(msg, m.Keys.Raw):
		m.raw = !m.raw
		if m.raw && m.focus == FocusFields {
			m.focus = FocusEvents
		}
		return m, nil
	case key.Matches(msg, m.Keys.Fields):
		m.raw = false
		if m.focus == FocusFields {
			m.focus = FocusEvents
		} else if e, ok := m.Selected(); ok && len(e.Fields) > 0 {
			m.focus = FocusFields
		}
		return m, nil
	}
	if m.focus == FocusFields {
		e, _ := m.Selected()
		switch {
		case key.Matches(msg, m.Keys.Up):
			m.field = max(m.field-1, 0)
		case key.Matches(msg, m.Keys.Down):
			m.field = min(m.field+1, len(e.Fields)-1)
		case key.Matches(msg, m.Keys.Back):
			m.focus = FocusEvents
		case key.Matches(msg, m.Keys.Pivot):
			if m.field < len(e.Fields) {
				f := e.Fields[m.field]
				if f.Entity != event.EntityNone {
					kind, value := f.Entity, f.Value
					return m, func() tea.Msg { return PivotMsg{Kind: kind, Value: value} }
				}
			}
		}
		return m, nil
	}
	switch {
	case key.Matches(msg, m.Keys.Up):
		return m.move(-1)
	case key.Matches(msg, m.Keys.Down):
		return m.move(1)
	case key.Matches(msg, m.Keys.PageUp):
		return m.move(-m.listHeight())
	case key.Matches(msg, m.Keys.PageDown):
		return m.move(m.listHeight())
	case key.Matches(msg, m.Keys.First):
		return m, m.load(PageRequest{From: Cursor{}, Inclusive: true}, 0)
	case key.Matches(msg, m.Keys.Last):
		return m, m.load(PageRequest{From: Cursor{Time: farFuture}, Backward: true}, -1)
	case key.Matches(msg, m.Keys.NextBucket), key.Matches(msg, m.Keys.PrevBucket):
		e, ok := m.Selected()
		if !ok {
			return m, nil
		}
		w := Zooms[m.zoom]
		t := e.Time.Truncate(w).Add(w)
		if key.Matches(msg, m.Keys.PrevBucket) {
			t = e.Time.Truncate(w).Add(-w)
			if !e.Time.Equal(e.Time.Truncate(w)) {
				t = e.Time.Truncate(w)
			}
		}
		return m, m.load(PageRequest{From: Cursor{Time: t}, Inclusive: true}, 0)
	case key.Matches(msg, m.Keys.Pivot):
		if e, ok := m.Selected(); ok && len(e.Fields) > 0 {
			m.focus, m.raw = FocusFields, false
		}
		return m, nil
	}
	return m, nil
}

// lastID numbers timelines.
var lastID atomic.Int64

// farFuture is after every event.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// move moves the selection by d events, reading the next or previous page at an edge.
func (m Model) move(d int) (Model, tea.Cmd) {
	n := len(m.page.Events)
	if n == 0 || m.loading {
		return m, nil
	}
	to := m.sel + d
	switch {
	case to >= n && !m.page.AtEnd:
		last := m.page.Events[n-1]
		return m, m.load(PageRequest{From: Cursor{Time: last.Time, ID: last.ID}}, min(to-n, m.pageSize-1))
	case to < 0 && !m.page.AtStart:
		first := m.page.Events[0]
		return m, m.load(PageRequest{From: Cursor{Time: first.Time, ID: first.ID}, Backward: true}, -1)
	}
	old := m.sel
	m.sel = min(max(to, 0), n-1)
	m.field = 0
	m.scroll()
	if old == m.sel {
		return m, nil
	}
	cmd := m.detail()
	if !m.page.Events[old].Time.Truncate(Zooms[m.zoom]).Equal(m.page.Events[m.sel].Time.Truncate(Zooms[m.zoom])) {
		cmd = tea.Batch(cmd, m.histogram())
	}
	return m, cmd
}

// anchorTime is the selected event's time, else now.
func (m Model) anchorTime() time.Time {
	if e, ok := m.Selected(); ok {
		return e.Time
	}
	return time.Now().UTC()
}

// scroll keeps the selected row in view.
func (m *Model) scroll() {
	h := m.listHeight()
	if m.sel < m.top {
		m.top = m.sel
	}
	if m.sel >= m.top+h {
		m.top = m.sel - h + 1
	}
	m.top = max(m.top, 0)
}

// ParseJump reads the time typed after g: a full or partial date and time (2026-03-02 08:15,
// 2026-03-02T08:15:00Z, 2026-03-02), a time of day on the anchor's day (08:15, 08:15:30), or an
// offset from the anchor (+2h, -30m). Times are UTC.
func ParseJump(s string, anchor time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("type a time: 2026-03-02 08:15, 08:15 or +2h")
	}
	if s[0] == '+' || s[0] == '-' {
		d, err := time.ParseDuration(s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not an offset like +2h or -30m", s)
		}
		return anchor.Add(d), nil
	}
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	for _, l := range []string{"15:04:05", "15:04"} {
		if t, err := time.Parse(l, s); err == nil {
			y, mo, d := anchor.UTC().Date()
			return time.Date(y, mo, d, t.Hour(), t.Minute(), t.Second(), 0, time.UTC), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: try 2026-03-02 08:15, 08:15 or +2h", s)
}

// Layout: title, strip, axis, event rows, a separator, the fields panel, the jump/status line.

func (m Model) fieldsHeight() int { return min(max(m.height/3, 3), 14) }

func (m Model) listHeight() int { return max(m.height-m.fieldsHeight()-5, 1) }

func (m Model) stripWidth() int { return max(m.width-2, 10) }

// View draws the timeline in its area.
func (m Model) View() string {
	lines := make([]string, 0, m.height)
	lines = append(lines, m.titleLine())
	lines = append(lines, m.strip()...)
	lines = append(lines, m.eventLines()...)
	lines = append(lines, m.theme.Subtle.Render(strings.Repeat("─", m.width)))
	lines = append(lines, m.fieldLines()...)
	lines = append(lines, m.statusLine())
	for len(lines) < m.height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:m.height], "\n")
}

func (m Model) titleLine() string {
	s := m.theme.Title.Render("Timeline") + " " + m.theme.Accent.Render(text.Clip(m.scope.String(), max(m.width/2, 10)))
	s += m.theme.Muted.Render("  zoom " + shortDuration(Zooms[m.zoom]))
	if m.loading {
		s += m.theme.Muted.Render("  loading…")
	}
	return text.Truncate(s, m.width)
}

// sparkBlocks are the strip's levels, lowest first.
var sparkBlocks = []rune(" ▁▂▃▄▅▆▇█")

// Spark draws counts as block characters scaled to the largest.
func Spark(counts []int64) string {
	var most int64
	for _, c := range counts {
		most = max(most, c)
	}
	var b strings.Builder
	for _, c := range counts {
		i := 0
		if c > 0 && most > 0 {
			i = 1 + int((c*int64(len(sparkBlocks)-2)+most-1)/most)
			i = min(i, len(sparkBlocks)-1)
		}
		b.WriteRune(sparkBlocks[i])
	}
	return b.String()
}

// strip is the activity around the selected event, one cell per bucket, buckets holding alert
// evidence in the warning style, and an axis line with the times at its ends and the selection.
func (m Model) strip() []string {
	n := m.stripWidth()
	w := Zooms[m.zoom]
	counts := make([]int64, n)
	evid := make([]bool, n)
	for _, b := range m.buckets {
		i := int(b.Start.Sub(m.histFrom) / w)
		if i >= 0 && i < n {
			counts[i] += b.Count
			evid[i] = evid[i] || b.Evidence > 0
		}
	}
	spark := []rune(Spark(counts))
	var b strings.Builder
	b.WriteString(" ")
	for i, r := range spark {
		if evid[i] {
			b.WriteString(m.theme.Warning.Render(string(r)))
		} else {
			b.WriteString(m.theme.Accent.Render(string(r)))
		}
	}
	axis := ""
	if len(m.buckets) > 0 || !m.histFrom.IsZero() {
		left := m.histFrom.Format("01-02 15:04")
		right := m.histFrom.Add(time.Duration(n) * w).Format("01-02 15:04")
		mark := "▲"
		if e, ok := m.Selected(); ok {
			pos := int(e.Time.Sub(m.histFrom) / w)
			pos = min(max(pos, 0), n-1)
			line := []rune(strings.Repeat(" ", n))
			copy(line, []rune(left))
			copy(line[max(n-len(right), 0):], []rune(right))
			line[pos] = []rune(mark)[0]
			axis = " " + string(line)
		}
	}
	return []string{b.String(), m.theme.Muted.Render(axis)}
}

// columns of an event row, by width: name and cells (the last takes the rest).
func (m Model) rowColumns() []rowColumn {
	if m.width < 120 {
		return []rowColumn{{"time", 14}, {"", 1}, {"action", 14}, {"host", 12}, {"user", 12}, {"summary", 0}}
	}
	return []rowColumn{{"time", 19}, {"", 1}, {"category", 8}, {"action", 14}, {"outcome", 7}, {"host", 16}, {"user", 16},
		{"src_ip", 15}, {"dst_ip", 15}, {"summary", 0}}
}

type rowColumn struct {
	name  string
	width int
}

// summary is the most telling text of an event.
func summary(e Event) string {
	for _, c := range []string{"message", "command_line", "url", "domain", "file_path", "rule_name", "raw"} {
		if v := e.Get(c); v != "" {
			// One line: runs of spaces, tabs and line breaks become one space (the fields
			// panel shows the text as it is, escapes and all).
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return ""
}

func (m Model) eventLines() []string {
	h := m.listHeight()
	out := make([]string, 0, h)
	switch {
	case m.err != nil:
		out = append(out, m.theme.Error.Render(text.Clip(m.err.Error(), m.width)))
	case len(m.page.Events) == 0 && !m.loading:
		out = append(out, m.theme.Muted.Render("no events"))
	}
	for i := m.top; i < len(m.page.Events) && len(out) < h; i++ {
		out = append(out, m.eventRow(m.page.Events[i], i == m.sel))
	}
	for len(out) < h {
		out = append(out, "")
	}
	return out
}

func (m Model) eventRow(e Event, selected bool) string {
	var parts []string
	used := 0
	for _, c := range m.rowColumns() {
		var v string
		switch c.name {
		case "time":
			v = e.Time.Format(TimeLayout)
			if c.width < len(TimeLayout) {
				v = e.Time.Format("01-02 15:04:05")
			}
		case "":
			if e.Evidence {
				v = "!"
			} else {
				v = " "
			}
		case "summary":
			v = summary(e)
		default:
			v = e.Get(c.name)
		}
		w := c.width
		if w == 0 {
			w = max(m.width-used, 1)
		}
		parts = append(parts, text.Pad(v, w))
		used += w + 1
		if used >= m.width {
			break
		}
	}
	row := text.Truncate(strings.Join(parts, " "), m.width)
	switch {
	case selected && m.focus == FocusEvents:
		return m.theme.Selected.Render(row)
	case selected:
		return m.theme.Bold.Render(row)
	case e.Evidence:
		return m.theme.Warning.Render(row)
	}
	return m.theme.Base.Render(row)
}

// fieldLines list the selected event's fields, the field cursor kept in view; fields that name
// an entity are marked with → (enter opens it).
func (m Model) fieldLines() []string {
	h := m.fieldsHeight()
	out := make([]string, 0, h)
	e, ok := m.Selected()
	if !ok {
		for len(out) < h {
			out = append(out, "")
		}
		return out
	}
	if m.raw {
		return m.rawLines(e, h)
	}
	top := 0
	if m.field >= h {
		top = m.field - h + 1
	}
	for i := top; i < len(e.Fields) && len(out) < h; i++ {
		f := e.Fields[i]
		mark := "  "
		if f.Entity != event.EntityNone {
			mark = "→ "
		}
		label := fmt.Sprintf("%-14s", text.Clip(f.Name, 14))
		line := mark + label + " " + text.Clip(f.Value, max(m.width-18, 1))
		switch {
		case m.focus == FocusFields && i == m.field:
			out = append(out, m.theme.Selected.Render(text.Truncate(line, m.width)))
		case f.Entity != event.EntityNone:
			out = append(out, m.theme.Accent.Render(mark)+m.theme.Muted.Render(label)+" "+m.theme.Base.Render(text.Clip(f.Value, max(m.width-18, 1))))
		default:
			out = append(out, m.theme.Muted.Render(mark+label)+" "+m.theme.Base.Render(text.Clip(f.Value, max(m.width-18, 1))))
		}
	}
	for len(out) < h {
		out = append(out, "")
	}
	return out
}

// rawLines is the selected event's original record, sanitized, over the panel's h lines (long
// lines cut, the rest counted), under a heading.
func (m Model) rawLines(e Event, h int) []string {
	out := []string{m.theme.Title.Render("raw record") + m.theme.Muted.Render(" (r: fields)")}
	switch raw := e.Get("raw"); {
	case raw != "":
		// Each line of the record (sanitized: one screen line each) wrapped at the width.
		var wrapped []string
		for _, l := range text.Lines(raw, h) {
			wrapped = append(wrapped, strings.Split(ansi.Hardwrap(l, m.width, true), "\n")...)
			if len(wrapped) >= h {
				break
			}
		}
		if len(wrapped) > h-1 {
			wrapped = append(wrapped[:h-2], text.Ellipsis+" more")
		}
		for _, l := range wrapped {
			out = append(out, m.theme.Base.Render(text.Clip(l, m.width)))
		}
	case !e.Complete:
		out = append(out, m.theme.Muted.Render("loading…"))
	default:
		out = append(out, m.theme.Muted.Render("no raw record (the event was made from parsed fields only)"))
	}
	for len(out) < h {
		out = append(out, "")
	}
	return out[:h]
}

func (m Model) statusLine() string {
	if m.focus == FocusJump {
		s := "go to time: " + text.Sanitize(m.jump.Value) + "▏"
		if m.jumpErr != "" {
			return text.Truncate(m.theme.Accent.Render(s)+"  "+m.theme.Error.Render(text.Sanitize(m.jumpErr)), m.width)
		}
		return text.Truncate(m.theme.Accent.Render(s)+m.theme.Muted.Render("  enter go · esc cancel"), m.width)
	}
	pos := ""
	if n := len(m.page.Events); n > 0 {
		pos = fmt.Sprintf("%d of %d on this page", m.sel+1, n)
		if m.page.AtStart && m.page.AtEnd {
			pos = fmt.Sprintf("%d of %d", m.sel+1, n)
		}
	}
	hint := "g go to time · +/- zoom · tab fields · enter on a field: pivot"
	return text.Truncate(m.theme.Muted.Render(pos+"  "+hint), m.width)
}

// shortDuration writes 1m, 15m, 1h, 6h, 1d.
func shortDuration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
