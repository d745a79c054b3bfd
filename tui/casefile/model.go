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
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

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
	loadSeq int // the current load of the case and of its history check (both carry it)
	loading bool
	cancel  context.CancelFunc
	loadErr error

	ver    *Verification
	verErr error

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
	m.loading = true
	owner, seq, id, src := m.id, m.loadSeq, m.caseID, m.src
	load := func() tea.Msg {
		c, err := src.Case(ctx, id)
		return CaseLoadedMsg{Owner: owner, Seq: seq, Case: c, Err: err}
	}
	verify := func() tea.Msg {
		v, err := src.Verify(ctx, id)
		return VerifiedMsg{Owner: owner, Seq: seq, Verification: v, Err: err}
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
		if msg.Owner != m.id || msg.Seq != m.loadSeq {
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
			return text.Plural(n, "playbook task", "playbook tasks") + " added", nil, err
		})
	case key.Matches(msg, k.Export):
		m.mode = ModeExport
		m.export.Value = fmt.Sprintf("case-%d.md", m.caseID)
	}
	return nil
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
	switch {
	case key.Matches(msg, m.Keys.Cancel):
		m.mode, m.note = ModeView, ""
		return nil
	case key.Matches(msg, m.Keys.Save):
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
	}
	switch msg.String() {
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
	switch {
	case key.Matches(msg, m.Keys.Cancel):
		m.mode = ModeView
		return nil
	case key.Matches(msg, m.Keys.Choose):
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
			return fmt.Sprintf("%s added: %s", text.Plural(len(names), "suppression", "suppressions"), strings.Join(names, ", ")), nil, err
		})
	case "n", "N", "esc":
		m.mode, m.sugg = ModeView, nil
		m.notice = "no suppression added"
	}
	return nil
}
