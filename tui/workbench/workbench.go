// Package workbench is the root model of trawl's terminal workbench: a history of screens with
// back and forward like a browser, the global keys, `?` help built from the key bindings, a `:`
// command palette with fuzzy completion, and the header and status bar with a spinner while
// jobs run. Screens live in their own packages and are opened by Target kind.
package workbench

import (
	"fmt"
	"log"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"trawl/engine"
	"trawl/tui"
	"trawl/tui/alert"
	"trawl/tui/casefile"
	"trawl/tui/entity"
	"trawl/tui/incident"
	"trawl/tui/overview"
	"trawl/tui/queue"
	"trawl/tui/text"
	"trawl/tui/timeline"
)

// Factory builds the screen for a target.
type Factory func(ctx *tui.Context, t tui.Target) (tui.Screen, error)

// Options configure the workbench.
type Options struct {
	// DB names the store in the header.
	DB string
	// Factories add or replace screen constructors by target kind.
	Factories map[string]Factory
	// Start is the first screen (default: the queue).
	Start tui.Target
	// Engine, when set, adds the screens that read the store directly: the hunt console, the
	// timeline and the entity view.
	Engine *engine.Store
	// RulesDir is where the hunt console's "save as rule" writes (empty: saving is off).
	RulesDir string
	// Log, when set, records every job result (owner, slot, time taken, error, dropped as
	// stale) and every screen opened: trawl tui --debug FILE.
	Log *log.Logger
	// Desk, when set, adds case files (Target Kind "case") and runs pins and new cases
	// (casefile.PinEventMsg, CreateCaseMsg). The Cases list comes as the "cases" factory from
	// the caller: tui/cases's tests import this package, so it cannot import tui/cases.
	Desk *casefile.Desk
	// ReadOnly marks the header "read-only": the store was opened without write access.
	ReadOnly bool
	// Notice is shown in the status bar when the workbench starts (why it is read-only).
	Notice string
	// Analyst is who triage and case edits are made by (for the caller; the store records it).
	Analyst string
}

// homeKinds are the screens kept once and reused when reopened (their state survives).
var homeKinds = map[string]bool{"queue": true, "overview": true, "hunt": true, "cases": true, "import": true}

// Model is the root model.
type Model struct {
	ctx  *tui.Context
	opt  Options
	make map[string]Factory
	w, h int

	hist  []tui.Screen
	pos   int
	homes map[string]tui.Screen

	spinner  spinner.Model
	spinning bool
	help     help.Model
	showHelp bool
	pal      palette

	status    string
	statusErr bool
	quitting  bool
}

// New returns the workbench over ctx.
func New(ctx *tui.Context, opt Options) *Model {
	m := &Model{ctx: ctx, opt: opt, homes: map[string]tui.Screen{}, help: help.New()}
	m.make = map[string]Factory{
		"queue":    func(c *tui.Context, _ tui.Target) (tui.Screen, error) { return queue.New(c), nil },
		"overview": func(c *tui.Context, _ tui.Target) (tui.Screen, error) { return overview.New(c), nil },
		"alert": func(c *tui.Context, t tui.Target) (tui.Screen, error) {
			if t.ID <= 0 {
				return nil, fmt.Errorf("which alert? give its number")
			}
			return alert.New(c, t.ID), nil
		},
		"incident": func(c *tui.Context, t tui.Target) (tui.Screen, error) {
			if t.ID <= 0 {
				return nil, fmt.Errorf("which incident? give its number")
			}
			return incident.New(c, t.ID), nil
		},
	}
	if opt.Engine != nil {
		for k, f := range engineFactories(opt.Engine, opt.RulesDir) {
			m.make[k] = f
		}
	}
	if opt.Desk != nil {
		m.make["case"] = func(c *tui.Context, t tui.Target) (tui.Screen, error) {
			if t.ID <= 0 {
				return nil, fmt.Errorf("which case? give its number")
			}
			return casefile.New(c, opt.Desk, t.ID), nil
		}
	}
	for k, f := range opt.Factories {
		m.make[k] = f
	}
	m.pal = newPalette(m)
	m.applyTheme()
	return m
}

