package workbench

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/sahilm/fuzzy"

	"trawl/themes"
	"trawl/tui"
	"trawl/tui/casefile"
	"trawl/tui/queue"
	"trawl/tui/text"
)

// command is one palette command: a name, an optional argument and what it does.
type command struct {
	name, arg, desc string
	run             func(arg string) tea.Cmd
}

func (c command) usage() string {
	if c.arg == "" {
		return c.name
	}
	return c.name + " " + c.arg
}

// palette is the `:` command line: typed text, the commands matching its first word (fuzzy,
// best first) and the one chosen.
type palette struct {
	m        *Model
	open     bool
	in       tui.Input
	commands []command
	names    []string // the command names, which fuzzy matching runs over
	matches  fuzzy.Matches
	sel      int
}

const paletteRows = 8

func newPalette(m *Model) palette {
	p := palette{m: m, in: tui.Input{Prompt: ":"}}
	screen := func(kind, desc string) command {
		return command{name: kind, desc: desc, run: func(string) tea.Cmd { return m.open(tui.Target{Kind: kind}) }}
	}
	entity := func(kind, desc string) command {
		return command{name: kind, arg: "VALUE", desc: desc, run: func(arg string) tea.Cmd {
			return m.open(tui.Target{Kind: "entity", Entity: kind, Value: arg})
		}}
	}
	// byID opens the screen of kind for an id typed as 12, #12 or, with the kind's letter, A12.
	byID := func(kind, letter, a, desc string) command {
		return command{name: kind, arg: "ID", desc: desc, run: func(arg string) tea.Cmd {
			id, ok := parseID(arg, letter)
			if !ok {
				return m.fail(fmt.Errorf("%s: %q is not %s number", kind, arg, a))
			}
			return m.open(tui.Target{Kind: kind, ID: id})
		}}
	}
	// triage commands act on the queue's selection.
	triage := func(name, arg, status, desc string) command {
		return command{name: name, arg: arg, desc: desc, run: func(who string) tea.Cmd {
			q, ok := m.Current().(*queue.Model)
			if !ok {
				return m.fail(fmt.Errorf("%s works on the queue's selection: press 1 for the queue", name))
			}
			return q.Triage(status, strings.TrimSpace(who))
		}}
	}
	p.commands = []command{
		screen("queue", "the triage queue"),
		screen("overview", "the store at a glance"),
		screen("hunt", "the hunt console"),
		screen("timeline", "events in time order"),
		byID("alert", "A", "an alert", "open an alert"),
		byID("incident", "I", "an incident", "open an incident"),
		screen("cases", "the case files"),
		screen("import", "import log files and folders"),
		byID("case", "", "a case", "open a case file"),
		{name: "pin", arg: "EVENT", desc: "pin an event to the active case", run: func(arg string) tea.Cmd {
			id, ok := parseID(arg, "")
			if !ok {
				return m.fail(fmt.Errorf("pin: %q is not an event id", arg))
			}
			return func() tea.Msg { return casefile.PinEventMsg{EventID: id} }
		}},
		entity("user", "pivot to a user"),
		entity("host", "pivot to a host"),
		entity("ip", "pivot to an address"),
		entity("process", "pivot to a process name"),
		entity("domain", "pivot to a domain"),
		entity("hash", "pivot to a file hash"),
		{name: "theme", arg: "NAME", desc: "switch theme: " + strings.Join(themes.Names(), ", "), run: func(arg string) tea.Cmd {
			th, err := themes.ByName(arg)
			if err != nil {
				return m.fail(err)
			}
			// In place: every screen holds this pointer (the hunt console, timeline and entity
			// view got it when built), so all of them restyle, not only those reading ctx.Theme.
			*m.ctx.Theme = *th
			m.applyTheme()
			return tea.Batch(tui.Notify("theme "+th.Name), func() tea.Msg { return themes.ChangedMsg{} })
		}},
		triage("close", "", queue.StatusClosed, "close the selected queue items"),
		triage("reopen", "", queue.StatusNew, "set the selected queue items back to new"),
		triage("assign", "NAME", queue.StatusAssigned, "assign the selected queue items to NAME"),
		{name: "back", desc: "go back", run: func(string) tea.Cmd { m.back(); return nil }},
		{name: "forward", desc: "go forward", run: func(string) tea.Cmd { m.forward(); return nil }},
		{name: "help", desc: "show the keys", run: func(string) tea.Cmd { m.showHelp = true; return nil }},
		{name: "quit", desc: "leave the workbench", run: func(string) tea.Cmd { return m.quit() }},
	}
	for _, c := range p.commands {
		p.names = append(p.names, c.name)
	}
	return p
}

