// Package queue is the triage queue: incidents and the alerts in none, ranked by risk score
// (or, in a store not scored yet, alerts by severity then newest), with priority and severity
// colours, ATT&CK tactics, entity chips, age and status; a fuzzy filter, sorting,
// acknowledging and assigning one or many at once. Rows are loaded from the store a page at a
// time around the cursor.
package queue

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"trawl/attack"
	"trawl/tui"
	"trawl/tui/casefile"
	"trawl/tui/text"
)

// Triage statuses an analyst sets in the queue (engine.TriageNew, ...), stored in the store.
const (
	StatusNew      = "new"
	StatusAck      = "acknowledged"
	StatusAssigned = "assigned"
	StatusClosed   = "closed"
)

// triageDone is the result of a triage job.
type triageDone struct {
	n      int // alerts changed
	status string
	who    string // the assignee, when assigning
	keys   []int64
}

// Model is the queue screen.
type Model struct {
	ctx  *tui.Context
	id   int
	w, h int

	page   tui.QueuePage
	loaded bool
	err    error

	cursor int // absolute index of the cursor row
	top    int // absolute index of the first row shown

	sort      tui.QueueSort
	filter    tui.Input
	filtering bool
	marked    map[int64]bool

	// asked is the filter and sort of the newest load, shown those of the page on show: while
	// they differ the page's rows answer an older question, and the screen says it is
	// filtering instead of showing them.
	asked, shown queryKey

	// pageLimit overrides the page size (tests).
	pageLimit int
	// triageJobs numbers triage writes: each has its own job slot, so that a second one does
	// not cancel the first.
	triageJobs int
}

// New returns the queue screen; its Init loads the first page.
func New(ctx *tui.Context) *Model {
	return &Model{ctx: ctx, id: ctx.NewID(), filter: tui.Input{Prompt: "/"}, marked: map[int64]bool{}}
}

func (m *Model) ID() int         { return m.id }
func (m *Model) Title() string   { return "Queue" }
func (m *Model) Capturing() bool { return m.filtering }
func (m *Model) Init() tea.Cmd   { return m.load() }

func (m *Model) SetSize(w, h int) {
	m.w, m.h = w, h
	m.scroll()
}

// rows is how many queue rows fit: the screen less the title, header and footer lines.
func (m *Model) rows() int { return max(m.h-3, 1) }

// pageSize is how many rows one load fetches: a few screens' worth.
func (m *Model) pageSize() int {
	// A page covers at least two screens, so the rows around the cursor are always in it.
	if m.pageLimit > 0 {
		return max(m.pageLimit, 2*m.rows())
	}
	return max(3*m.rows(), 60)
}

// Cursor is the item under the cursor, if loaded (and not while a new filter or sort runs:
// the row it would name is no longer shown).
func (m *Model) Cursor() (tui.QueueItem, bool) {
	if m.stale() {
		return tui.QueueItem{}, false
	}
	return m.item(m.cursor)
}

func (m *Model) item(i int) (tui.QueueItem, bool) {
	j := i - m.page.Offset
	if j < 0 || j >= len(m.page.Items) {
		return tui.QueueItem{}, false
	}
	return m.page.Items[j], true
}

// queryKey is what decides which rows the queue holds and in which order.
type queryKey struct {
	filter string
	sort   tui.QueueSort
}

// stale says the page on show was loaded for another filter or sort than the one asked for
// last: its rows may not match.
func (m *Model) stale() bool { return m.loaded && m.asked != m.shown }

// load fetches the page around the cursor.
func (m *Model) load() tea.Cmd {
	q := tui.QueueQuery{Filter: m.filter.Value, Sort: m.sort, Offset: max(m.cursor-m.rows(), 0), Limit: m.pageSize()}
	m.asked = queryKey{q.Filter, q.Sort}
	store := m.ctx.Store
	return m.ctx.Query(m.id, "page", func(ctx context.Context) (any, error) {
		return store.Queue(ctx, q)
	})
}

