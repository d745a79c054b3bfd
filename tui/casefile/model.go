// Package casefile is the workbench's case file: one case in tabs (summary with KPIs and
// narrative, timeline, evidence, notes, tasks, history with the chain verification), and the
// analyst's actions on it: add a note, set the status or verdict (a false-positive verdict
// offers the suppressions its alerts suggest), add the playbook steps as tasks, tick tasks off,
// export a report. Every read and write runs through a Source as a tea.Cmd; a result for an
// earlier request is dropped; errors are shown in the screen. PinEventMsg and CreateCaseMsg,
// which any screen may send, are run by a Desk the root keeps.
package casefile

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"trawl/cases"
	"trawl/tui"
	"trawl/tui/text"
)

// Tab is one page of the case file.
type Tab int

const (
	TabSummary Tab = iota
	TabTimeline
	TabEvidence
	TabNotes
	TabTasks
	TabHistory
	numTabs
)

var tabNames = [...]string{"Summary", "Timeline", "Evidence", "Notes", "Tasks", "History"}

func (t Tab) String() string {
	if t >= 0 && t < numTabs {
		return tabNames[t]
	}
	return "Summary"
}

// Tabs lists every tab in order.
var Tabs = []Tab{TabSummary, TabTimeline, TabEvidence, TabNotes, TabTasks, TabHistory}

// Mode is what the keys currently do.
type Mode int

const (
	ModeView     Mode = iota // moving around the tabs
	ModeNote                 // writing a note
	ModePick                 // picking a status or verdict
	ModeExport               // typing the report's file name
	ModeSuppress             // answering the false-positive suppression offer
)

// CaseLoadedMsg is the case asked for by load Seq of case file Owner.
type CaseLoadedMsg struct {
	Owner int
	Seq   int
	Case  *cases.Case
	Err   error
}

// VerifiedMsg is the history check asked for by request Seq of case file Owner.
type VerifiedMsg struct {
	Owner        int
	Seq          int
	Verification Verification
	Err          error
}

// WriteFinishedMsg is the result of write Seq of case file Owner: what was done, or the error.
// Suggestions are set after a false-positive verdict.
type WriteFinishedMsg struct {
	Owner       int
	Seq         int
	Done        string
	Err         error
	Suggestions []Suggestion
}

// TimeLayout is how the case file writes times (UTC).
const TimeLayout = "2006-01-02 15:04:05"

// maxNote bounds a note typed in the case file, in runes.
const maxNote = 20000

var _ tui.Screen = (*Model)(nil)

// Model is the case file screen; it implements tui.Screen.
type Model struct {
	ctx    *tui.Context
	desk   *Desk
	src    Source
	id     int
	caseID int64
	Keys   KeyMap
	w, h   int

	tab    Tab
	cursor [numTabs]int
	top    [numTabs]int

	c       *cases.Case
	loadSeq int
	loading bool
	cancel  context.CancelFunc
	loadErr error

	ver    *Verification
	verErr error
	verSeq int

	writeSeq int
	writing  bool
	notice   string
	werr     error

	// pages caches each tab's page for the case, verification and width shown; nil entries
	// are built when needed (a case may hold thousands of evidence events).
	pages [numTabs]*page

	mode      Mode
	note      string
	pickField string
	pickOpts  []string
	pickSel   int
	export    tui.Input
	sugg      []Suggestion
}

// New returns the case file of case id, reading and writing through desk.Src.
func New(ctx *tui.Context, desk *Desk, id int64) *Model {
	m := &Model{ctx: ctx, desk: desk, src: desk.Src, id: ctx.NewID(), caseID: id, Keys: DefaultKeyMap(),
		export: tui.Input{Prompt: "export to: ", Limit: 1024}}
	m.SetSize(tui.MinWidth, tui.MinHeight-2)
	return m
}

func (m *Model) ID() int         { return m.id }
func (m *Model) Title() string   { return "Case " + strconv.FormatInt(m.caseID, 10) }
func (m *Model) Capturing() bool { return m.mode != ModeView }
func (m *Model) SetSize(w, h int) {
	if w != m.w {
		m.pages = [numTabs]*page{}
	}
	m.w, m.h = max(w, 20), max(h, 8)
	m.clamp()
}

// Case is the case shown (nil before it loads).
func (m *Model) Case() *cases.Case { return m.c }

// Tab is the tab shown.
func (m *Model) Tab() Tab { return m.tab }

