// Package cases is the workbench's Cases screen: every case file with its status, severity,
// verdict, assignee and age, a fuzzy filter over them, and enter to open one (a tui.OpenMsg for
// Target Kind "case", which tui/casefile shows).
package cases

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/sahilm/fuzzy"

	casefiles "trawl/cases"
	"trawl/tui"
	"trawl/tui/casefile"
	"trawl/tui/text"
)

// Source is what the Cases screen reads: casefile.StoreSource implements it.
type Source interface {
	// List is every case, newest first.
	List(ctx context.Context) ([]casefiles.Summary, error)
}

// KeyMap is the Cases screen's keys.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Filter, Open, Reload                    key.Binding
}

// DefaultKeyMap is the screen's standard keys: the workbench's moving, filter and reload keys.
func DefaultKeyMap() KeyMap {
	g := tui.DefaultKeyMap()
	return KeyMap{
		Up: g.Up, Down: g.Down, PageUp: g.PageUp, PageDown: g.PageDown, Top: g.Top, Bottom: g.Bottom,
		Filter: g.Filter,
		Open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open case")),
		Reload: g.Refresh,
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Filter, k.Open, k.Reload} }

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Filter, k.Open, k.Reload}}
}

var _ tui.Screen = (*Model)(nil)

// Model is the Cases screen; it implements tui.Screen.
type Model struct {
	ctx  *tui.Context
	src  Source
	id   int
	Keys KeyMap
	w, h int

	all     []casefiles.Summary
	shown   []int // indexes into all, in the order shown
	loaded  bool
	loading bool
	err     error

	cursor, top int
	filter      tui.Input
	filtering   bool
}

// New returns the Cases screen over src; Init loads the list.
func New(ctx *tui.Context, src Source) *Model {
	m := &Model{ctx: ctx, src: src, id: ctx.NewID(), Keys: DefaultKeyMap(), filter: tui.Input{Prompt: "/"}}
	m.SetSize(tui.MinWidth, tui.MinHeight-2)
	return m
}

func (m *Model) ID() int                   { return m.id }
func (m *Model) Title() string             { return "Cases" }
func (m *Model) Capturing() bool           { return m.filtering }
func (m *Model) Init() tea.Cmd             { return m.Reload() }
func (m *Model) SetSize(w, h int)          { m.w, m.h = max(w, 20), max(h, 5); m.scroll() }
func (m *Model) ShortHelp() []key.Binding  { return m.Keys.ShortHelp() }
func (m *Model) FullHelp() [][]key.Binding { return m.Keys.FullHelp() }

// Shown is the cases shown, in order.
func (m *Model) Shown() []casefiles.Summary {
	out := make([]casefiles.Summary, len(m.shown))
	for i, j := range m.shown {
		out[i] = m.all[j]
	}
	return out
}

// Selected is the case under the cursor.
func (m *Model) Selected() (casefiles.Summary, bool) {
	if m.cursor < 0 || m.cursor >= len(m.shown) {
		return casefiles.Summary{}, false
	}
	return m.all[m.shown[m.cursor]], true
}

// Reload reads the list again, as a job of the screen's "list" slot: a load still running is
// cancelled and its answer dropped (tui.Context.Query).
func (m *Model) Reload() tea.Cmd {
	m.loading = true
	src := m.src
	return m.ctx.Query(m.id, "list", func(ctx context.Context) (any, error) { return src.List(ctx) })
}

// rows is how many cases fit: the screen less the title, column header and footer.
func (m *Model) rows() int { return max(m.h-3, 1) }

func (m *Model) scroll() {
	m.cursor = max(min(m.cursor, len(m.shown)-1), 0)
	m.top = tui.Scroll(m.cursor, m.top, m.rows(), len(m.shown))
}

// fields are what the filter matches a case against.
func fields(c casefiles.Summary) []string {
	return []string{"#" + strconv.FormatInt(c.ID, 10), c.Title, string(c.Status), c.Severity, string(c.Verdict), c.Assignee}
}

