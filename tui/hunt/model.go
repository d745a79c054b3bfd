// Package hunt is the workbench's hunt console: a multi-line editor for the hunting language
// with syntax highlighting and the checker's errors drawn under the text as it is typed, results
// paged from the store into a table, a history of run queries, and "save as rule".
package hunt

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/table"
	tea "charm.land/bubbletea/v2"

	"trawl/dsl"
	"trawl/event"
	"trawl/themes"
	"trawl/tui/text"
	"trawl/tui/timeline"
)

// Deps is what the console is built from.
type Deps struct {
	Source Source
	// RulesDir is the folder "save as rule" writes NAME.hunt files into; empty disables saving.
	RulesDir string
	// History holds earlier queries, oldest first (the root may persist it).
	History []string
	// Debounce is how long typing must pause before the query is checked; 0 means 150ms.
	Debounce time.Duration
	// PageSize is how many result rows are fetched at a time; 0 means 100.
	PageSize int
	// Query is the initial text of the editor.
	Query string
}

// Focus is the part of the console that takes the keys.
type Focus int

const (
	FocusEditor Focus = iota
	FocusResults
	FocusSave
)

func (f Focus) String() string {
	switch f {
	case FocusEditor:
		return "editor"
	case FocusResults:
		return "results"
	case FocusSave:
		return "save"
	}
	return fmt.Sprintf("Focus(%d)", int(f))
}

// CheckFinishedMsg is the result of checking the editor's text as of check Seq of console
// Owner.
type CheckFinishedMsg struct {
	Owner int
	Seq   int
	Text  string
	Err   error // dsl.Errors, or nil when the query checks
}

// QueryFinishedMsg is one page of results of run Seq of console Owner.
type QueryFinishedMsg struct {
	Owner int
	Seq   int
	Page  Page
	Err   error
}

// RuleSavedMsg says where "save as rule" of console Owner wrote the rule, or why it did not.
type RuleSavedMsg struct {
	Owner int
	Path  string
	Err   error
}

// checkDueMsg fires when typing paused: the check of Seq may start if nothing was typed since.
type checkDueMsg struct{ Owner, Seq int }

// lastID numbers consoles, so that one console's results are never taken by another.
var lastID atomic.Int64

// Model is the hunt console.
type Model struct {
	id       int
	deps     Deps
	theme    *themes.Theme
	Keys     KeyMap
	width    int
	height   int
	focus    Focus
	editor   buffer
	table    table.Model
	lastText string

	checkSeq  int
	checking  bool
	checkText string       // the text the errors are about
	errs      []*dsl.Error // of checkText
	checkErr  error        // a check failure that is not a query error

	runSeq  int
	running bool
	cancel  context.CancelFunc
	runText string // the query whose results are shown (or running)
	page    Page
	runErr  error

	history []string
	histPos int    // index into history of the entry shown; len(history) for the draft
	draft   string // what was being written before browsing the history

	save   saveForm
	status string // the last save result or similar one-line note

	pivotCol int // the result column enter pivots on (an index into page.Columns)
}

// tableStyles are the results table's styles from the theme.
func tableStyles(theme *themes.Theme) table.Styles {
	return table.Styles{
		Header:   theme.Table.Header.Padding(0, 1),
		Cell:     theme.Table.Cell.Padding(0, 1),
		Selected: theme.Table.Selected,
	}
}

// New builds the console.
func New(deps Deps, theme *themes.Theme) Model {
	if deps.Debounce == 0 {
		deps.Debounce = 150 * time.Millisecond
	}
	if deps.PageSize <= 0 {
		deps.PageSize = 100
	}
	ed := newBuffer(true, dsl.MaxQueryBytes)
	ed.SetValue(deps.Query)
	tb := table.New()
	tb.SetStyles(tableStyles(theme))
	m := Model{
		id:      int(lastID.Add(1)),
		deps:    deps,
		theme:   theme,
		Keys:    DefaultKeyMap(),
		editor:  ed,
		table:   tb,
		history: append([]string(nil), deps.History...),
	}
	m.histPos = len(m.history)
	m.lastText = m.editor.Value()
	m.save = newSaveForm(theme)
	m.SetSize(80, 24)
	return m
}