// SetTab shows tab t.
func (m *Model) SetTab(t Tab) {
	if t >= 0 && t < numTabs {
		m.tab = t
		m.clamp()
	}
}

// Mode is what the keys do now.
func (m *Model) Mode() Mode { return m.mode }

// Err is the error of the last write or load, nil when it worked.
func (m *Model) Err() error {
	if m.werr != nil {
		return m.werr
	}
	return m.loadErr
}

// Init loads the case and makes it the active case (the one PinEventMsg pins to).
func (m *Model) Init() tea.Cmd {
	m.desk.SetActive(m.caseID)
	return m.Reload()
}

// Reload reads the case and checks its history again; results of earlier loads are dropped.
func (m *Model) Reload() tea.Cmd {
	if m.cancel != nil {
		m.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.loadSeq++
	m.verSeq++
	m.loading = true
	owner, seq, vseq, id, src := m.id, m.loadSeq, m.verSeq, m.caseID, m.src
	load := func() tea.Msg {
		c, err := src.Case(ctx, id)
		return CaseLoadedMsg{Owner: owner, Seq: seq, Case: c, Err: err}
	}
	verify := func() tea.Msg {
		v, err := src.Verify(ctx, id)
		return VerifiedMsg{Owner: owner, Seq: vseq, Verification: v, Err: err}
	}
	return tea.Batch(load, verify)
}

// write runs fn as a job; its result reloads the case.
func (m *Model) write(fn func(ctx context.Context) (string, []Suggestion, error)) tea.Cmd {
	m.writeSeq++
	m.writing, m.werr, m.notice = true, nil, ""
	owner, seq := m.id, m.writeSeq
	return func() tea.Msg {
		done, sugg, err := fn(context.Background())
		return WriteFinishedMsg{Owner: owner, Seq: seq, Done: done, Err: err, Suggestions: sugg}
	}
}

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case CaseLoadedMsg:
		if msg.Owner != m.id || msg.Seq != m.loadSeq {
			return nil // stale: a newer load replaced it
		}
		m.loading, m.cancel = false, nil
		m.loadErr = msg.Err
		if msg.Err == nil {
			m.c = msg.Case
			m.pages = [numTabs]*page{}
		}
		m.clamp()
		return nil
	case VerifiedMsg:
		if msg.Owner != m.id || msg.Seq != m.verSeq {
			return nil
		}
		m.verErr = msg.Err
		if msg.Err == nil {
			v := msg.Verification
			m.ver = &v
		}
		m.pages[TabHistory], m.pages[TabSummary] = nil, nil
		return nil
	case WriteFinishedMsg:
		if msg.Owner != m.id {
			return nil
		}
		if msg.Seq == m.writeSeq {
			m.writing = false
			m.werr = msg.Err
			if msg.Err == nil {
				m.notice = msg.Done
			}
			if len(msg.Suggestions) > 0 {
				m.sugg = msg.Suggestions
				m.mode = ModeSuppress
			}
		}
		// The store may have changed even when a later step failed: show what it holds, and
		// tell the other screens (the Cases list) to reload.
		id, from := m.caseID, m.id
		return tea.Batch(m.Reload(), func() tea.Msg { return CaseChangedMsg{ID: id, From: from} })
	case CaseChangedMsg:
		if msg.ID == m.caseID && msg.From != m.id {
			return m.Reload()
		}
		return nil
	case tea.PasteMsg:
		if m.mode == ModeNote {
			m.addNoteText(msg.Content)
		}
		return nil
	case tea.KeyPressMsg:
		m.desk.SetActive(m.caseID)
		switch m.mode {
		case ModeNote:
			return m.noteKey(msg)
		case ModePick:
			return m.pickKey(msg)
		case ModeExport:
			return m.exportKey(msg)
		case ModeSuppress:
			return m.suppressKey(msg)
		}
		return m.key(msg)
	}
	return nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.Keys
	switch {
	case key.Matches(msg, k.NextTab):
		m.SetTab((m.tab + 1) % numTabs)
	case key.Matches(msg, k.PrevTab):
		m.SetTab((m.tab + numTabs - 1) % numTabs)
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.PageDown):
		m.move(m.bodyRows())
	case key.Matches(msg, k.PageUp):
		m.move(-m.bodyRows())
	case key.Matches(msg, k.Top):
		m.move(-1 << 30)
	case key.Matches(msg, k.Bottom):
		m.move(1 << 30)
	case key.Matches(msg, k.Reload):
		return m.Reload()
	case m.c == nil:
		// The actions below need the case loaded.
		return nil
	case key.Matches(msg, k.Note):
		m.mode, m.note = ModeNote, ""
	case key.Matches(msg, k.Status):
		opts := make([]string, len(cases.Statuses))
		for i, s := range cases.Statuses {
			opts[i] = string(s)
		}
		m.startPick("status", opts, string(m.c.Status))
	case key.Matches(msg, k.Verdict):
		opts := make([]string, 0, len(cases.Verdicts)+1)
		for _, v := range cases.Verdicts {
			opts = append(opts, string(v))
		}
		m.startPick("verdict", append(opts, ""), string(m.c.Verdict))
	case key.Matches(msg, k.Open) && m.tab == TabTimeline:
		// An alert of the timeline opens in the alert screen.
		tl := cases.Timeline(m.c)
		if i := m.cursor[TabTimeline]; i < len(tl) && tl[i].Kind == cases.EntryAlert {
			return tui.Open(tui.Target{Kind: "alert", ID: tl[i].Ref})
		}
	case key.Matches(msg, k.Done) && m.tab == TabTasks:
		return m.completeTask()
	case key.Matches(msg, k.Playbook):
		id, src := m.caseID, m.src
		return m.write(func(ctx context.Context) (string, []Suggestion, error) {
			n, err := src.AddPlaybookTasks(ctx, id)
			if n == 0 && err == nil {
				return "no playbook steps to add: none match, or they are all on the checklist", nil, nil
			}
			return fmt.Sprintf("%d playbook %s added", n, plural(n, "task", "tasks")), nil, err
		})
	case key.Matches(msg, k.Export):
		m.mode = ModeExport
		m.export.Value = fmt.Sprintf("case-%d.md", m.caseID)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (m *Model) completeTask() tea.Cmd {
	i := m.cursor[TabTasks]
	if i < 0 || i >= len(m.c.Tasks) {
		return nil
	}
	t := m.c.Tasks[i]
	if t.Done() {
		m.werr = fmt.Errorf("task %d is already done (the history keeps it so: it cannot be reopened)", t.Seq)
		return nil
	}
	id, src := m.caseID, m.src
	return m.write(func(ctx context.Context) (string, []Suggestion, error) {
		return fmt.Sprintf("task %d done", t.Seq), nil, src.CompleteTask(ctx, id, t.Seq)
	})
}

