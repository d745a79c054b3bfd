// Package incident is the incident detail screen: its priority, score and the factors behind
// it, the narrative the scoring wrote, its ATT&CK tactics and entities, and its alerts, each
// of which opens the alert detail.
package incident

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"trawl/tui"
	"trawl/tui/casefile"
	"trawl/tui/queue"
	"trawl/tui/text"
)

// Model is the incident detail screen.
type Model struct {
	ctx  *tui.Context
	id   int
	inc  int64
	w, h int

	d      tui.IncidentDetail
	loaded bool
	err    error
	cursor int
	top    int
}

// New returns the detail screen of incident id.
func New(ctx *tui.Context, id int64) *Model { return &Model{ctx: ctx, id: ctx.NewID(), inc: id} }

func (m *Model) ID() int          { return m.id }
func (m *Model) Title() string    { return "Incident " + strconv.FormatInt(m.inc, 10) }
func (m *Model) Capturing() bool  { return false }
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h; m.scroll() }

func (m *Model) Init() tea.Cmd {
	store, id := m.ctx.Store, m.inc
	return m.ctx.Query(m.id, "incident", func(ctx context.Context) (any, error) { return store.Incident(ctx, id) })
}

// narrativeLines is how many lines the narrative may take.
func (m *Model) narrativeLines() int { return max(m.h/4, 3) }

// tableRows is how many alert rows fit below the header block.
func (m *Model) tableRows() int { return max(m.h-len(m.headerLines())-2, 1) }

func (m *Model) scroll() {
	m.top = tui.Scroll(m.cursor, m.top, m.tableRows(), len(m.d.AlertList))
}

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tui.QueryFinishedMsg:
		if msg.Err != nil {
			m.err = msg.Err
			return tui.Fail(msg.Err)
		}
		m.d, m.loaded, m.err = msg.Rows.(tui.IncidentDetail), true, nil
		m.scroll()
	case tea.KeyPressMsg:
		k := m.ctx.Keys
		n := len(m.d.AlertList)
		if to, ok := k.Move(msg, m.cursor, m.tableRows(), n); ok {
			m.cursor = to
			m.scroll()
			return nil
		}
		switch {
		case key.Matches(msg, k.Open):
			if m.cursor < n {
				return tui.Open(tui.Target{Kind: "alert", ID: m.d.AlertList[m.cursor].ID})
			}
		case key.Matches(msg, k.Pivot):
			if kind, v, ok := m.firstEntity(); ok {
				return tui.Open(tui.Target{Kind: "entity", Entity: kind, Value: v})
			}
		case key.Matches(msg, k.TimelineOf):
			if kind, v, ok := m.firstEntity(); ok {
				t := tui.Target{Kind: "timeline", Entity: kind, Value: v}
				if m.d.First != nil && m.d.Last != nil {
					t.From = m.d.First.Add(-time.Hour)
				}
				return tui.Open(t)
			}
		}
		m.scroll()
	}
	return nil
}

// firstEntity is the first entity of the incident in the chip order.
func (m *Model) firstEntity() (kind, value string, ok bool) {
	for _, k := range tui.EntityKinds {
		if vs := m.d.Entities[k]; len(vs) > 0 {
			return tui.EntityKind(k), vs[0], true
		}
	}
	return "", "", false
}