// Init starts checking the initial query.
func (m Model) Init() tea.Cmd {
	if strings.TrimSpace(m.editor.Value()) == "" {
		return nil
	}
	return m.checkCmd()
}

// SetSize gives the console its area.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 20), max(h, 8)
	m.table.SetWidth(m.width)
	m.table.SetHeight(m.resultsHeight())
	m.table.SetColumns(m.columns())
}

// ID tells this console's messages (their Owner) from another's.
func (m Model) ID() int { return m.id }

// Value is the editor's text.
func (m Model) Value() string { return m.editor.Value() }

// SetValue replaces the editor's text (a query opened from elsewhere) and checks it.
func (m *Model) SetValue(s string) tea.Cmd {
	m.editor.SetValue(s)
	return m.edited()
}

// History is the run queries, oldest first.
func (m Model) History() []string { return append([]string(nil), m.history...) }

// Focus is the part of the console that has the keys.
func (m Model) Focus() Focus { return m.focus }

// Errors are the checker's errors for the text shown (nil when it checks or is being checked).
func (m Model) Errors() []*dsl.Error {
	if m.checkText != m.editor.Value() {
		return nil
	}
	return m.errs
}

// Page is the page of results shown.
func (m Model) Page() Page { return m.page }

// Capturing says the console wants every key, including those the root would take (typing
// in the editor or the save form).
func (m Model) Capturing() bool { return m.focus == FocusEditor || m.focus == FocusSave }

// editorHeight is how many rows the editor takes, error carets included.
func (m Model) editorHeight() int { return min(max(m.height/4, 3), 12) }

// resultsHeight is the rows of the table, its header included: the area less the title,
// editor, message and separator lines.
func (m Model) resultsHeight() int { return max(m.height-m.editorHeight()-3, 2) }