// applyTheme (re)builds the styles the root owns from the current theme.
func (m *Model) applyTheme() {
	th := m.ctx.Theme
	m.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(th.Accent))
	m.help.Styles = help.Styles{
		ShortKey: th.Help.Key, ShortDesc: th.Help.Desc, ShortSeparator: th.Help.Separator,
		FullKey: th.Help.Key, FullDesc: th.Help.Desc, FullSeparator: th.Help.Separator, Ellipsis: th.Help.Ellipsis,
	}
}

// Current is the screen on show.
func (m *Model) Current() tui.Screen {
	if len(m.hist) == 0 {
		return nil
	}
	return m.hist[m.pos]
}

// Init opens the start screen.
func (m *Model) Init() tea.Cmd {
	start := m.opt.Start
	if start.Kind == "" {
		start.Kind = "queue"
	}
	cmd := m.open(start)
	if m.opt.Notice != "" && m.status == "" {
		m.status, m.statusErr = m.opt.Notice, true
	}
	return cmd
}

// bodyHeight is the height screens get: the terminal less the header and the status bar.
func (m *Model) bodyHeight() int { return max(m.h, tui.MinHeight) - 2 }
func (m *Model) bodyWidth() int  { return max(m.w, tui.MinWidth) }

// open pushes the screen for t after the current one, dropping the forward history.
func (m *Model) open(t tui.Target) tea.Cmd {
	var s tui.Screen
	var init tea.Cmd
	if homeKinds[t.Kind] && m.homes[t.Kind] != nil {
		s = m.homes[t.Kind]
	} else {
		f, ok := m.make[t.Kind]
		if !ok {
			return m.fail(fmt.Errorf("the %s screen is not available yet", t.Kind))
		}
		var err error
		s, err = f(m.ctx, t)
		if err != nil {
			return m.fail(err)
		}
		if homeKinds[t.Kind] {
			m.homes[t.Kind] = s
		}
		s.SetSize(m.bodyWidth(), m.bodyHeight())
		init = s.Init()
	}
	if cur := m.Current(); cur == s {
		return init
	}
	if len(m.hist) > 0 {
		dropped := m.hist[m.pos+1:]
		m.hist = m.hist[:m.pos+1]
		for _, d := range dropped {
			m.release(d)
		}
	}
	m.hist = append(m.hist, s)
	m.pos = len(m.hist) - 1
	if m.opt.Log != nil {
		m.opt.Log.Printf("open %s (screen %d)", s.Title(), s.ID())
	}
	// Bound the history: the oldest entries go (homes stay in m.homes).
	const maxHistory = 50
	if len(m.hist) > maxHistory {
		old := m.hist[0]
		m.hist = m.hist[1:]
		m.pos--
		m.release(old)
	}
	m.status, m.statusErr = "", false
	return init
}

// release cancels the jobs of a screen that left the history, unless it is still in it or a home.
func (m *Model) release(s tui.Screen) {
	for _, h := range m.hist {
		if h == s {
			return
		}
	}
	for _, h := range m.homes {
		if h == s {
			return
		}
	}
	m.ctx.CancelOwner(s.ID())
}

func (m *Model) fail(err error) tea.Cmd {
	m.status, m.statusErr = err.Error(), true
	return nil
}

