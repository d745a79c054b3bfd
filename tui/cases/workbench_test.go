package cases

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"trawl/themes"
	"trawl/tui"
	"trawl/tui/casefile"
	"trawl/tui/screentest"
	"trawl/tui/workbench"
)

// root drives the workbench as a tea.Program would, with the case screens wired in as the
// report asks the root to do: factories for "cases" and "case", and the Desk running
// PinEventMsg and CreateCaseMsg.
type root struct {
	t    *testing.T
	m    *workbench.Model
	desk *casefile.Desk
}

func (r *root) send(msg tea.Msg) {
	r.t.Helper()
	var cmd tea.Cmd
	if c, ok := r.desk.Handle(msg); ok {
		cmd = c // what the root's Update does first with these two messages
	} else {
		_, cmd = r.m.Update(msg)
	}
	for _, next := range screentest.Run(cmd) {
		r.send(next)
	}
}

func (r *root) press(names ...string) {
	r.t.Helper()
	for _, n := range names {
		r.send(screentest.Key(n))
	}
}

func (r *root) screen() string { return ansi.Strip(r.m.Render()) }

// TestInWorkbench opens the Cases screen in the root, opens a case, changes its status, goes
// back to a list that shows the change, and pins an event from elsewhere to the active case.
func TestInWorkbench(t *testing.T) {
	src := listStore(t)
	th, err := themes.ByName("dark")
	if err != nil {
		t.Fatal(err)
	}
	c := tui.NewContext(nil, th)
	c.Now = func() time.Time { return base.Add(26 * time.Hour) }
	desk := casefile.NewDesk(src)
	m := workbench.New(c, workbench.Options{
		Start: tui.Target{Kind: "cases"},
		Factories: map[string]workbench.Factory{
			"cases": func(c *tui.Context, _ tui.Target) (tui.Screen, error) { return New(c, desk.Src), nil },
			"case": func(c *tui.Context, t tui.Target) (tui.Screen, error) {
				return casefile.New(c, desk, t.ID), nil
			},
		},
	})
	r := &root{t: t, m: m, desk: desk}
	r.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	for _, msg := range screentest.Run(m.Init()) {
		r.send(msg)
	}
	if s := r.screen(); !strings.Contains(s, "Beaconing to sync") {
		t.Fatalf("the Cases screen did not load:\n%s", s)
	}
	r.press("enter")
	if s := r.screen(); !strings.Contains(s, "Case 4: Beaconing") || !strings.Contains(s, "status new") {
		t.Fatalf("the case file did not open:\n%s", s)
	}
	if desk.Active() != 4 {
		t.Errorf("active case %d, want 4", desk.Active())
	}
	r.press("s", "down", "enter")
	if s := r.screen(); !strings.Contains(s, "status investigating") {
		t.Fatalf("status not changed:\n%s", s)
	}
	r.press("esc") // back to the list, which reloaded on the change
	if s := r.screen(); !strings.Contains(s, "4    investigating") {
		t.Fatalf("the list does not show the change:\n%s", s)
	}
	// Any screen may ask to pin an event: it goes to the active case.
	r.send(casefile.PinEventMsg{EventID: 1})
	if s := r.screen(); !strings.Contains(s, "event 1 pinned to case 4") {
		t.Fatalf("no notice of the pin:\n%s", s)
	}
	cs, err := src.Case(t.Context(), 4)
	if err != nil {
		t.Fatal(err)
	}
	pinned := false
	for _, e := range cs.Evidence {
		pinned = pinned || (e.ID == 1 && e.Pinned)
	}
	if !pinned {
		t.Error("event 1 is not pinned to case 4")
	}
	screentest.Golden(t, "workbench_after_pin_80x24", m.Render(), 80, 24)
	// A new case from alerts opens its case file.
	r.send(casefile.CreateCaseMsg{AlertIDs: []int64{5}})
	if s := r.screen(); !strings.Contains(s, "Case 5") {
		t.Fatalf("the new case's file did not open:\n%s", s)
	}
}