func (m *Model) startPick(field string, opts []string, current string) {
	m.mode, m.pickField, m.pickOpts, m.pickSel = ModePick, field, opts, 0
	for i, o := range opts {
		if o == current {
			m.pickSel = i
		}
	}
}

func (m *Model) pickKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.Keys
	switch {
	case key.Matches(msg, k.Cancel):
		m.mode = ModeView
	case key.Matches(msg, k.Down):
		m.pickSel = min(m.pickSel+1, len(m.pickOpts)-1)
	case key.Matches(msg, k.Up):
		m.pickSel = max(m.pickSel-1, 0)
	case key.Matches(msg, k.Choose):
		m.mode = ModeView
		field, value, id, src := m.pickField, m.pickOpts[m.pickSel], m.caseID, m.src
		return m.write(func(ctx context.Context) (string, []Suggestion, error) {
			if err := src.SetField(ctx, id, field, value); err != nil {
				return "", nil, err
			}
			done := fmt.Sprintf("%s set to %s", field, optionLabel(value))
			if field != "verdict" || value != string(cases.VerdictFalsePositive) {
				return done, nil, nil
			}
			// The feedback loop: offer the suppressions the case's alerts suggest.
			sugg, err := src.Suggestions(ctx, id)
			return done, sugg, err
		})
	}
	return nil
}

// optionLabel names a picker value ("" is withdrawing the verdict).
func optionLabel(v string) string {
	if v == "" {
		return "none"
	}
	return v
}

func (m *Model) noteKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.mode, m.note = ModeView, ""
		return nil
	case "ctrl+s":
		note := m.note
		if strings.TrimSpace(note) == "" {
			m.werr = fmt.Errorf("the note is empty")
			return nil
		}
		m.mode, m.note = ModeView, ""
		id, src := m.caseID, m.src
		return m.write(func(ctx context.Context) (string, []Suggestion, error) {
			seq, err := src.AddNote(ctx, id, note)
			return fmt.Sprintf("note %d added", seq), nil, err
		})
	case "enter":
		m.addNoteText("\n")
	case "backspace", "ctrl+h":
		if m.note != "" {
			_, n := utf8.DecodeLastRuneInString(m.note)
			m.note = m.note[:len(m.note)-n]
		}
	case "ctrl+u":
		// Clear the line being typed.
		if i := strings.LastIndexByte(m.note, '\n'); i >= 0 {
			m.note = m.note[:i+1]
		} else {
			m.note = ""
		}
	default:
		if msg.Text != "" && msg.Mod&(tea.ModCtrl|tea.ModAlt) == 0 {
			m.addNoteText(msg.Text)
		}
	}
	return nil
}