// ensure loads a new page if the rows on screen are not all loaded.
func (m *Model) ensure() tea.Cmd {
	first, last := m.top, min(m.top+m.rows(), m.page.Total)-1
	if first >= m.page.Offset && last < m.page.Offset+len(m.page.Items) {
		return nil
	}
	return m.load()
}

// scroll keeps the cursor in the window.
func (m *Model) scroll() {
	m.top = tui.Scroll(m.cursor, m.top, m.rows(), m.page.Total)
}

func (m *Model) move(to int) tea.Cmd {
	m.cursor = max(min(to, m.page.Total-1), 0)
	m.scroll()
	return m.ensure()
}

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tui.QueryFinishedMsg:
		if strings.HasPrefix(msg.Slot, "triage") {
			return m.triaged(msg)
		}
		if msg.Slot != "page" {
			return nil
		}
		if msg.Err != nil {
			m.err = msg.Err
			return tui.Fail(msg.Err)
		}
		m.err = nil
		m.page = msg.Rows.(tui.QueuePage)
		m.loaded = true
		// Results of older loads are dropped before they get here (Context.Finish), so this
		// page answers the newest load.
		m.shown = m.asked
		if m.cursor >= m.page.Total {
			m.cursor = max(m.page.Total-1, 0)
			m.scroll()
			return m.ensure()
		}
		m.scroll()
		return nil
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
		if m.filter.Value == "" {
			return nil
		}
		m.filter.Value = ""
		m.cursor, m.top = 0, 0
		return m.load()
	}
	if m.filter.Update(msg) {
		m.cursor, m.top = 0, 0
		return m.load()
	}
	return nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.ctx.Keys
	if to, ok := k.Move(msg, m.cursor, m.rows(), m.page.Total); ok {
		return m.move(to)
	}
	switch {
	case key.Matches(msg, k.Filter):
		m.filtering = true
		return nil
	case key.Matches(msg, k.Sort):
		m.sort = m.sort.Next()
		m.cursor, m.top = 0, 0
		return tea.Batch(m.load(), tui.Notify("sorted by "+m.sort.String()))
	case key.Matches(msg, k.Refresh):
		return m.load()
	case key.Matches(msg, k.Open):
		if it, ok := m.Cursor(); ok {
			return tui.Open(tui.Target{Kind: it.Kind, ID: it.ID})
		}
	case key.Matches(msg, k.Mark):
		if it, ok := m.Cursor(); ok {
			if k := statusKey(it); m.marked[k] {
				delete(m.marked, k)
			} else {
				m.marked[k] = true
			}
			return m.move(m.cursor + 1)
		}
	case key.Matches(msg, k.MarkAll):
		all := true
		for i := m.top; i < min(m.top+m.rows(), m.page.Total); i++ {
			if it, ok := m.item(i); ok && !m.marked[statusKey(it)] {
				all = false
			}
		}
		for i := m.top; i < min(m.top+m.rows(), m.page.Total); i++ {
			if it, ok := m.item(i); ok {
				if all {
					delete(m.marked, statusKey(it))
				} else {
					m.marked[statusKey(it)] = true
				}
			}
		}
	case key.Matches(msg, k.Ack):
		return m.triage(false)
	case key.Matches(msg, k.Assign):
		return m.triage(true)
	case key.Matches(msg, k.Pivot):
		if it, ok := m.Cursor(); ok {
			for _, kind := range tui.EntityKinds {
				if vs := it.Entities[kind]; len(vs) > 0 {
					return tui.Open(tui.Target{Kind: "entity", Entity: tui.EntityKind(kind), Value: vs[0]})
				}
			}
		}
	}
	return nil
}