// parseID reads a positive id typed as 12 or #12, or, when letter is set, also as A12 or #A12.
func parseID(arg, letter string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimPrefix(arg, "#"), letter), 10, 64)
	return id, err == nil && id > 0
}

func (p *palette) start() {
	p.open = true
	p.in.Value = ""
	p.refresh()
}

// refresh matches the first word typed against the command names.
func (p *palette) refresh() {
	word, _, _ := strings.Cut(strings.TrimLeft(p.in.Value, " "), " ")
	if word == "" {
		p.matches = make(fuzzy.Matches, len(p.commands))
		for i, c := range p.commands {
			p.matches[i] = fuzzy.Match{Str: c.name, Index: i}
		}
	} else {
		p.matches = fuzzy.Find(word, p.names)
	}
	p.sel = 0
}

func (p *palette) key(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc", "ctrl+g":
		p.open = false
		return nil
	case "up", "ctrl+p":
		p.sel = max(p.sel-1, 0)
		return nil
	case "down", "ctrl+n":
		p.sel = min(p.sel+1, max(len(p.matches)-1, 0))
		return nil
	case "tab":
		if p.sel < len(p.matches) {
			c := p.commands[p.matches[p.sel].Index]
			p.in.Value = c.name + " "
			p.refresh()
		}
		return nil
	case "enter":
		return p.run()
	}
	if p.in.Update(msg) {
		p.refresh()
	}
	return nil
}

// run runs the command typed: its first word exactly, or else the chosen match; an argument a
// command needs but lacks completes the name and waits for it.
func (p *palette) run() tea.Cmd {
	word, arg, _ := strings.Cut(strings.TrimSpace(p.in.Value), " ")
	arg = strings.TrimSpace(arg)
	var c *command
	for i := range p.commands {
		if p.commands[i].name == word {
			c = &p.commands[i]
		}
	}
	if c == nil && p.sel < len(p.matches) {
		c = &p.commands[p.matches[p.sel].Index]
	}
	if c == nil {
		p.open = false
		return p.m.fail(fmt.Errorf("no command %q (: then tab lists them)", word))
	}
	if c.arg != "" && arg == "" {
		p.in.Value = c.name + " "
		p.refresh()
		return nil
	}
	p.open = false
	return c.run(arg)
}

// overlay draws the palette over the top of the body.
func (p *palette) overlay(body string, w, h int) string {
	th := p.m.ctx.Theme
	lines := strings.Split(body, "\n")
	out := []string{p.in.View(p.m.ctx, w)}
	for i, mt := range p.matches {
		if i >= paletteRows {
			out = append(out, th.Muted.Render(text.Pad(fmt.Sprintf("  … %d more", len(p.matches)-i), w)))
			break
		}
		c := p.commands[mt.Index]
		name := highlight(c.name, mt.MatchedIndexes, th.Match, th.Base)
		row := "  " + name + th.Muted.Render(strings.TrimPrefix(c.usage(), c.name))
		row = tui.Line(row, 26) + th.Muted.Render(text.Clip(c.desc, max(w-28, 0)))
		if i == p.sel {
			row = th.Selected.Render(" ▸ " + text.Pad(c.usage(), 23) + text.Clip(c.desc, max(w-28, 0)))
		}
		out = append(out, tui.Line(row, w))
	}
	if len(p.matches) == 0 {
		out = append(out, th.Muted.Render(tui.Line("  no command matches", w)))
	}
	out = append(out, th.Subtle.Render(strings.Repeat("─", w)))
	for i := range out {
		if i < len(lines) {
			lines[i] = out[i]
		}
	}
	return strings.Join(lines, "\n")
}

// highlight styles the matched characters of s.
func highlight(s string, idx []int, match, base interface{ Render(...string) string }) string {
	if len(idx) == 0 {
		return base.Render(s)
	}
	hit := map[int]bool{}
	for _, i := range idx {
		hit[i] = true
	}
	var b strings.Builder
	for i, r := range s {
		if hit[i] {
			b.WriteString(match.Render(string(r)))
		} else {
			b.WriteString(base.Render(string(r)))
		}
	}
	return b.String()
}