// screens is every live screen once: the history and the homes.
func (m *Model) screens() []tui.Screen {
	var out []tui.Screen
	seen := map[tui.Screen]bool{}
	add := func(s tui.Screen) {
		if s != nil && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	add(m.Current())
	for _, s := range m.hist {
		add(s)
	}
	for _, s := range m.homes {
		add(s)
	}
	return out
}

// Update handles one message: global keys first, then the palette or help if open, then the
// screen on show; job results go to the screen that asked, if still current.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	// Start the spinner when a job is running.
	if m.ctx.Running() > 0 && !m.spinning {
		m.spinning = true
		cmd = tea.Batch(cmd, m.spinner.Tick)
	}
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		for _, s := range m.screens() {
			s.SetSize(m.bodyWidth(), m.bodyHeight())
		}
		m.help.SetWidth(m.bodyWidth())
		return nil
	case spinner.TickMsg:
		if m.ctx.Running() == 0 {
			m.spinning = false
			return nil
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return cmd
	case tui.QueryFinishedMsg:
		current := m.ctx.Finish(msg)
		if m.opt.Log != nil {
			m.opt.Log.Printf("job %d of screen %d (%s): %v, err %v, current %v", msg.Seq, msg.Owner, msg.Slot, msg.Took, msg.Err, current)
		}
		if !current {
			return nil // stale: a newer job replaced it
		}
		for _, s := range m.screens() {
			if s.ID() == msg.Owner {
				return s.Update(msg)
			}
		}
		return nil
	case tui.OpenMsg:
		return m.open(msg.Target)
	case tui.StatusMsg:
		if msg.Err != nil {
			m.status, m.statusErr = msg.Err.Error(), true
		} else {
			m.status, m.statusErr = msg.Text, false
		}
		return nil
	case timeline.PivotMsg:
		return m.open(tui.Target{Kind: "entity", Entity: msg.Kind.String(), Value: msg.Value})
	case entity.OpenAlertMsg:
		return m.open(tui.Target{Kind: "alert", ID: msg.ID})
	case casefile.PinEventMsg, casefile.CreateCaseMsg:
		if m.opt.Desk == nil {
			return m.fail(fmt.Errorf("case files need the store"))
		}
		cmd, _ := m.opt.Desk.Handle(msg)
		return cmd
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	// Anything else goes to every screen: a screen's own messages find it even if another is
	// on show; screens ignore what is not theirs.
	var cmds []tea.Cmd
	for _, s := range m.screens() {
		cmds = append(cmds, s.Update(msg))
	}
	return tea.Batch(cmds...)
}

func (m *Model) back() {
	if m.pos > 0 {
		m.pos--
	}
}

func (m *Model) forward() {
	if m.pos < len(m.hist)-1 {
		m.pos++
	}
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.ctx.Keys
	if msg.String() == "ctrl+c" {
		return m.quit()
	}
	if m.pal.open {
		return m.pal.key(msg)
	}
	if m.showHelp {
		if key.Matches(msg, k.Help, k.Back, k.Quit) {
			m.showHelp = false
		}
		return nil
	}
	cur := m.Current()
	if cur != nil && cur.Capturing() {
		return cur.Update(msg)
	}
	// A screen may claim a key the root would otherwise take (the import browser's backspace goes
	// up a folder, esc in its rejects list back to the summary).
	if w, ok := cur.(interface{ WantsKey(tea.KeyPressMsg) bool }); ok && w.WantsKey(msg) {
		return cur.Update(msg)
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.showHelp = true
		return nil
	case key.Matches(msg, k.Palette):
		m.pal.start()
		return nil
	case key.Matches(msg, k.Back):
		if m.pos == 0 && msg.String() == "esc" {
			// At the start of the history, esc cancels running jobs instead.
			m.ctx.CancelAll()
			return nil
		}
		m.back()
		return nil
	case key.Matches(msg, k.Forward):
		m.forward()
		return nil
	case key.Matches(msg, k.Cancel):
		n := m.ctx.Running()
		m.ctx.CancelAll()
		return tui.Notify("cancelled " + text.Plural(n, "query", "queries"))
	case key.Matches(msg, k.Queue):
		return m.open(tui.Target{Kind: "queue"})
	case key.Matches(msg, k.Overview):
		return m.open(tui.Target{Kind: "overview"})
	case key.Matches(msg, k.Hunt):
		return m.open(tui.Target{Kind: "hunt"})
	case key.Matches(msg, k.Timeline):
		return m.open(tui.Target{Kind: "timeline"})
	case key.Matches(msg, k.Cases):
		return m.open(tui.Target{Kind: "cases"})
	case key.Matches(msg, k.Import):
		return m.open(tui.Target{Kind: "import"})
	case key.Matches(msg, k.PinEvent):
		return casefile.PinSelected(screenOf(cur))
	case key.Matches(msg, k.NewCase):
		return casefile.CreateFromSelected(screenOf(cur))
	}
	if cur != nil {
		return cur.Update(msg)
	}
	return nil
}

func (m *Model) quit() tea.Cmd {
	m.ctx.CancelAll()
	m.quitting = true
	return tea.Quit
}

// View draws the header, the screen (or help, with the palette over it) and the status bar.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "trawl"
	return v
}