// triage acknowledges the marked items (or the one under the cursor) in the store, or reopens
// them when all of them are acknowledged already; with assign it assigns them to the analyst.
// An incident's change applies to its alerts.
func (m *Model) triage(assign bool) tea.Cmd {
	req := tui.TriageRequest{Status: StatusAssigned, Assign: assign}
	if !assign {
		req.Status = StatusAck
		keys := m.targets()
		allAck := len(keys) > 0
		for _, k := range keys {
			if it, ok := m.byKey(k); !ok || it.Status != StatusAck {
				allAck = false
			}
		}
		if allAck {
			req.Status = StatusNew
		}
	}
	return m.setTriage(req)
}

// Triage sets the status of the selected items (or the one under the cursor), for the
// palette's close, reopen and assign commands: status is one of the Status constants; with
// StatusAssigned, assignee names who (empty: the analyst).
func (m *Model) Triage(status, assignee string) tea.Cmd {
	return m.setTriage(tui.TriageRequest{Status: status, Assign: status == StatusAssigned, Assignee: assignee})
}

func (m *Model) setTriage(req tui.TriageRequest) tea.Cmd {
	keys := m.targets()
	if len(keys) == 0 && (!m.loaded || m.stale()) {
		return tui.Fail(fmt.Errorf("the queue is still loading: nothing selected yet"))
	}
	if len(keys) == 0 {
		return tui.Fail(fmt.Errorf("nothing selected"))
	}
	tr, ok := m.ctx.Store.(tui.Triager)
	if !ok {
		return tui.Fail(fmt.Errorf("this store cannot record triage"))
	}
	assign := req.Assign
	for _, k := range keys {
		if k > 0 {
			req.Alerts = append(req.Alerts, k)
		} else {
			req.Incidents = append(req.Incidents, -k)
		}
	}
	slices.Sort(req.Alerts)
	slices.Sort(req.Incidents)
	m.triageJobs++
	slot := "triage-" + strconv.Itoa(m.triageJobs)
	return m.ctx.Query(m.id, slot, func(ctx context.Context) (any, error) {
		n, err := tr.SetTriage(ctx, req)
		done := triageDone{n: n, status: req.Status, keys: keys}
		if assign {
			done.who = req.Assignee
			if done.who == "" {
				done.who = tr.Analyst()
			}
		}
		return done, err
	})
}

// triaged takes the result of a triage job: the marks go and the page reloads with the new
// status, or the error shows (a read-only store says how to open it for writing).
func (m *Model) triaged(msg tui.QueryFinishedMsg) tea.Cmd {
	if msg.Err != nil {
		return tui.Fail(msg.Err)
	}
	d, _ := msg.Rows.(triageDone)
	clear(m.marked)
	// The rows on hand show the change at once; the reload confirms it (and an incident's
	// status, which its alerts decide).
	for _, k := range d.keys {
		for i := range m.page.Items {
			if it := &m.page.Items[i]; statusKey(*it) == k {
				it.Status = d.status
				if d.who != "" {
					it.Assignee = d.who
				}
			}
		}
	}
	what := text.Plural(d.n, "alert", "alerts")
	note := what + " marked " + d.status
	switch {
	case d.who != "":
		note = what + " assigned to " + d.who
	case d.status == StatusAck:
		note = what + " acknowledged"
	case d.status == StatusNew:
		note = what + " reopened"
	}
	return tea.Batch(m.load(), tui.Notify(note))
}

// byKey is the loaded item with that status key.
func (m *Model) byKey(k int64) (tui.QueueItem, bool) {
	for _, it := range m.page.Items {
		if statusKey(it) == k {
			return it, true
		}
	}
	return tui.QueueItem{}, false
}

// StatusText is how the status column shows an item's triage: new, ack, @who (assigned),
// closed or mixed (an incident whose alerts differ).
func StatusText(it tui.QueueItem) string {
	switch it.Status {
	case "", StatusNew:
		return "new"
	case StatusAck:
		return "ack"
	case StatusAssigned:
		if it.Assignee != "" {
			return "@" + it.Assignee
		}
		return "assigned"
	}
	return it.Status
}