func (m *Model) addNoteText(s string) {
	if utf8.RuneCountInString(m.note)+utf8.RuneCountInString(s) > maxNote {
		m.werr = fmt.Errorf("a note holds at most %d characters", maxNote)
		return
	}
	m.note += s
}

func (m *Model) exportKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.mode = ModeView
		return nil
	case "enter":
		path := strings.TrimSpace(m.export.Value)
		format, err := FormatOf(path)
		if err != nil {
			m.werr = err
			return nil
		}
		m.mode = ModeView
		id, src := m.caseID, m.src
		return m.write(func(ctx context.Context) (string, []Suggestion, error) {
			n, err := src.Export(ctx, id, format, path)
			return fmt.Sprintf("%s report written to %s (%d bytes)", format, path, n), nil, err
		})
	}
	m.export.Update(msg)
	return nil
}

func (m *Model) suppressKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "y", "Y":
		var alerts []int64
		for _, s := range m.sugg {
			if s.Err == "" {
				alerts = append(alerts, s.Alert)
			}
		}
		m.mode, m.sugg = ModeView, nil
		if len(alerts) == 0 {
			m.notice = "no suppression to add"
			return nil
		}
		id, src := m.caseID, m.src
		return m.write(func(ctx context.Context) (string, []Suggestion, error) {
			names, err := src.Suppress(ctx, id, alerts)
			return fmt.Sprintf("%d %s added: %s", len(names), plural(len(names), "suppression", "suppressions"), strings.Join(names, ", ")), nil, err
		})
	case "n", "N", "esc":
		m.mode, m.sugg = ModeView, nil
		m.notice = "no suppression added"
	}
	return nil
}

// bodyRows is the height of a tab's page: the screen less the title, facts, tab bar and footer.
func (m *Model) bodyRows() int { return max(m.h-4, 1) }

// page is a tab's content: lines above the table, its column header, its rows, and whether a
// cursor selects rows (else the rows scroll as text).
type page struct {
	pre        []string
	header     string
	n          int                // rows
	row        func(i int) string // row i, drawn when shown (a case may hold thousands)
	selectable bool
}

// textPage is a page of ready lines that scroll.
func textPage(rows []string) page {
	return page{n: len(rows), row: func(i int) string { return rows[i] }}
}

// rowsShown is how many rows of p fit.
func (m *Model) rowsShown(p page) int {
	n := m.bodyRows() - len(p.pre)
	if p.header != "" {
		n--
	}
	return max(n, 1)
}

func (m *Model) move(d int) {
	t := m.tab
	p := m.page(t)
	if p.selectable {
		m.cursor[t] += d
	} else {
		m.top[t] += d
	}
	m.clamp()
}

// clamp keeps the cursor on a row and in view.
func (m *Model) clamp() {
	if m.c == nil {
		return
	}
	t := m.tab
	p := m.page(t)
	n := m.rowsShown(p)
	if !p.selectable {
		m.top[t] = max(min(m.top[t], p.n-n), 0)
		return
	}
	m.cursor[t] = max(min(m.cursor[t], p.n-1), 0)
	if m.cursor[t] < m.top[t] {
		m.top[t] = m.cursor[t]
	}
	if m.cursor[t] >= m.top[t]+n {
		m.top[t] = m.cursor[t] - n + 1
	}
	m.top[t] = max(min(m.top[t], p.n-n), 0)
}

func (m *Model) ShortHelp() []key.Binding  { return m.Keys.ShortHelp() }
func (m *Model) FullHelp() [][]key.Binding { return m.Keys.FullHelp() }

