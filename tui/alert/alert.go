// Package alert is the alert detail screen: what fired and why (score factors when the store
// scores alerts), its ATT&CK techniques with names and tactics, its entities, and its evidence
// events in a table, with the selected event's fields in a side panel and its raw record on
// demand.
package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"trawl/attack"
	"trawl/tui"
	"trawl/tui/casefile"
	"trawl/tui/text"
)

// Model is the alert detail screen.
type Model struct {
	ctx   *tui.Context
	id    int
	alert int64
	w, h  int

	detail    tui.AlertDetail
	hasDetail bool
	err       error

	ev        tui.Rows
	hasEv     bool
	cursor    int // absolute index into the evidence
	top       int
	evLoading bool

	raw     bool
	rec     tui.Record
	hasRec  bool
	recErr  error
	panelY  int  // scroll of the side panel
	focusSP bool // the side panel has the focus (j/k scroll it)

	pageLimit int // overrides the evidence page size (tests)
}

// New returns the detail screen of one alert.
func New(ctx *tui.Context, alert int64) *Model {
	return &Model{ctx: ctx, id: ctx.NewID(), alert: alert}
}

func (m *Model) ID() int         { return m.id }
func (m *Model) Title() string   { return "Alert " + strconv.FormatInt(m.alert, 10) }
func (m *Model) Capturing() bool { return false }

func (m *Model) Init() tea.Cmd {
	store, id := m.ctx.Store, m.alert
	return tea.Batch(
		m.ctx.Query(m.id, "detail", func(ctx context.Context) (any, error) { return store.Alert(ctx, id) }),
		m.loadEvidence(),
	)
}

func (m *Model) SetSize(w, h int) {
	m.w, m.h = w, h
	m.scroll()
}

// header is the number of lines above the evidence table.
func (m *Model) header() int {
	n := 5 // title, rule line, techniques, entities, blank
	if len(m.detail.Factors) > 0 {
		n++
	}
	return n
}

// tableRows is how many evidence rows fit (less the table's header line and the footer).
func (m *Model) tableRows() int { return max(m.h-m.header()-2, 1) }

func (m *Model) pageSize() int {
	// A page covers at least two screens, so the rows around the cursor are always in it.
	if m.pageLimit > 0 {
		return max(m.pageLimit, 2*m.tableRows())
	}
	return max(3*m.tableRows(), 50)
}

func (m *Model) loadEvidence() tea.Cmd {
	store, id := m.ctx.Store, m.alert
	off, lim := max(m.cursor-m.tableRows(), 0), m.pageSize()
	m.evLoading = true
	return m.ctx.Query(m.id, "evidence", func(ctx context.Context) (any, error) { return store.Evidence(ctx, id, off, lim) })
}

func (m *Model) loadRecord() tea.Cmd {
	row, ok := m.row(m.cursor)
	if !ok {
		return nil
	}
	evID, _ := row[0].(int64)
	store := m.ctx.Store
	m.hasRec = false
	return m.ctx.Query(m.id, "record", func(ctx context.Context) (any, error) { return store.Record(ctx, evID) })
}

func (m *Model) row(i int) ([]any, bool) {
	j := i - m.ev.Offset
	if j < 0 || j >= len(m.ev.Rows) {
		return nil, false
	}
	return m.ev.Rows[j], true
}

func (m *Model) scroll() {
	m.top = tui.Scroll(m.cursor, m.top, m.tableRows(), m.ev.Total)
}