// Render is the workbench as text: exactly the terminal's size.
func (m *Model) Render() string {
	if m.quitting {
		return ""
	}
	th := m.ctx.Theme
	if m.w < tui.MinWidth || m.h < tui.MinHeight {
		msg := fmt.Sprintf("The terminal is %dx%d; the workbench needs at least %dx%d.", m.w, m.h, tui.MinWidth, tui.MinHeight)
		lines := []string{th.Warning.Render(text.Truncate(msg, max(m.w, 1))), th.Muted.Render(text.Truncate("Enlarge the window, or q to quit.", max(m.w, 1)))}
		return tui.Block(lines, max(m.w, 1), max(m.h, 1))
	}
	w, bh := m.bodyWidth(), m.bodyHeight()
	var body string
	switch {
	case m.showHelp:
		body = m.helpView(w, bh)
	case m.Current() != nil:
		body = m.Current().View()
	default:
		body = tui.Block(nil, w, bh)
	}
	if m.pal.open {
		body = m.pal.overlay(body, w, bh)
	}
	return m.header(w) + "\n" + body + "\n" + m.statusBar(w)
}

func (m *Model) header(w int) string {
	th := m.ctx.Theme
	brand := th.Header.Render(" trawl ")
	var crumbs []string
	for i := max(m.pos-2, 0); i <= m.pos && i < len(m.hist); i++ {
		t := text.Sanitize(m.hist[i].Title())
		if i == m.pos {
			crumbs = append(crumbs, th.Accent.Render(t))
		} else {
			crumbs = append(crumbs, th.Muted.Render(t))
		}
	}
	left := brand + " "
	if m.pos > 2 {
		left += th.Muted.Render("… › ")
	}
	left += strings.Join(crumbs, th.Muted.Render(" › "))
	if m.pos < len(m.hist)-1 {
		left += th.Muted.Render("  (] forward)")
	}
	right := ""
	if m.opt.ReadOnly {
		right = th.Warning.Render("read-only") + " "
	}
	if m.opt.DB != "" {
		right += th.Muted.Render(text.Clip(m.opt.DB, max(w/3, 10)) + " ")
	}
	gap := w - text.Width(left) - text.Width(right)
	if gap < 1 {
		return tui.Line(left, w)
	}
	return left + strings.Repeat(" ", gap) + right
}

func (m *Model) statusBar(w int) string {
	th := m.ctx.Theme
	name := "workbench"
	if cur := m.Current(); cur != nil {
		name = text.Sanitize(cur.Title())
	}
	left := th.StatusKey.Render(name)
	right := ""
	if n := m.ctx.Running(); n > 0 {
		right = m.spinner.View() + th.Footer.Render(" running "+strconv.Itoa(n)+" ")
	}
	right += th.Footer.Render(" ? help · : command · q quit ")
	room := w - text.Width(left) - text.Width(right) - 1
	mid := ""
	switch {
	case m.status != "" && m.statusErr:
		mid = th.Error.Render(" " + text.Clip(m.status, max(room-1, 0)))
	case m.status != "":
		mid = th.Footer.Render(" " + text.Clip(m.status, max(room-1, 0)))
	case m.Current() != nil && room > 10:
		hv := m.help
		hv.SetWidth(room - 1)
		mid = " " + hv.ShortHelpView(m.Current().ShortHelp())
	}
	line := left + mid
	gap := w - text.Width(line) - text.Width(right)
	if gap < 0 {
		return tui.Line(line, w)
	}
	return line + th.Footer.Render(strings.Repeat(" ", gap)) + right
}

func (m *Model) helpView(w, h int) string {
	th := m.ctx.Theme
	lines := []string{th.Title.Render("Keys") + th.Muted.Render("  (? or esc closes)"), ""}
	hv := m.help
	hv.SetWidth(w)
	lines = append(lines, th.Title.Render("Everywhere"))
	lines = append(lines, strings.Split(hv.FullHelpView(m.ctx.Keys.FullHelp()), "\n")...)
	if cur := m.Current(); cur != nil {
		lines = append(lines, "", th.Title.Render(text.Sanitize(cur.Title())))
		lines = append(lines, strings.Split(hv.FullHelpView(cur.FullHelp()), "\n")...)
	}
	lines = append(lines, "", th.Title.Render("Commands")+th.Muted.Render("  (after :)"))
	for _, c := range m.pal.commands {
		lines = append(lines, " "+th.Help.Key.Render(text.Pad(c.usage(), 22))+" "+th.Help.Desc.Render(c.desc))
	}
	return tui.Block(lines, w, h)
}

// screenOf is the screen as the case keys ask it (an interface holding nil when there is none).
func screenOf(s tui.Screen) any {
	if s == nil {
		return nil
	}
	return s
}