// Update handles keys and the console's own messages.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case themes.ChangedMsg:
		// The theme changed in place: the table keeps styles of its own.
		m.table.SetStyles(tableStyles(m.theme))
		return m, nil
	case checkDueMsg:
		if msg.Owner != m.id || msg.Seq != m.checkSeq {
			return m, nil // typed again since: a later check is due
		}
		return m, m.checkCmd()
	case CheckFinishedMsg:
		if msg.Owner != m.id || msg.Seq != m.checkSeq {
			return m, nil // stale: the text changed while it was checked
		}
		m.checking = false
		m.checkText = msg.Text
		m.errs, m.checkErr = nil, nil
		var es dsl.Errors
		var one *dsl.Error
		switch {
		case msg.Err == nil:
		case errors.As(msg.Err, &es):
			m.errs = es
		case errors.As(msg.Err, &one):
			m.errs = []*dsl.Error{one}
		default:
			m.checkErr = msg.Err
		}
		return m, nil
	case QueryFinishedMsg:
		if msg.Owner != m.id || msg.Seq != m.runSeq {
			return m, nil // stale: a newer run (or page) was asked for
		}
		m.running = false
		m.cancel = nil
		if msg.Err != nil {
			m.runErr = msg.Err
			return m, nil
		}
		m.runErr = nil
		m.page = msg.Page
		if cols := m.pivotColumns(); !slices.Contains(cols, m.pivotCol) {
			m.pivotCol = -1
			if len(cols) > 0 {
				m.pivotCol = cols[0]
			}
		}
		m.table.SetRows(nil)
		m.table.SetColumns(m.columns())
		m.table.SetRows(m.rows())
		m.table.SetCursor(0)
		return m, nil
	case RuleSavedMsg:
		if msg.Owner != m.id {
			return m, nil
		}
		if msg.Err != nil {
			m.save.err = msg.Err.Error()
			return m, nil
		}
		m.focus = FocusEditor
		m.status = "saved rule to " + msg.Path
		return m, nil
	case tea.PasteMsg:
		if m.focus == FocusEditor {
			m.editor.Insert(msg.Content)
			return m, m.edited()
		}
		if m.focus == FocusSave {
			return m, m.save.update(msg)
		}
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m Model) key(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	if m.focus == FocusSave {
		switch {
		case key.Matches(msg, m.Keys.Cancel):
			m.focus = FocusEditor
			return m, nil
		case key.Matches(msg, m.save.keys.Submit) && m.save.last():
			r, err := m.save.rule(m.editor.Value())
			if err != nil {
				m.save.err = err.Error()
				return m, nil
			}
			return m, saveRuleCmd(m.id, m.deps.RulesDir, r)
		}
		return m, m.save.update(msg)
	}
	switch {
	case key.Matches(msg, m.Keys.Run):
		return m.run(m.editor.Value(), 0)
	case key.Matches(msg, m.Keys.Cancel):
		if m.running && m.cancel != nil {
			m.cancel()
			m.cancel = nil
			m.running = false
			m.runSeq++ // whatever comes back is stale now
			m.status = "query cancelled"
			return m, nil
		}
		m.focus = FocusEditor
		return m, nil
	case key.Matches(msg, m.Keys.SwitchFocus):
		if m.focus == FocusEditor {
			m.focus = FocusResults
			m.table.Focus()
		} else {
			m.focus = FocusEditor
			m.table.Blur()
		}
		return m, nil
	case key.Matches(msg, m.Keys.SaveRule):
		if m.deps.RulesDir == "" {
			m.status = "no rules folder is set: cannot save rules"
			return m, nil
		}
		m.focus = FocusSave
		return m, m.save.open()
	}
	if m.focus == FocusResults {
		switch {
		case key.Matches(msg, m.Keys.NextPage):
			if m.page.More && !m.running {
				return m.run(m.runText, m.page.Offset+len(m.page.Rows))
			}
			return m, nil
		case key.Matches(msg, m.Keys.PrevPage):
			if m.page.Offset > 0 && !m.running {
				return m.run(m.runText, max(m.page.Offset-m.deps.PageSize, 0))
			}
			return m, nil
		case key.Matches(msg, m.Keys.NextColumn), key.Matches(msg, m.Keys.PrevColumn):
			cols := m.pivotColumns()
			if len(cols) > 0 {
				i := slices.Index(cols, m.pivotCol)
				if key.Matches(msg, m.Keys.NextColumn) {
					i = (i + 1) % len(cols)
				} else {
					i = (max(i, 0) - 1 + len(cols)) % len(cols)
				}
				m.pivotCol = cols[i]
			}
			return m, nil
		case key.Matches(msg, m.Keys.Pivot):
			if kind, value, ok := m.pivot(); ok {
				return m, func() tea.Msg { return timeline.PivotMsg{Kind: kind, Value: value} }
			}
			return m, nil
		}
		var cmd tea.Cmd
		m.table, cmd = m.table.Update(msg)
		return m, cmd
	}
	// The editor has the keys.
	switch {
	case key.Matches(msg, m.Keys.HistoryPrev) && m.editor.Line() == 0:
		// The next older entry that differs from the text shown.
		cur, pos := m.editor.Value(), m.histPos-1
		for pos >= 0 && m.history[pos] == cur {
			pos--
		}
		if pos >= 0 {
			if m.histPos == len(m.history) {
				m.draft = cur
			}
			m.histPos = pos
			m.editor.SetValue(m.history[pos])
			return m, m.edited()
		}
	case key.Matches(msg, m.Keys.HistoryNext) && m.editor.Line() == m.editor.LineCount()-1:
		if m.histPos < len(m.history) {
			m.histPos++
			if m.histPos == len(m.history) {
				m.editor.SetValue(m.draft)
			} else {
				m.editor.SetValue(m.history[m.histPos])
			}
			return m, m.edited()
		}
	}
	m.editor.Update(msg)
	return m, m.edited()
}

// edited schedules a check when the text changed: after the debounce pause, and only if
// nothing was typed in between.
func (m *Model) edited() tea.Cmd {
	v := m.editor.Value()
	if v == m.lastText {
		return nil
	}
	m.lastText = v
	m.status = ""
	m.checkSeq++
	m.checking = true
	id, seq := m.id, m.checkSeq
	return tea.Tick(m.deps.Debounce, func(time.Time) tea.Msg { return checkDueMsg{Owner: id, Seq: seq} })
}

