package importer

import (
	"context"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"trawl/engine"
	"trawl/tui"
)

// Screen adapts the Import screen to tui.Screen for the workbench root. A running import is also
// a job of the root (Context.Query, slot "import"): the root's spinner turns while it runs, and
// when the root cancels its jobs (quitting, ctrl+g) the import is cancelled with them.
type Screen struct {
	c        *tui.Context
	id       int
	m        Model
	watching bool
}

// NewScreen builds the Import screen over an engine store, the browser starting in dir (empty:
// the working directory).
func NewScreen(c *tui.Context, st *engine.Store, dir string) *Screen {
	return NewScreenOf(c, Deps{Source: StoreSource{S: st}, Dir: dir})
}

// NewScreenOf builds the Import screen over any Source.
func NewScreenOf(c *tui.Context, deps Deps) *Screen {
	return &Screen{c: c, id: c.NewID(), m: New(deps, c.Theme)}
}

// Model is the screen's model, for tests.
func (s *Screen) Model() Model { return s.m }

func (s *Screen) ID() int                   { return s.id }
func (s *Screen) Title() string             { return "Import" }
func (s *Screen) Init() tea.Cmd             { return s.m.Init() }
func (s *Screen) View() string              { return s.m.View() }
func (s *Screen) SetSize(w, h int)          { s.m.SetSize(w, h) }
func (s *Screen) ShortHelp() []key.Binding  { return s.m.Keys.ShortHelp() }
func (s *Screen) FullHelp() [][]key.Binding { return s.m.Keys.FullHelp() }
func (s *Screen) Capturing() bool           { return s.m.Capturing() }

// WantsKey says the screen uses a key the root would take (backspace, esc): see Model.WantsKey.
func (s *Screen) WantsKey(msg tea.KeyPressMsg) bool { return s.m.WantsKey(msg) }

func (s *Screen) Update(msg tea.Msg) tea.Cmd {
	if q, ok := msg.(tui.QueryFinishedMsg); ok && q.Owner == s.id && q.Slot == "import" {
		s.watching = false
		return nil
	}
	var cmd tea.Cmd
	s.m, cmd = s.m.Update(msg)
	if s.m.Running() && !s.watching && s.m.cancel != nil {
		s.watching = true
		cmd = tea.Batch(cmd, s.c.Query(s.id, "import", watch(s.m.cancel, s.m.done)))
	}
	return cmd
}

// watch is the root's job for a running import: it ends when the import has ended (done), and
// cancels the import when the root cancels the job first.
func watch(cancel context.CancelFunc, done <-chan struct{}) func(ctx context.Context) (any, error) {
	return func(ctx context.Context) (any, error) {
		select {
		case <-ctx.Done():
			cancel()
		case <-done:
		}
		return nil, nil
	}
}