// apply filters and orders the list: every term of the filter must match one of a case's id
// (#12), title, status, severity, verdict or assignee fuzzily (its letters in order, within
// that one field); the best matches come first. With no filter the cases are newest first.
func (m *Model) apply() {
	m.shown = m.shown[:0]
	terms := strings.Fields(strings.ToLower(m.filter.Value))
	if len(terms) == 0 {
		for i := range m.all {
			m.shown = append(m.shown, i)
		}
		m.scroll()
		return
	}
	nf := len(fields(casefiles.Summary{}))
	cols := make([][]string, nf)
	for _, c := range m.all {
		for f, v := range fields(c) {
			cols[f] = append(cols[f], strings.ToLower(v))
		}
	}
	score := make([]int, len(m.all))
	hits := make([]int, len(m.all))
	for _, t := range terms {
		best := map[int]int{}
		for f := range cols {
			for _, match := range fuzzy.FindNoSort(t, cols[f]) {
				if s, ok := best[match.Index]; !ok || match.Score > s {
					best[match.Index] = match.Score
				}
			}
		}
		for i, s := range best {
			score[i] += s
			hits[i]++
		}
	}
	for i := range m.all {
		if hits[i] == len(terms) {
			m.shown = append(m.shown, i)
		}
	}
	sort.SliceStable(m.shown, func(a, b int) bool { return score[m.shown[a]] > score[m.shown[b]] })
	m.scroll()
}

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tui.QueryFinishedMsg:
		// The root passes on only the answer to the newest load (tui.Context.Finish).
		m.loading = false
		m.err = msg.Err
		if msg.Err == nil {
			// Keep the cursor on the same case if it is still there.
			sel, had := m.Selected()
			m.all, m.loaded = msg.Rows.([]casefiles.Summary), true
			m.apply()
			if had {
				for i, j := range m.shown {
					if m.all[j].ID == sel.ID {
						m.cursor = i
					}
				}
				m.scroll()
			}
		}
		return nil
	case casefile.CaseChangedMsg:
		return m.Reload()
	case tea.KeyPressMsg:
		if m.filtering {
			return m.filterKey(msg)
		}
		return m.key(msg)
	}
	return nil
}

func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "enter":
		m.filtering = false
		return nil
	case "esc":
		m.filtering = false
		m.filter.Value = ""
	default:
		if !m.filter.Update(msg) {
			return nil
		}
	}
	m.cursor, m.top = 0, 0
	m.apply()
	return nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.Keys
	switch {
	case key.Matches(msg, k.Down):
		m.cursor++
	case key.Matches(msg, k.Up):
		m.cursor--
	case key.Matches(msg, k.PageDown):
		m.cursor += m.rows()
	case key.Matches(msg, k.PageUp):
		m.cursor -= m.rows()
	case key.Matches(msg, k.Top):
		m.cursor = 0
	case key.Matches(msg, k.Bottom):
		m.cursor = len(m.shown) - 1
	case key.Matches(msg, k.Filter):
		m.filtering = true
	case key.Matches(msg, k.Reload):
		return m.Reload()
	case key.Matches(msg, k.Open):
		if c, ok := m.Selected(); ok {
			return tui.Open(tui.Target{Kind: "case", ID: c.ID})
		}
	}
	m.scroll()
	return nil
}

// shortVerdict names a verdict in a narrow column.
var shortVerdict = map[casefiles.Verdict]string{
	casefiles.VerdictTruePositive: "TP", casefiles.VerdictBenignTruePositive: "benign TP", casefiles.VerdictFalsePositive: "FP",
}