// checkCmd checks the editor's text now.
func (m *Model) checkCmd() tea.Cmd {
	id, src, seq, source := m.id, m.editor.Value(), m.checkSeq, m.deps.Source
	m.checking = true
	return func() tea.Msg {
		if strings.TrimSpace(src) == "" {
			return CheckFinishedMsg{Owner: id, Seq: seq, Text: src}
		}
		return CheckFinishedMsg{Owner: id, Seq: seq, Text: src, Err: source.Check(src)}
	}
}

// run starts fetching the page at offset of src's results, cancelling any run in flight.
func (m Model) run(src string, offset int) (Model, tea.Cmd) {
	if strings.TrimSpace(src) == "" {
		return m, nil
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.runSeq++
	m.running = true
	m.runErr = nil
	m.status = ""
	if offset == 0 {
		m.runText = src
		if n := len(m.history); n == 0 || m.history[n-1] != src {
			m.history = append(m.history, src)
		}
		m.histPos = len(m.history)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	id, seq, source, size := m.id, m.runSeq, m.deps.Source, m.deps.PageSize
	return m, func() tea.Msg {
		defer cancel()
		p, err := source.Run(ctx, src, offset, size)
		return QueryFinishedMsg{Owner: id, Seq: seq, Page: p, Err: err}
	}
}

// View draws the console in its area.
func (m Model) View() string {
	lines := make([]string, 0, m.height)
	lines = append(lines, m.titleLine())
	lines = append(lines, m.editorLines(m.editorHeight())...)
	lines = append(lines, m.messageLine())
	lines = append(lines, m.separator())
	if m.focus == FocusSave {
		lines = append(lines, m.save.view(m.width, m.resultsHeight())...)
	} else {
		lines = append(lines, m.resultLines(m.resultsHeight())...)
	}
	for len(lines) < m.height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:m.height], "\n")
}

func (m Model) titleLine() string {
	left := m.theme.Title.Render("Hunt")
	// The editor's text is joined from its lines on every Value (and Errors) call: once each
	// per frame is enough.
	v, nerr := m.editor.Value(), len(m.Errors())
	var state string
	switch {
	case m.running:
		state = m.theme.Muted.Render("running…")
	case m.checking:
		state = m.theme.Muted.Render("checking…")
	case nerr == 1:
		state = m.theme.Error.Render("1 error")
	case nerr > 1:
		state = m.theme.Error.Render(fmt.Sprintf("%d errors", nerr))
	case m.checkErr != nil:
		state = m.theme.Error.Render("check failed")
	case strings.TrimSpace(v) != "" && m.checkText == v:
		state = m.theme.Success.Render("ok")
	}
	return text.Truncate(left+"  "+state, m.width)
}

// messageLine is the first error in full (with its hint), a failure, or a note.
func (m Model) messageLine() string {
	switch errs := m.Errors(); {
	case len(errs) > 0:
		e := errs[0]
		s := fmt.Sprintf("%d:%d: %s", e.Span.Start.Line, e.Span.Start.Col, e.Msg)
		if e.Hint != "" {
			s += " (" + e.Hint + ")"
		}
		return m.theme.Error.Render(text.Clip(s, m.width))
	case m.checkErr != nil:
		return m.theme.Error.Render(text.Clip(m.checkErr.Error(), m.width))
	case m.runErr != nil:
		return m.theme.Error.Render(text.Clip(m.runErr.Error(), m.width))
	case m.status != "":
		return m.theme.Muted.Render(text.Clip(m.status, m.width))
	case m.focus == FocusResults:
		if kind, value, ok := m.pivot(); ok {
			return m.theme.Muted.Render("enter opens ") + m.theme.Chip.Render(text.Clip(kind.String()+"="+value, max(m.width-30, 1))) +
				m.theme.Muted.Render(" · ←/→ column")
		}
	}
	return m.theme.Muted.Render(text.Clip("ctrl+r run · tab results · ctrl+s save as rule · ↑ at the top: history", m.width))
}

