package casefile

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"trawl/cases"
	"trawl/tui"
	"trawl/tui/text"
)

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
	m.top[t] = tui.Scroll(m.cursor[t], m.top[t], n, p.n)
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
	open := openTasks(c)
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

// openTasks counts the tasks not ticked off yet.
func openTasks(c *cases.Case) int {
	n := 0
	for _, t := range c.Tasks {
		if !t.Done() {
			n++
		}
	}
	return n
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
		pre = append(pre, th.Error.Render(text.Clip(fmt.Sprintf("history check FAILED (%s): %s", text.Plural(len(m.ver.Problems), "problem", "problems"), strings.Join(m.ver.Problems, "; ")), m.w)))
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
	rows = append(rows, label("evidence")+th.Base.Render(fmt.Sprintf("%s → %s, %s", fmtTime(c.First), fmtTime(c.Last), text.Plural(c.EvidenceN, "event", "events"))))
	if len(c.Incidents) > 0 {
		ids := make([]string, len(c.Incidents))
		for i, id := range c.Incidents {
			ids[i] = strconv.FormatInt(id, 10)
		}
		rows = append(rows, label("incidents")+th.Base.Render(text.Clip(strings.Join(ids, ", "), w)))
	}
	met := cases.CaseMetrics(c)
	open := openTasks(c)
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