// View draws the title, the case's facts, the tab bar, the tab (or the editor, picker or
// suppression offer) and the footer, in exactly the size given.
func (m *Model) View() string {
	th := m.ctx.Theme
	var lines []string
	title := "Case " + strconv.FormatInt(m.caseID, 10)
	if m.c != nil {
		title += ": " + text.Sanitize(m.c.Title)
	}
	lines = append(lines, th.Title.Render(text.Truncate(title, m.w)))
	lines = append(lines, m.facts())
	lines = append(lines, m.tabBar())
	var body []string
	switch {
	case m.mode == ModeNote:
		body = m.noteView()
	case m.mode == ModePick:
		body = m.pickView()
	case m.mode == ModeSuppress:
		body = m.suppressView()
	case m.c == nil && m.loadErr != nil:
		body = []string{th.Error.Render(text.Clip("cannot load the case: "+m.loadErr.Error(), m.w))}
	case m.c == nil:
		body = []string{th.Muted.Render("loading…")}
	default:
		body = m.tabView()
	}
	if m.mode == ModeExport && m.werr != nil {
		// The footer holds the file name being typed: the error goes just above it.
		rows := m.bodyRows()
		body = append(body[:min(len(body), rows-1)], make([]string, max(rows-1-len(body), 0))...)
		body = append(body, th.Error.Render(text.Clip("error: "+m.werr.Error(), m.w)))
	}
	lines = append(lines, tui.Block(body, m.w, m.bodyRows()))
	lines = append(lines, m.footer())
	return tui.Block(strings.Split(strings.Join(lines, "\n"), "\n"), m.w, m.h)
}

func (m *Model) facts() string {
	th := m.ctx.Theme
	if m.c == nil {
		return ""
	}
	c := m.c
	open := 0
	for _, t := range c.Tasks {
		if !t.Done() {
			open++
		}
	}
	sep := th.Subtle.Render(" · ")
	parts := []string{
		th.Muted.Render("status ") + th.Accent.Render(text.Clip(string(c.Status), 16)),
		th.Muted.Render("severity ") + th.Severity(c.Severity).Render(text.Clip(c.Severity, 10)),
		th.Muted.Render("verdict ") + th.Base.Render(text.Clip(optionLabel(string(c.Verdict)), 22)),
		th.Muted.Render("assignee ") + th.Base.Render(text.Clip(orDash(c.Assignee), 20)),
		th.Base.Render(fmt.Sprintf("%d alerts", len(c.Alerts))),
		th.Base.Render(fmt.Sprintf("%d/%d tasks open", open, len(c.Tasks))),
		th.Muted.Render("updated " + tui.Age(m.ctx.Now(), &c.UpdatedAt) + " ago"),
	}
	return tui.Line(strings.Join(parts, sep), m.w)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (m *Model) tabBar() string {
	th := m.ctx.Theme
	var b strings.Builder
	for _, t := range Tabs {
		label := " " + t.String() + m.tabCount(t) + " "
		if t == m.tab {
			b.WriteString(th.Selected.Render(label))
		} else {
			b.WriteString(th.Muted.Render(label))
		}
	}
	return tui.Line(b.String(), m.w)
}

func (m *Model) tabCount(t Tab) string {
	if m.c == nil {
		return ""
	}
	switch t {
	case TabEvidence:
		return " " + strconv.Itoa(m.c.EvidenceN)
	case TabNotes:
		return " " + strconv.Itoa(len(m.c.Notes))
	case TabTasks:
		return " " + strconv.Itoa(len(m.c.Tasks))
	case TabHistory:
		return " " + strconv.Itoa(len(m.c.History))
	}
	return ""
}

func (m *Model) footer() string {
	th := m.ctx.Theme
	switch {
	case m.mode == ModeExport:
		return m.export.View(m.ctx, m.w)
	case m.werr != nil:
		return th.Error.Render(text.Clip("error: "+m.werr.Error(), m.w))
	case m.loadErr != nil && m.c != nil:
		return th.Error.Render(text.Clip("reloading failed: "+m.loadErr.Error(), m.w))
	case m.writing:
		return th.Muted.Render("saving…")
	case m.notice != "":
		return th.Success.Render(text.Clip(m.notice, m.w))
	case m.loading && m.c != nil:
		return th.Muted.Render("loading…")
	}
	return th.Muted.Render(text.Truncate("n note · s status · v verdict · P playbook tasks · e export · tab next tab", m.w))
}

// tabView draws the current tab's page with its cursor.
func (m *Model) tabView() []string {
	th := m.ctx.Theme
	t := m.tab
	p := m.page(t)
	out := append([]string(nil), p.pre...)
	if p.header != "" {
		out = append(out, th.Table.Header.Render(p.header))
	}
	n := m.rowsShown(p)
	if p.n == 0 {
		return append(out, th.Muted.Render("(none)"))
	}
	for i := m.top[t]; i < p.n && i < m.top[t]+n; i++ {
		switch {
		case p.selectable && i == m.cursor[t]:
			out = append(out, th.Table.Selected.Render(tui.Line(p.row(i), m.w)))
		case p.selectable:
			out = append(out, th.Table.Cell.Render(p.row(i)))
		default:
			out = append(out, p.row(i))
		}
	}
	return out
}

func (m *Model) page(t Tab) page {
	if m.c == nil {
		return page{}
	}
	if p := m.pages[t]; p != nil {
		return *p
	}
	p := m.buildPage(t)
	m.pages[t] = &p
	return p
}

func (m *Model) buildPage(t Tab) page {
	switch t {
	case TabTimeline:
		return m.timelinePage()
	case TabEvidence:
		return m.evidencePage()
	case TabNotes:
		return m.notesPage()
	case TabTasks:
		return m.tasksPage()
	case TabHistory:
		return m.historyPage()
	}
	return m.summaryPage()
}

// table lays out cells (hostile text, sanitized and clipped here) in columns.
func table(cols []tui.Column, width int, cells []string) string {
	ws := tui.Widths(cols, width)
	parts := make([]string, len(cols))
	for i := range cols {
		v := ""
		if i < len(cells) {
			v = cells[i]
		}
		parts[i] = text.Pad(v, ws[i])
	}
	return strings.Join(parts, " ")
}

func header(cols []tui.Column, width int) string {
	cells := make([]string, len(cols))
	for i, c := range cols {
		cells[i] = c.Title
	}
	return table(cols, width, cells)
}

func fmtTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format(TimeLayout)
}