// separator is a rule line naming the rows shown.
func (m Model) separator() string {
	label := " results "
	switch {
	case m.running:
		label = " results: running… "
	case m.runText == "":
	case len(m.page.Rows) == 0:
		label = " results: no rows "
	default:
		more := ""
		if m.page.More {
			more = "+"
		}
		label = fmt.Sprintf(" results: rows %d–%d%s ", m.page.Offset+1, m.page.Offset+len(m.page.Rows), more)
	}
	if len(m.page.Hidden) > 0 && !m.running {
		label += "(" + strings.Join(m.page.Hidden, ", ") + " not shown) "
	}
	rest := max(m.width-text.Width(label)-2, 0)
	return m.theme.Subtle.Render("──" + label + strings.Repeat("─", rest))
}

func (m Model) resultLines(h int) []string {
	if m.runText == "" || (len(m.page.Columns) == 0 && len(m.page.Rows) == 0) {
		return []string{m.theme.Muted.Render(text.Clip("no results yet: write a query and press ctrl+r", m.width))}
	}
	out := strings.Split(m.table.View(), "\n")
	if len(out) > h {
		out = out[:h]
	}
	return out
}

// columns sizes the table's columns to their content, shrinking the widest until they fit.
func (m Model) columns() []table.Column {
	n := len(m.page.Columns)
	if n == 0 {
		return nil
	}
	natural := make([]int, n) // up to maxCell
	for i, c := range m.page.Columns {
		natural[i] = min(text.Width(text.Sanitize(c)), maxCell)
	}
	for _, r := range m.page.Rows {
		for i, v := range r {
			if i < n {
				natural[i] = max(natural[i], text.Width(text.Clip(v, maxCell)))
			}
		}
	}
	widths := make([]int, n)
	for i := range widths {
		widths[i] = max(min(natural[i], 40), 3)
	}
	avail := m.width - 2*n // each cell is padded by one space on either side
	// The last column (often the message) takes the room left over.
	if rest := avail - sum(widths); rest > 0 {
		widths[n-1] = min(widths[n-1]+rest, max(natural[n-1], 3))
	}
	for sum(widths) > avail {
		w := 0
		for i := range widths {
			if widths[i] > widths[w] {
				w = i
			}
		}
		if widths[w] <= 3 {
			break
		}
		widths[w]--
	}
	cols := make([]table.Column, n)
	for i, c := range m.page.Columns {
		cols[i] = table.Column{Title: text.Sanitize(c), Width: widths[i]}
	}
	// Columns that do not fit at all are dropped from the right.
	for used, i := 0, 0; i < n; i++ {
		used += widths[i] + 2
		if used > m.width {
			for j := i; j < n; j++ {
				cols[j].Width = 0
			}
			break
		}
	}
	return cols
}

// maxCell is the most cells of a value the table draws.
const maxCell = 200

// rows are the page's cells, sanitized and cut (the table cuts again to the column width).
func (m Model) rows() []table.Row {
	out := make([]table.Row, len(m.page.Rows))
	for i, r := range m.page.Rows {
		row := make(table.Row, len(m.page.Columns))
		for j := range row {
			if j < len(r) {
				row[j] = text.Clip(r[j], maxCell)
			}
		}
		out[i] = row
	}
	return out
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// pivotColumns are the indexes of the result columns holding entities.
func (m Model) pivotColumns() []int {
	var out []int
	for i, c := range m.page.Columns {
		if entityColumns[c] != event.EntityNone {
			out = append(out, i)
		}
	}
	return out
}

// entityColumns maps event columns to the entity kind they hold.
var entityColumns = func() map[string]event.Entity {
	out := map[string]event.Entity{}
	for _, c := range event.Columns {
		out[c.Name] = c.Entity
	}
	return out
}()

// pivot is the entity in the pivot column of the selected row.
func (m Model) pivot() (event.Entity, string, bool) {
	r := m.table.Cursor()
	if m.pivotCol < 0 || m.pivotCol >= len(m.page.Columns) || r < 0 || r >= len(m.page.Rows) || m.pivotCol >= len(m.page.Rows[r]) {
		return event.EntityNone, "", false
	}
	v := strings.TrimSpace(m.page.Rows[r][m.pivotCol])
	if v == "" {
		return event.EntityNone, "", false
	}
	return entityColumns[m.page.Columns[m.pivotCol]], v, true
}
