package importer

import (
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"trawl/tui"
	"trawl/tui/screentest"
	"trawl/tui/workbench"
)

// TestInWorkbench runs the screen inside the real workbench root as the lead would wire it (a
// factory for "import"): marking and starting an import through the root, the import shown as a
// running job, and ctrl+c (the root quits and cancels its jobs) cancelling the import.
func TestInWorkbench(t *testing.T) {
	src := &fakeSource{block: true, started: make(chan struct{})}
	c := tui.NewContext(nil, theme(t))
	m := workbench.New(c, workbench.Options{
		Start: tui.Target{Kind: "import"},
		Factories: map[string]workbench.Factory{
			"import": func(c *tui.Context, _ tui.Target) (tui.Screen, error) {
				return NewScreenOf(c, Deps{Source: src, Dir: "testdata/browse"}), nil
			},
		},
	})
	// A small program loop: commands run in goroutines, their messages come back here, and only
	// this goroutine touches the models.
	msgs := make(chan tea.Msg, 64)
	var exec func(cmd tea.Cmd)
	exec = func(cmd tea.Cmd) {
		if cmd == nil {
			return
		}
		go func() {
			msg := cmd()
			if b, ok := msg.(tea.BatchMsg); ok {
				for _, c := range b {
					exec(c)
				}
				return
			}
			if _, tick := msg.(spinner.TickMsg); msg != nil && !tick {
				msgs <- msg
			}
		}()
	}
	quit := false
	update := func(msg tea.Msg) {
		if _, ok := msg.(tea.QuitMsg); ok {
			quit = true
			return
		}
		_, cmd := m.Update(msg)
		exec(cmd)
	}
	pump := func(what string, done func() bool) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for !done() {
			select {
			case msg := <-msgs:
				update(msg)
			case <-deadline:
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	update(tea.WindowSizeMsg{Width: 80, Height: 24})
	exec(m.Init())
	var s *Screen
	pump("the import screen", func() bool {
		s, _ = m.Current().(*Screen)
		return s != nil && len(s.Model().entries) > 0 && s.Model().writable == nil
	})
	for _, k := range []string{"down", "down", "space", "i"} {
		update(screentest.Key(k))
	}
	started := false
	pump("the import to start", func() bool {
		select {
		case <-src.started:
			started = true
		default:
		}
		return started && s.Model().Running()
	})
	if c.Running() != 1 {
		t.Errorf("%d jobs running in the root during the import, want 1 (the import)", c.Running())
	}
	if !s.Capturing() {
		t.Error("the running import does not take the keys (esc would go back instead of cancelling)")
	}
	update(screentest.Key("ctrl+c"))
	pump("the quit and the cancelled import", func() bool { return quit && s.Model().Phase() == PhaseSummary })
	if !quit || !s.Model().cancelled {
		t.Errorf("ctrl+c: quit %v, import cancelled %v; want both", quit, s.Model().cancelled)
	}
}