func (m *Model) timelinePage() page {
	cols := []tui.Column{{Title: "time", Width: 19}, {Title: "kind", Width: 6}, {Title: "ref", Width: 7}, {Title: "what", Flex: 1}}
	tl := cases.Timeline(m.c)
	w := m.w
	return page{header: header(cols, w), selectable: true, n: len(tl), row: func(i int) string {
		e := tl[i]
		return table(cols, w, []string{fmtTime(e.At), string(e.Kind), strconv.FormatInt(e.Ref, 10), e.Text})
	}}
}

func (m *Model) evidencePage() page {
	cols := []tui.Column{{Title: "time", Width: 19}, {Title: "event", Width: 7}, {Title: "pin", Width: 3},
		{Title: "host", Flex: 1}, {Title: "user", Flex: 1}, {Title: "src_ip", Width: 15}, {Title: "action", Flex: 1}, {Title: "text", Flex: 3}}
	if m.w < 120 {
		cols = []tui.Column{{Title: "time", Width: 19}, {Title: "event", Width: 6}, {Title: "pin", Width: 3},
			{Title: "host", Flex: 1}, {Title: "user", Flex: 1}, {Title: "text", Flex: 2}}
	}
	var pre []string
	if len(m.c.Evidence) < m.c.EvidenceN {
		pre = append(pre, m.ctx.Theme.Muted.Render(fmt.Sprintf("showing %d of %d evidence events (pinned first, then the earliest)", len(m.c.Evidence), m.c.EvidenceN)))
	}
	evs, w := m.c.Evidence, m.w
	return page{pre: pre, header: header(cols, w), selectable: true, n: len(evs), row: func(i int) string {
		e := evs[i]
		pin := ""
		if e.Pinned {
			pin = "yes"
		}
		what := strings.Trim(strings.Join([]string{e.Category, e.Action, e.Outcome}, " "), " ")
		cells := []string{fmtTime(e.Time), strconv.FormatInt(e.ID, 10), pin, e.Host, e.User, e.SrcIP, what, e.Text}
		if w < 120 {
			cells = []string{fmtTime(e.Time), strconv.FormatInt(e.ID, 10), pin, e.Host, e.User, e.Text}
		}
		return table(cols, w, cells)
	}}
}

// wrap sanitizes hostile multi-line text and wraps it to width cells.
func wrap(s string, width, limit int) []string {
	var out []string
	for _, l := range text.Lines(s, limit) {
		if l == "" {
			out = append(out, "")
			continue
		}
		out = append(out, strings.Split(ansi.Wrap(l, max(width, 1), " "), "\n")...)
	}
	return out
}

func (m *Model) notesPage() page {
	th := m.ctx.Theme
	var rows []string
	for i, n := range m.c.Notes {
		if i > 0 {
			rows = append(rows, "")
		}
		at := n.At
		rows = append(rows, th.Accent.Render(fmt.Sprintf("note %d", n.Seq))+th.Muted.Render(" · "+fmtTime(&at)+" · ")+th.Base.Render(text.Clip(n.Author, 40)))
		for _, l := range wrap(n.Text, m.w-2, 200) {
			rows = append(rows, "  "+th.Base.Render(l))
		}
	}
	return textPage(rows)
}

