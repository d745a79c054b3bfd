package workbench

import (
	"fmt"
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"trawl/engine"
	"trawl/event"
	"trawl/tui"
	"trawl/tui/entity"
	"trawl/tui/hunt"
	"trawl/tui/text"
	"trawl/tui/timeline"
)

// engineFactories are the screens built over the store itself: the hunt console, the timeline
// and the entity view.
func engineFactories(st *engine.Store, rulesDir string) map[string]Factory {
	return map[string]Factory{
		"hunt": func(c *tui.Context, t tui.Target) (tui.Screen, error) {
			m := hunt.New(hunt.Deps{Source: hunt.NewStoreSource(st, nil), RulesDir: rulesDir, Query: t.Query}, c.Theme)
			return &huntScreen{id: c.NewID(), m: m}, nil
		},
		"timeline": func(c *tui.Context, t tui.Target) (tui.Screen, error) {
			return newTimeline(c, st, t, "Timeline")
		},
		"entity": func(c *tui.Context, t tui.Target) (tui.Screen, error) {
			if t.Value == "" {
				return nil, fmt.Errorf("which %s? give a value", t.Entity)
			}
			k, ok := event.ParseEntity(tui.EntityKind(t.Entity))
			if !ok {
				return nil, fmt.Errorf("%q is not an entity kind (user, host, ip, process, domain, hash, file)", t.Entity)
			}
			return &entityScreen{id: c.NewID(), kind: k, value: t.Value, m: entity.New(entity.NewStoreSource(st), c.Theme)}, nil
		},
	}
}

// huntScreen adapts the hunt console to tui.Screen.
type huntScreen struct {
	id int
	m  hunt.Model
}

func (s *huntScreen) ID() int                   { return s.id }
func (s *huntScreen) Title() string             { return "Hunt" }
func (s *huntScreen) Init() tea.Cmd             { return s.m.Init() }
func (s *huntScreen) View() string              { return s.m.View() }
func (s *huntScreen) SetSize(w, h int)          { s.m.SetSize(w, h) }
func (s *huntScreen) ShortHelp() []key.Binding  { return s.m.Keys.ShortHelp() }
func (s *huntScreen) FullHelp() [][]key.Binding { return s.m.Keys.FullHelp() }
func (s *huntScreen) Capturing() bool           { return s.m.Capturing() }
func (s *huntScreen) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	s.m, cmd = s.m.Update(msg)
	return cmd
}

// entityScreen adapts the entity view to tui.Screen. Pivots from it open new screens in the
// root's history (the root takes timeline.PivotMsg), so its own back and forward stay unused.
type entityScreen struct {
	id    int
	kind  event.Entity
	value string
	m     entity.Model
}

func (s *entityScreen) ID() int          { return s.id }
func (s *entityScreen) Title() string    { return s.kind.String() + " " + text.Clip(s.value, 40) }
func (s *entityScreen) Init() tea.Cmd    { return s.m.Open(s.kind, s.value) }
func (s *entityScreen) View() string     { return s.m.View() }
func (s *entityScreen) SetSize(w, h int) { s.m.SetSize(w, h) }
func (s *entityScreen) ShortHelp() []key.Binding {
	return append(s.m.Keys.ShortHelp(), timelineOfKey)
}
func (s *entityScreen) FullHelp() [][]key.Binding {
	return append(s.m.Keys.FullHelp(), []key.Binding{timelineOfKey})
}
func (s *entityScreen) Capturing() bool { return s.m.Capturing() }

// timelineOfKey opens the full timeline screen of the entity on show (tui.KeyMap.TimelineOf).
var timelineOfKey = tui.DefaultKeyMap().TimelineOf

func (s *entityScreen) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && !s.m.Capturing() && key.Matches(k, timelineOfKey) {
		return tui.Open(tui.Target{Kind: "timeline", Entity: s.kind.String(), Value: s.value})
	}
	var cmd tea.Cmd
	s.m, cmd = s.m.Update(msg)
	return cmd
}

// timelineScreen adapts the timeline to tui.Screen.
type timelineScreen struct {
	id    int
	title string
	m     timeline.Model
	scope timeline.Scope
}

func newTimeline(c *tui.Context, st *engine.Store, t tui.Target, title string) (tui.Screen, error) {
	sc := timeline.Scope{Value: t.Value, Query: t.Query, AlertID: t.ID, Start: t.From}
	if t.Entity != "" {
		k, ok := event.ParseEntity(tui.EntityKind(t.Entity))
		if !ok {
			return nil, fmt.Errorf("%q is not an entity kind (user, host, ip, process, domain, hash, file)", t.Entity)
		}
		sc.Kind = k
	}
	if title == "" {
		title = tui.EntityKind(t.Entity) + " " + text.Clip(t.Value, 40)
	} else {
		switch {
		case t.ID > 0:
			title += " of alert " + strconv.FormatInt(t.ID, 10)
		case t.Value != "":
			title += " of " + tui.EntityKind(t.Entity) + " " + text.Clip(t.Value, 30)
		}
	}
	return &timelineScreen{id: c.NewID(), title: title, m: timeline.New(timeline.NewStoreSource(st), c.Theme), scope: sc}, nil
}

func (s *timelineScreen) ID() int                   { return s.id }
func (s *timelineScreen) Title() string             { return s.title }
func (s *timelineScreen) Init() tea.Cmd             { return s.m.SetScope(s.scope) }
func (s *timelineScreen) View() string              { return s.m.View() }
func (s *timelineScreen) SetSize(w, h int)          { s.m.SetSize(w, h) }
func (s *timelineScreen) ShortHelp() []key.Binding  { return s.m.Keys.ShortHelp() }
func (s *timelineScreen) FullHelp() [][]key.Binding { return s.m.Keys.FullHelp() }
func (s *timelineScreen) Capturing() bool           { return s.m.Capturing() }
func (s *timelineScreen) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	s.m, cmd = s.m.Update(msg)
	return cmd
}

// SelectedEvent is the event under the timeline's cursor, for pinning to a case.
func (s *timelineScreen) SelectedEvent() (int64, bool) {
	e, ok := s.m.Selected()
	return e.ID, ok
}

// SelectedEvent is the event under the entity timeline's cursor, for pinning to a case.
func (s *entityScreen) SelectedEvent() (int64, bool) {
	e, ok := s.m.Timeline().Selected()
	return e.ID, ok
}