func (m *Model) move(to int) tea.Cmd {
	old := m.cursor
	m.cursor = max(min(to, m.ev.Total-1), 0)
	m.scroll()
	if m.cursor != old {
		m.panelY = 0
	}
	first, last := m.top, min(m.top+m.tableRows(), m.ev.Total)-1
	var cmds []tea.Cmd
	if first < m.ev.Offset || last >= m.ev.Offset+len(m.ev.Rows) {
		cmds = append(cmds, m.loadEvidence())
	} else if m.raw && m.cursor != old {
		cmds = append(cmds, m.loadRecord())
	}
	return tea.Batch(cmds...)
}

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tui.QueryFinishedMsg:
		switch msg.Slot {
		case "detail":
			if msg.Err != nil {
				m.err = msg.Err
				return tui.Fail(msg.Err)
			}
			m.detail, m.hasDetail = msg.Rows.(tui.AlertDetail), true
			m.scroll()
		case "evidence":
			m.evLoading = false
			if msg.Err != nil {
				m.err = msg.Err
				return tui.Fail(msg.Err)
			}
			m.ev, m.hasEv = msg.Rows.(tui.Rows), true
			m.scroll()
			if m.raw {
				return m.loadRecord()
			}
		case "record":
			if msg.Err != nil {
				m.recErr = msg.Err
				return nil
			}
			m.rec, m.hasRec, m.recErr = msg.Rows.(tui.Record), true, nil
		}
		return nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.ctx.Keys
	if m.focusSP {
		switch {
		case key.Matches(msg, k.Down):
			m.panelY++
			return nil
		case key.Matches(msg, k.Up):
			m.panelY = max(m.panelY-1, 0)
			return nil
		case key.Matches(msg, k.Top):
			m.panelY = 0
			return nil
		}
	}
	to, moved := k.Move(msg, m.cursor, m.tableRows(), m.ev.Total)
	switch {
	case key.Matches(msg, k.Focus):
		m.focusSP = !m.focusSP
	case moved:
		return m.move(to)
	case key.Matches(msg, k.Raw):
		m.raw = !m.raw
		m.panelY = 0
		if m.raw {
			return m.loadRecord()
		}
	case key.Matches(msg, k.Pivot), key.Matches(msg, k.Open):
		// Pivot to the first entity of the selected event: user, host, then addresses.
		row, ok := m.row(m.cursor)
		if !ok {
			return nil
		}
		for _, p := range []struct{ col, kind string }{{"user", "user"}, {"host", "host"}, {"src_ip", "ip"}, {"dst_ip", "ip"}, {"process_name", "process"}} {
			if v := m.field(row, p.col); v != "" {
				return tui.Open(tui.Target{Kind: "entity", Entity: p.kind, Value: v})
			}
		}
	case key.Matches(msg, k.TimelineOf):
		if m.hasDetail {
			t := tui.Target{Kind: "timeline", ID: m.alert}
			if m.detail.First != nil && m.detail.Last != nil {
				t.From = m.detail.First.Add(-time.Hour)
			}
			for _, kind := range tui.EntityKinds {
				if vs := m.detail.Entities[kind]; len(vs) > 0 {
					t.Entity, t.Value = kind, vs[0]
					break
				}
			}
			return tui.Open(t)
		}
	}
	return nil
}

func (m *Model) field(row []any, col string) string {
	for i, c := range m.ev.Cols {
		if c == col && i < len(row) && row[i] != nil {
			return colText(c, row[i])
		}
	}
	return ""
}

// colText is a cell as shown: files by their base name (the full path is in the raw view's
// heading when it fits), times to the second.
func colText(col string, v any) string {
	s := cellText(v)
	if col == "file" {
		return filepath.Base(s)
	}
	return s
}

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05")
	case string:
		return x
	}
	return fmt.Sprint(v)
}

func (m *Model) View() string {
	th := m.ctx.Theme
	if m.err != nil && !m.hasDetail {
		return tui.Block([]string{th.Error.Render(text.Clip("error: "+m.err.Error(), m.w))}, m.w, m.h)
	}
	if !m.hasDetail {
		return tui.Block([]string{th.Muted.Render("loading alert " + strconv.FormatInt(m.alert, 10) + "…")}, m.w, m.h)
	}
	d := m.detail
	var lines []string
	title := th.Title.Render(m.Title()) + "  " + th.Severity(d.Severity).Render(text.Clip(strings.ToUpper(d.Severity), 12)) + "  " + th.Bold.Render(text.Clip(d.Title, max(m.w-30, 10)))
	lines = append(lines, title)
	when := "-"
	if d.First != nil && d.Last != nil {
		when = d.First.Format("2006-01-02 15:04:05") + " → " + d.Last.Format("15:04:05")
		if d.Last.Sub(*d.First) >= 24*time.Hour {
			when = d.First.Format("2006-01-02 15:04") + " → " + d.Last.Format("2006-01-02 15:04")
		}
	}
	info := fmt.Sprintf("rule %s · confidence %.2g · %s · %s · run %d", text.Sanitize(d.Rule), d.Confidence, when, text.Plural(d.Evidence, "event", "events"), d.Run)
	lines = append(lines, th.Muted.Render(text.Truncate(info, m.w)))
	lines = append(lines, m.techniques(m.w))
	lines = append(lines, th.Muted.Render("entities ")+m.ctx.Chips(d.Entities, tui.EntityKinds, m.w-9))
	if len(d.Factors) > 0 {
		lines = append(lines, m.factors(m.w))
	}
	lines = append(lines, "")

	tableH := m.h - len(lines) - 1
	sideW := max(m.w/3, 34) // room for a field name and a full time
	tableW := m.w - sideW - 1
	table := m.evidenceTable(tableW, tableH)
	side := m.sidePanel(sideW, tableH)
	for i := range tableH {
		lines = append(lines, table[i]+th.Subtle.Render("│")+side[i])
	}
	foot := fmt.Sprintf("event %d/%d", min(m.cursor+1, m.ev.Total), m.ev.Total)
	if m.evLoading {
		foot += " · loading…"
	}
	lines = append(lines, th.Muted.Render(foot))
	return tui.Block(lines, m.w, m.h)
}

