package overview

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"trawl/themes"
	"trawl/tui"
	"trawl/tui/screentest"
)

func TestMain(m *testing.M) { screentest.Main(m) }

func open(t *testing.T, w, h int) (*tui.Context, *Model) {
	t.Helper()
	th, _ := themes.ByName("dark")
	c := tui.NewContext(tui.EngineStore{S: screentest.Store(t)}, th)
	m := New(c)
	m.SetSize(w, h)
	tui.Drain(c, m, m.Init())
	if !m.loaded {
		t.Fatalf("overview did not load: %v", m.err)
	}
	return c, m
}

func TestGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			_, m := open(t, w, h)
			screentest.Golden(t, fmt.Sprintf("overview_%dx%d", w, h), m.View(), w, h)
		})
	}
}

func TestPivotFromTopEntity(t *testing.T) {
	c, m := open(t, 80, 24)
	if len(m.ov.Entities) < 2 {
		t.Fatalf("%d top entities", len(m.ov.Entities))
	}
	msgs := tui.Press(c, m, screentest.Key("j"), screentest.Key("enter"))
	e := m.ov.Entities[1]
	want := tui.OpenMsg{Target: tui.Target{Kind: "entity", Entity: tui.EntityKind(e.Kind), Value: e.Value}}
	if len(msgs) != 1 || msgs[0] != want {
		t.Errorf("j enter: %v, want %v", msgs, want)
	}
	view := ansi.Strip(m.View())
	for _, s := range []string{"Event volume per source", "Alerts by ATT&CK tactic", "Credential Access", e.Value} {
		if !strings.Contains(view, s) {
			t.Errorf("view lacks %q", s)
		}
	}
}