// targets are the marked alerts, or the one under the cursor.
func (m *Model) targets() []int64 {
	var ids []int64
	for id := range m.marked {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		if it, ok := m.Cursor(); ok {
			ids = append(ids, statusKey(it))
		}
	}
	return ids
}

// columns at a width: tactics only when there is room.
func (m *Model) columns() []tui.Column {
	cols := []tui.Column{{Title: "", Width: 1}, {Title: "ID", Width: 5}, {Title: "PRIORITY", Width: 8}, {Title: "SCORE", Width: 5}, {Title: "AGE", Width: 4}, {Title: "STATUS", Width: 8}}
	if m.w >= 120 {
		return append(cols, tui.Column{Title: "INCIDENT / ALERT", Flex: 4}, tui.Column{Title: "TACTICS", Flex: 2}, tui.Column{Title: "ENTITIES", Flex: 3})
	}
	return append(cols, tui.Column{Title: "INCIDENT / ALERT", Flex: 3}, tui.Column{Title: "ENTITIES", Flex: 2})
}

// Label is how an item's id is shown: I5 for incident 5, A12 for alert 12.
func Label(it tui.QueueItem) string {
	if it.Kind == "incident" {
		return "I" + strconv.FormatInt(it.ID, 10)
	}
	return "A" + strconv.FormatInt(it.ID, 10)
}

func (m *Model) View() string {
	th := m.ctx.Theme
	lines := make([]string, 0, m.h)
	// Title line.
	title := th.Title.Render("Queue")
	info := []string{}
	if m.loaded && !m.stale() {
		info = append(info, text.Plural(m.page.Total, "item", "items"))
	}
	info = append(info, "sort: "+m.sort.String())
	if m.filter.Value != "" {
		info = append(info, "filter: "+text.Clip(m.filter.Value, 30))
	}
	if len(m.marked) > 0 {
		info = append(info, fmt.Sprintf("%d selected", len(m.marked)))
	}
	lines = append(lines, title+th.Muted.Render("  "+strings.Join(info, " · ")))

	cols := m.columns()
	widths := tui.Widths(cols, m.w)
	var hdr []string
	for i, c := range cols {
		hdr = append(hdr, tui.Cell(th.Table.Header, c.Title, widths[i]))
	}
	lines = append(lines, strings.Join(hdr, " "))

	switch {
	case m.err != nil && (!m.loaded || m.stale()):
		lines = append(lines, th.Error.Render(text.Clip("error: "+m.err.Error(), m.w)))
	case !m.loaded:
		lines = append(lines, th.Muted.Render("loading…"))
	case m.stale():
		// The rows on hand answer an older filter or sort: rather than show rows that may not
		// match, say the new one is running (the status bar's spinner turns meanwhile).
		what := "filtering"
		if m.asked.filter == m.shown.filter {
			what = "sorting"
		}
		lines = append(lines, th.Muted.Render(what+"…"))
	case m.page.Total == 0 && m.filter.Value != "":
		lines = append(lines, th.Muted.Render("nothing matches the filter (esc in the filter clears it)"))
	case m.page.Total == 0:
		lines = append(lines, th.Muted.Render("no alerts: run `trawl hunt` to raise some"))
	default:
		for i := m.top; i < min(m.top+m.rows(), m.page.Total); i++ {
			lines = append(lines, m.row(i, cols, widths))
		}
	}
	for len(lines) < m.h-1 {
		lines = append(lines, "")
	}
	// Footer: the filter being typed, or the position.
	if m.filtering {
		lines = append(lines, m.filter.View(m.ctx, m.w))
	} else if m.loaded && m.page.Total > 0 && !m.stale() {
		lines = append(lines, th.Muted.Render(fmt.Sprintf("%d/%d", m.cursor+1, m.page.Total)))
	}
	return tui.Block(lines, m.w, m.h)
}