func (m *Model) tasksPage() page {
	cols := []tui.Column{{Title: "   ", Width: 3}, {Title: "#", Width: 3}, {Title: "phase", Width: 9}, {Title: "task", Flex: 3}, {Title: "source", Flex: 1}}
	if m.w >= 120 {
		cols = append(cols, tui.Column{Title: "done", Width: 30})
	}
	tasks, w := m.c.Tasks, m.w
	return page{header: header(cols, w), selectable: true, n: len(tasks), row: func(i int) string {
		t := tasks[i]
		box, done := "[ ]", ""
		if t.Done() {
			box, done = "[x]", fmtTime(t.DoneAt)+" "+t.DoneBy
		}
		return table(cols, w, []string{box, strconv.FormatInt(t.Seq, 10), orDash(t.Phase), t.Text, t.Source, done})
	}}
}

func (m *Model) historyPage() page {
	th := m.ctx.Theme
	cols := []tui.Column{{Title: "seq", Width: 4}, {Title: "at", Width: 19}, {Title: "actor", Flex: 1}, {Title: "action", Width: 10}, {Title: "field", Width: 9}, {Title: "change", Flex: 3}}
	var pre []string
	switch {
	case m.verErr != nil:
		pre = append(pre, th.Error.Render(text.Clip("cannot verify the history: "+m.verErr.Error(), m.w)))
	case m.ver == nil:
		pre = append(pre, th.Muted.Render("verifying the history…"))
	case len(m.ver.Problems) == 0:
		pre = append(pre, th.Success.Render(text.Clip("history verified: the chain is intact and the case agrees with it · head "+m.ver.Head, m.w)))
	default:
		pre = append(pre, th.Error.Render(text.Clip(fmt.Sprintf("history check FAILED (%d %s): %s", len(m.ver.Problems), plural(len(m.ver.Problems), "problem", "problems"), strings.Join(m.ver.Problems, "; ")), m.w)))
	}
	hist, w := m.c.History, m.w
	return page{pre: pre, header: header(cols, w), selectable: true, n: len(hist), row: func(i int) string {
		h := hist[i]
		change := h.New
		if h.Old != "" {
			change = h.Old + " → " + h.New
		}
		at := h.At
		return table(cols, w, []string{strconv.FormatInt(h.Seq, 10), fmtTime(&at), h.Actor, string(h.Action), h.Field, change})
	}}
}

func (m *Model) summaryPage() page {
	th := m.ctx.Theme
	c := m.c
	var rows []string
	label := func(s string) string { return th.Muted.Render(fmt.Sprintf("%-11s", s)) }
	w := m.w - 11
	created := c.CreatedAt
	rows = append(rows, label("opened")+th.Base.Render(text.Clip(fmtTime(&created)+" by "+c.CreatedBy, w)))
	rows = append(rows, label("evidence")+th.Base.Render(fmt.Sprintf("%s → %s, %d %s", fmtTime(c.First), fmtTime(c.Last), c.EvidenceN, plural(c.EvidenceN, "event", "events"))))
	if len(c.Incidents) > 0 {
		ids := make([]string, len(c.Incidents))
		for i, id := range c.Incidents {
			ids[i] = strconv.FormatInt(id, 10)
		}
		rows = append(rows, label("incidents")+th.Base.Render(text.Clip(strings.Join(ids, ", "), w)))
	}
	met := cases.CaseMetrics(c)
	open := 0
	for _, t := range c.Tasks {
		if !t.Done() {
			open++
		}
	}
	dur := func(d *time.Duration) string {
		if d == nil {
			return "-"
		}
		return cases.FormatDuration(*d)
	}
	rows = append(rows, label("KPIs")+th.Base.Render(text.Truncate(fmt.Sprintf("detect %s · respond %s · analyst time %s · tasks %d done, %d open",
		dur(met.TimeToDetect), dur(met.TimeToRespond), cases.FormatDuration(met.AnalystTime), len(c.Tasks)-open, open), w)))
	head := c.HeadHash
	if m.ver != nil {
		head = m.ver.Head
	}
	rows = append(rows, label("history")+th.Muted.Render(text.Clip(fmt.Sprintf("%d entries, head %s", len(c.History), head), w)))
	rows = append(rows, "", th.Title.Render(fmt.Sprintf("Alerts (%d)", len(c.Alerts))))
	for _, a := range c.Alerts {
		rows = append(rows, "  "+th.Base.Render(fmt.Sprintf("%-6d ", a.ID))+th.Severity(a.Severity).Render(text.Pad(a.Severity, 8))+" "+
			th.Base.Render(text.Clip(a.Rule+": "+a.Title, m.w-18)))
	}
	rows = append(rows, "", th.Title.Render(fmt.Sprintf("ATT&CK (%d)", len(c.Techniques))))
	for _, t := range c.Techniques {
		line := text.Pad(t.ID, 10) + " " + text.Sanitize(t.Name)
		if len(t.Tactics) > 0 {
			line += " [" + text.Sanitize(strings.Join(t.Tactics, ", ")) + "]"
		}
		rows = append(rows, "  "+th.Base.Render(text.Truncate(line, m.w-2)))
	}
	ents := map[string][]string{}
	for _, e := range c.Entities {
		ents[e.Kind] = append(ents[e.Kind], e.Value)
	}
	rows = append(rows, "", th.Title.Render(fmt.Sprintf("Entities (%d)", len(c.Entities))))
	if len(ents) > 0 {
		rows = append(rows, "  "+m.ctx.Chips(ents, tui.EntityKinds, m.w-2))
	}
	rows = append(rows, "", th.Title.Render("Narrative"))
	for _, l := range wrap(orDash(c.Narrative), m.w-2, 100) {
		rows = append(rows, "  "+th.Base.Render(l))
	}
	return textPage(rows)
}