// headerLines is everything above the alert table.
func (m *Model) headerLines() []string {
	if !m.loaded {
		return nil
	}
	th := m.ctx.Theme
	d := m.d
	pri := th.Priority(d.Priority).Render(fmt.Sprintf("P%d", d.Priority))
	lines := []string{th.Title.Render(m.Title()) + "  " + pri + th.Muted.Render(fmt.Sprintf("  score %.0f · rank %d · ", d.Score, d.Rank)) +
		th.Bold.Render(text.Clip(d.Title, max(m.w-40, 10)))}
	when := "-"
	if d.First != nil && d.Last != nil {
		when = d.First.Format("2006-01-02 15:04") + " → " + d.Last.Format("2006-01-02 15:04")
	}
	tactics := make([]string, len(d.Tactics))
	for i, t := range d.Tactics {
		tactics[i] = text.Sanitize(t)
	}
	lines = append(lines, th.Muted.Render(text.Truncate(fmt.Sprintf("%s · %d alerts · tactics: %s", when, len(d.AlertList), strings.Join(tactics, " → ")), m.w)))
	lines = append(lines, th.Muted.Render("entities ")+m.ctx.Chips(d.Entities, tui.EntityKinds, m.w-9))
	var parts []string
	for _, f := range d.Factors {
		parts = append(parts, fmt.Sprintf("%s %+d", text.Sanitize(f.Name), f.Points))
	}
	lines = append(lines, ansi.Truncate(th.Muted.Render("factors ")+th.Base.Render(strings.Join(parts, " · ")), m.w, "…"))
	lines = append(lines, "")
	narr := strings.Split(ansi.Wordwrap(text.Sanitize(d.Narrative), m.w, " "), "\n")
	if max := m.narrativeLines(); len(narr) > max {
		narr = append(narr[:max-1], text.Truncate(narr[max-1], m.w-1)+"…")
	}
	for _, l := range narr {
		lines = append(lines, th.Base.Render(tui.Line(l, m.w)))
	}
	lines = append(lines, "")
	return lines
}

func (m *Model) View() string {
	th := m.ctx.Theme
	if m.err != nil && !m.loaded {
		return tui.Block([]string{th.Title.Render(m.Title()), th.Error.Render(text.Clip("error: "+m.err.Error(), m.w))}, m.w, m.h)
	}
	if !m.loaded {
		return tui.Block([]string{th.Title.Render(m.Title()), th.Muted.Render("loading…")}, m.w, m.h)
	}
	lines := m.headerLines()
	rows := max(m.h-len(lines)-2, 1) // tableRows, without rendering the header again per row
	cols := []tui.Column{{Title: "ID", Width: 5}, {Title: "SEVERITY", Width: 8}, {Title: "SCORE", Width: 5}, {Title: "TIME", Width: 16}, {Title: "ALERT", Flex: 3}}
	if m.w >= 120 {
		cols = append(cols, tui.Column{Title: "TACTICS", Flex: 2})
	}
	widths := tui.Widths(cols, m.w)
	var hdr []string
	for i, c := range cols {
		hdr = append(hdr, tui.Cell(th.Table.Header, c.Title, widths[i]))
	}
	lines = append(lines, strings.Join(hdr, " "))
	for i := m.top; i < min(m.top+rows, len(m.d.AlertList)); i++ {
		a := m.d.AlertList[i]
		base := th.Table.Cell
		if i == m.cursor {
			base = th.Table.Selected
		}
		when := "-"
		if a.First != nil {
			when = a.First.Format("2006-01-02 15:04")
		}
		cells := []string{
			base.Render(text.Pad(queue.Label(a), widths[0])),
			th.Severity(a.Severity).Render(text.Pad(strings.ToLower(a.Severity), widths[1])),
			base.Render(text.Pad(strconv.Itoa(int(a.Score)), widths[2])),
			base.Render(text.Pad(when, widths[3])),
			base.Render(text.Pad(a.Title, widths[4])),
		}
		if len(cols) == 6 {
			cells = append(cells, base.Render(text.Pad(queue.Tactics(a.Attack), widths[5])))
		}
		lines = append(lines, strings.Join(cells, base.Render(" ")))
	}
	lines = append(lines, "")
	for len(lines) < m.h-1 {
		lines = append(lines, "")
	}
	lines = append(lines[:m.h-1], th.Muted.Render(fmt.Sprintf("alert %d/%d", min(m.cursor+1, len(m.d.AlertList)), len(m.d.AlertList))))
	return tui.Block(lines, m.w, m.h)
}

func (m *Model) ShortHelp() []key.Binding {
	k := m.ctx.Keys
	return []key.Binding{k.Open, k.Pivot, k.TimelineOf}
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.ctx.Keys
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}, {k.Open, k.Pivot, k.TimelineOf}}
}

// CaseSelection opens a case from this incident.
func (m *Model) CaseSelection() (casefile.CreateCaseMsg, bool) {
	return casefile.CreateCaseMsg{IncidentID: m.inc}, true
}