func (m *Model) row(i int, cols []tui.Column, widths []int) string {
	th := m.ctx.Theme
	it, ok := m.item(i)
	if !ok {
		return th.Subtle.Render(text.Pad("  …", m.w))
	}
	selected := i == m.cursor
	base := th.Base
	if selected {
		base = th.Selected
	}
	status := StatusText(it)
	mark := " "
	if m.marked[statusKey(it)] {
		mark = "●"
	}
	// Priority: P1..P4 for an incident, the severity for an alert.
	pri, priText := th.Severity(it.Severity), strings.ToLower(it.Severity)
	if it.Kind == "incident" {
		pri, priText = th.Priority(it.Priority), fmt.Sprintf("P%d", it.Priority)
	}
	if selected {
		if bg := th.Palette.SelectionBg; bg != nil {
			pri = pri.Background(bg)
		}
		if th.NoColor {
			pri = pri.Reverse(true)
		}
	}
	score := "-"
	if it.Score > 0 {
		score = strconv.Itoa(int(it.Score))
	}
	titleText := it.Title
	if titleText == "" {
		titleText = it.Rule
	}
	if it.Kind == "incident" {
		titleText = fmt.Sprintf("%s (%s)", titleText, text.Plural(it.Alerts, "alert", "alerts"))
	}
	cells := []string{
		base.Render(text.Pad(mark, widths[0])),
		base.Render(text.Pad(Label(it), widths[1])),
		pri.Render(text.Pad(priText, widths[2])),
		base.Render(text.Pad(score, widths[3])),
		base.Render(text.Pad(tui.Age(m.ctx.Now(), it.Last), widths[4])),
		base.Render(text.Pad(status, widths[5])),
		base.Render(text.Pad(titleText, widths[6])),
	}
	next := 7
	if len(cols) == 9 {
		cells = append(cells, base.Render(text.Pad(Tactics(it.Attack), widths[7])))
		next = 8
	}
	cells = append(cells, tui.Line(m.ctx.Chips(it.Entities, tui.EntityKinds, widths[next]), widths[next]))
	sep := base.Render(" ")
	return strings.Join(cells, sep)
}

// statusKey is the key of an item among the marked ones: the alert id, or the
// negated incident id.
func statusKey(it tui.QueueItem) int64 {
	if it.Kind == "incident" {
		return -it.ID
	}
	return it.ID
}

// Tactics names the ATT&CK tactics of technique ids, in kill-chain order, without repeats.
func Tactics(ids []string) string {
	seen := map[string]bool{}
	var ts []attack.Tactic
	for _, id := range ids {
		for _, ta := range attack.Resolve(id).Tactics {
			if !seen[ta.ID] {
				seen[ta.ID] = true
				ts = append(ts, ta)
			}
		}
	}
	ts = attack.SortTactics(ts)
	names := make([]string, len(ts))
	for i, ta := range ts {
		names[i] = ta.Name
	}
	return strings.Join(names, ", ")
}

func (m *Model) ShortHelp() []key.Binding {
	k := m.ctx.Keys
	return []key.Binding{k.Open, k.Filter, k.Sort, k.Mark, k.Ack}
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.ctx.Keys
	return [][]key.Binding{{k.Open, k.Filter, k.Sort, k.Refresh}, {k.Mark, k.MarkAll, k.Ack, k.Assign, k.Pivot}}
}

// CaseSelection is what a new case opens from: the marked alerts (or, with no alert marked,
// the first marked incident), else the item under the cursor.
func (m *Model) CaseSelection() (casefile.CreateCaseMsg, bool) {
	var req casefile.CreateCaseMsg
	keys := m.targets()
	slices.Sort(keys)
	for _, k := range keys {
		if k > 0 {
			req.AlertIDs = append(req.AlertIDs, k)
		} else if req.IncidentID == 0 {
			req.IncidentID = -k
		}
	}
	if len(req.AlertIDs) > 0 {
		req.IncidentID = 0
	}
	return req, req.IncidentID > 0 || len(req.AlertIDs) > 0
}