func (m *Model) noteView() []string {
	th := m.ctx.Theme
	out := []string{
		th.Title.Render(fmt.Sprintf("New note on case %d", m.caseID)) + th.Muted.Render("  ctrl+s saves · esc cancels · enter starts a line"),
	}
	lines := wrap(m.note, m.w-4, 0)
	if len(lines) == 0 {
		lines = []string{""}
	}
	room := m.bodyRows() - 1
	if len(lines) > room {
		lines = lines[len(lines)-room:]
	}
	for i, l := range lines {
		row := th.Subtle.Render("│ ") + th.Base.Render(l)
		if i == len(lines)-1 {
			row += th.Selected.Render(" ")
		}
		out = append(out, row)
	}
	return out
}

var optionHelp = map[string]string{
	"new":                  "not looked at yet",
	"investigating":        "being worked",
	"contained":            "the threat can do no more harm",
	"eradicated":           "the threat is removed",
	"closed":               "done",
	"true_positive":        "malicious, correctly detected",
	"benign_true_positive": "the rule matched, but the activity was authorised",
	"false_positive":       "the rule should not have matched (offers a suppression)",
	"":                     "withdraw the verdict",
}

func (m *Model) pickView() []string {
	th := m.ctx.Theme
	cur := string(m.c.Status)
	if m.pickField == "verdict" {
		cur = string(m.c.Verdict)
	}
	out := []string{th.Title.Render("Set the "+m.pickField) + th.Muted.Render("  enter chooses · esc cancels")}
	for i, o := range m.pickOpts {
		mark := "  "
		if o == cur {
			mark = "• "
		}
		line := fmt.Sprintf("%s%-22s %s", mark, optionLabel(o), optionHelp[o])
		if i == m.pickSel {
			out = append(out, th.Selected.Render(tui.Line(line, m.w)))
		} else {
			out = append(out, th.Base.Render(line))
		}
	}
	return out
}

func (m *Model) suppressView() []string {
	th := m.ctx.Theme
	out := []string{
		th.Title.Render("False positive: suppress these alerts in future?"),
		th.Muted.Render(text.Truncate("Each alert of the case suggests a suppression of its rule where its entities match:", m.w)),
		"",
	}
	for _, s := range m.sugg {
		head := fmt.Sprintf("  alert %-6d ", s.Alert)
		if s.Err != "" {
			out = append(out, th.Base.Render(head)+th.Warning.Render(text.Clip("no suggestion: "+s.Err, m.w-len(head))))
			continue
		}
		out = append(out, th.Base.Render(head)+th.Base.Render(text.Clip("rule "+s.Rule+" where "+strings.Join(s.Where, " "), m.w-len(head))))
	}
	out = append(out, "", th.Accent.Render("y")+th.Muted.Render(" adds them (each noted on the case) · ")+th.Accent.Render("n")+th.Muted.Render(" or esc adds none"))
	return out
}