func (m *Model) columns() []tui.Column {
	if m.w >= 120 {
		return []tui.Column{{Title: "case", Width: 5}, {Title: "status", Width: 13}, {Title: "severity", Width: 8},
			{Title: "verdict", Width: 20}, {Title: "assignee", Width: 14}, {Title: "alerts", Width: 6}, {Title: "open tasks", Width: 10},
			{Title: "age", Width: 5}, {Title: "updated", Width: 7}, {Title: "title", Flex: 1}}
	}
	return []tui.Column{{Title: "case", Width: 4}, {Title: "status", Width: 13}, {Title: "severity", Width: 8},
		{Title: "verdict", Width: 9}, {Title: "assignee", Width: 10}, {Title: "age", Width: 5}, {Title: "title", Flex: 1}}
}

// View draws the title line (with the filter), the table and a footer.
func (m *Model) View() string {
	th := m.ctx.Theme
	var lines []string
	head := th.Title.Render("Cases")
	switch {
	case m.filtering:
		head += " " + m.filter.View(m.ctx, m.w-6)
	case m.filter.Value != "":
		head += th.Muted.Render(" filter ") + th.Accent.Render(text.Clip(m.filter.Value, m.w/2)) + th.Muted.Render(" (/ to change, esc in it to clear)")
	}
	lines = append(lines, tui.Line(head, m.w))
	cols := m.columns()
	ws := tui.Widths(cols, m.w)
	var hdr []string
	for i, c := range cols {
		hdr = append(hdr, text.Pad(c.Title, ws[i]))
	}
	lines = append(lines, th.Table.Header.Render(strings.Join(hdr, " ")))
	switch {
	case m.err != nil:
		lines = append(lines, th.Error.Render(text.Clip("cannot list the cases: "+m.err.Error(), m.w)))
	case !m.loaded:
		lines = append(lines, th.Muted.Render("loading…"))
	case len(m.all) == 0:
		lines = append(lines, th.Muted.Render(text.Truncate("No cases yet: select alerts in the queue (or open an incident) and press C to open one.", m.w)))
	case len(m.shown) == 0:
		lines = append(lines, th.Muted.Render("No case matches the filter."))
	}
	now := m.ctx.Now()
	for i := m.top; i < len(m.shown) && i < m.top+m.rows(); i++ {
		lines = append(lines, m.row(i, cols, ws, now))
	}
	body := tui.Block(lines, m.w, m.h-1)
	foot := th.Muted.Render(fmt.Sprintf("%d of %d cases", len(m.shown), len(m.all)))
	if m.loading && m.loaded {
		foot += th.Muted.Render(" · reloading…")
	}
	return body + "\n" + tui.Line(foot, m.w)
}

func (m *Model) row(i int, cols []tui.Column, ws []int, now time.Time) string {
	th := m.ctx.Theme
	c := m.all[m.shown[i]]
	verdict := string(c.Verdict)
	if m.w < 120 {
		verdict = shortVerdict[c.Verdict]
	}
	if verdict == "" {
		verdict = "-"
	}
	assignee := c.Assignee
	if assignee == "" {
		assignee = "-"
	}
	created, updated := c.CreatedAt, c.UpdatedAt
	cells := []string{strconv.FormatInt(c.ID, 10), string(c.Status), c.Severity, verdict, assignee}
	if m.w >= 120 {
		cells = append(cells, strconv.Itoa(c.Alerts), strconv.Itoa(c.OpenTasks), tui.Age(now, &created), tui.Age(now, &updated))
	} else {
		cells = append(cells, tui.Age(now, &created))
	}
	cells = append(cells, c.Title)
	if i == m.cursor {
		parts := make([]string, len(cells))
		for j := range cells {
			parts[j] = text.Pad(cells[j], ws[j])
		}
		return th.Table.Selected.Render(tui.Line(strings.Join(parts, " "), m.w))
	}
	parts := make([]string, len(cells))
	for j := range cells {
		st := th.Table.Cell
		switch cols[j].Title {
		case "severity":
			st = th.Severity(c.Severity)
		case "status":
			if c.Status != casefiles.StatusClosed {
				st = th.Accent
			} else {
				st = th.Muted
			}
		}
		parts[j] = st.Render(text.Pad(cells[j], ws[j]))
	}
	return strings.Join(parts, " ")
}