// techniques is one line: each technique id with its name and tactics.
func (m *Model) techniques(width int) string {
	th := m.ctx.Theme
	var parts []string
	for _, id := range m.detail.Attack {
		r := attack.Resolve(id)
		name := r.Name()
		if name == "" {
			name = "unknown"
		}
		p := th.Accent.Render(text.Sanitize(id)) + " " + th.Base.Render(text.Sanitize(name))
		if ts := r.TacticNames(); len(ts) > 0 {
			p += th.Muted.Render(" (" + strings.Join(ts, ", ") + ")")
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return th.Muted.Render("ATT&CK: none")
	}
	return ansi.Truncate(th.Muted.Render("ATT&CK ")+strings.Join(parts, th.Subtle.Render(" · ")), width, "…")
}

// factors is the score and its parts on one line.
func (m *Model) factors(width int) string {
	th := m.ctx.Theme
	var parts []string
	for _, f := range m.detail.Factors {
		parts = append(parts, fmt.Sprintf("%s %+d", text.Sanitize(f.Name), f.Points))
	}
	s := th.Muted.Render(fmt.Sprintf("score %.0f: ", m.detail.Score)) + th.Base.Render(strings.Join(parts, " · "))
	return ansi.Truncate(s, width, "…")
}

// evidence table columns, by width.
func (m *Model) evidenceColumns(width int) ([]string, []tui.Column) {
	if width >= 100 {
		return []string{"time", "host", "user", "action", "outcome", "text"},
			[]tui.Column{{Title: "TIME", Width: 19}, {Title: "HOST", Width: 12}, {Title: "USER", Width: 12}, {Title: "ACTION", Width: 12}, {Title: "OUTCOME", Width: 7}, {Title: "EVENT", Flex: 1}}
	}
	return []string{"time", "host", "user", "text"},
		[]tui.Column{{Title: "TIME", Width: 8}, {Title: "HOST", Width: 8}, {Title: "USER", Width: 8}, {Title: "EVENT", Flex: 1}}
}

func (m *Model) evidenceTable(width, height int) []string {
	th := m.ctx.Theme
	names, cols := m.evidenceColumns(width)
	widths := tui.Widths(cols, width)
	out := make([]string, 0, height)
	var hdr []string
	for i, c := range cols {
		hdr = append(hdr, tui.Cell(th.Table.Header, c.Title, widths[i]))
	}
	out = append(out, strings.Join(hdr, " "))
	if !m.hasEv {
		out = append(out, th.Muted.Render("loading evidence…"))
	}
	for i := m.top; m.hasEv && i < min(m.top+height-1, m.ev.Total); i++ {
		row, ok := m.row(i)
		if !ok {
			out = append(out, th.Subtle.Render("…"))
			continue
		}
		st := th.Table.Cell
		if i == m.cursor {
			st = th.Table.Selected
		}
		var cells []string
		for j, n := range names {
			v := m.field(row, n)
			if n == "time" && widths[j] < 19 && len(v) >= 19 {
				v = v[11:19]
			}
			cells = append(cells, text.Pad(v, widths[j]))
		}
		out = append(out, st.Render(strings.Join(cells, " ")))
	}
	for i := range out {
		out[i] = tui.Line(out[i], width)
	}
	for len(out) < height {
		out = append(out, strings.Repeat(" ", width))
	}
	return out[:height]
}

// sidePanel is the selected event's fields, or its raw record and parsed fields when raw is on.
func (m *Model) sidePanel(width, height int) []string {
	th := m.ctx.Theme
	var body []string
	row, ok := m.row(m.cursor)
	head := th.Title
	if m.focusSP {
		head = head.Underline(true)
	}
	switch {
	case !ok:
		body = []string{head.Render("fields"), th.Muted.Render("no event selected")}
	case m.raw:
		body = append(body, head.Render("raw record")+th.Muted.Render(" (r: fields)"))
		switch {
		case m.recErr != nil:
			body = append(body, th.Error.Render(text.Clip(m.recErr.Error(), width)))
		case !m.hasRec:
			body = append(body, th.Muted.Render("loading…"))
		default:
			if m.rec.File != "" {
				body = append(body, th.Muted.Render(text.Clip(fmt.Sprintf("%s:%d", filepath.Base(m.rec.File), m.rec.Line), width)))
			}
			for _, l := range text.Lines(m.rec.Raw, 200) {
				body = append(body, wrap(l, width)...)
			}
			if f := prettyFields(m.rec.Fields); len(f) > 0 {
				body = append(body, "", th.Title.Render("parsed fields"))
				for _, kv := range f {
					body = append(body, wrap(th.Muted.Render(text.Sanitize(kv[0])+" ")+text.Sanitize(kv[1]), width)...)
				}
			}
		}
	default:
		body = append(body, head.Render("fields")+th.Muted.Render(" (r: raw)"))
		kw := 0
		for i, c := range m.ev.Cols {
			if i < len(row) && row[i] != nil {
				kw = max(kw, len(c))
			}
		}
		kw = min(kw, width/2)
		for i, c := range m.ev.Cols {
			if i >= len(row) || row[i] == nil {
				continue
			}
			v := text.Sanitize(colText(c, row[i]))
			first := true
			for _, part := range wrap(v, max(width-kw-1, 4)) {
				label := strings.Repeat(" ", kw)
				if first {
					label = text.Pad(c, kw)
				}
				first = false
				body = append(body, th.Muted.Render(label)+" "+th.Base.Render(part))
			}
		}
	}
	// Scroll below the heading.
	if m.panelY > 0 && len(body) > 1 {
		skip := min(m.panelY, max(len(body)-height, 0))
		body = append(body[:1], body[1+skip:]...)
	}
	out := make([]string, height)
	for i := range out {
		if i < len(body) {
			out[i] = tui.Line(" "+body[i], width)
		} else {
			out[i] = strings.Repeat(" ", width)
		}
	}
	return out
}

// wrap cuts already-safe text into lines of width cells (hard wrap; styled text keeps its style).
func wrap(s string, width int) []string {
	if width <= 0 {
		return nil
	}
	w := lipgloss.Width(s)
	if w <= width {
		return []string{s}
	}
	return strings.Split(ansi.Hardwrap(s, width, true), "\n")
}

// prettyFields flattens a JSON object of fields into sorted key/value pairs.
func prettyFields(js string) [][2]string {
	if js == "" {
		return nil
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(js), &obj); err != nil {
		return [][2]string{{"fields", js}}
	}
	var out [][2]string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, x[k])
			}
		case string:
			out = append(out, [2]string{prefix, x})
		default:
			b, _ := json.Marshal(x)
			out = append(out, [2]string{prefix, string(b)})
		}
	}
	walk("", obj)
	return out
}

func (m *Model) ShortHelp() []key.Binding {
	k := m.ctx.Keys
	return []key.Binding{k.Raw, k.Pivot, k.Focus, k.TimelineOf}
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.ctx.Keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown}, {k.Raw, k.Focus, k.Pivot, k.TimelineOf}}
}

// CaseSelection opens a case from this alert.
func (m *Model) CaseSelection() (casefile.CreateCaseMsg, bool) {
	return casefile.CreateCaseMsg{AlertIDs: []int64{m.alert}}, true
}

// SelectedEvent is the evidence event under the cursor, for pinning to a case.
func (m *Model) SelectedEvent() (int64, bool) {
	row, ok := m.row(m.cursor)
	if !ok || len(row) == 0 {
		return 0, false
	}
	id, ok := row[0].(int64)
	return id, ok
}
