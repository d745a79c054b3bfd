package incident

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"trawl/themes"
	"trawl/tui"
	"trawl/tui/screentest"
	"trawl/tui/tuitest"
)

func TestMain(m *testing.M) { screentest.Main(m) }

// top is the context over the scored fixture and the id of the top incident.
func top(t *testing.T) (*tui.Context, int64) {
	t.Helper()
	th, _ := themes.ByName("dark")
	c := tui.NewContext(tui.EngineStore{S: tuitest.ScoredStore(t)}, th)
	p, err := c.Store.Queue(t.Context(), tui.QueueQuery{Limit: 1})
	if err != nil || len(p.Items) == 0 || p.Items[0].Kind != "incident" {
		t.Fatalf("no incident at the top of the queue: %v %v", err, p.Items)
	}
	return c, p.Items[0].ID
}

func open(t *testing.T, c *tui.Context, id int64, w, h int) *Model {
	t.Helper()
	m := New(c, id)
	m.SetSize(w, h)
	tui.Drain(c, m, m.Init())
	if !m.loaded {
		t.Fatalf("incident %d did not load: %v", id, m.err)
	}
	return m
}

func TestGolden(t *testing.T) {
	c, id := top(t)
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			m := open(t, c, id, w, h)
			screentest.Golden(t, fmt.Sprintf("incident_%dx%d", w, h), m.View(), w, h)
		})
	}
}

func TestKeys(t *testing.T) {
	c, id := top(t)
	m := open(t, c, id, 80, 24)
	n := len(m.d.AlertList)
	tui.Press(c, m, screentest.Keys("G")...)
	if m.cursor != n-1 {
		t.Errorf("G: cursor %d of %d", m.cursor, n)
	}
	msgs := tui.Press(c, m, screentest.Keys("enter")...)
	if len(msgs) != 1 || msgs[0] != (tui.OpenMsg{Target: tui.Target{Kind: "alert", ID: m.d.AlertList[n-1].ID}}) {
		t.Errorf("enter: %v", msgs)
	}
	msgs = tui.Press(c, m, screentest.Keys("p")...)
	if o, ok := msgs[0].(tui.OpenMsg); !ok || o.Target.Kind != "entity" || o.Target.Value == "" {
		t.Errorf("p: %v", msgs)
	}
	msgs = tui.Press(c, m, screentest.Keys("t")...)
	if o, ok := msgs[0].(tui.OpenMsg); !ok || o.Target.Kind != "timeline" || o.Target.From.IsZero() {
		t.Errorf("t: %v", msgs)
	}
	v := ansi.Strip(m.View())
	for _, s := range []string{"Incident ", "score", "factors", "On 20"} {
		if !strings.Contains(v, s) {
			t.Errorf("view lacks %q:\n%s", s, v)
		}
	}
}

func TestMissing(t *testing.T) {
	c, _ := top(t)
	m := New(c, 987654)
	m.SetSize(80, 24)
	tui.Drain(c, m, m.Init())
	if m.err == nil || !strings.Contains(ansi.Strip(m.View()), "no such incident") {
		t.Errorf("missing incident: %v\n%s", m.err, ansi.Strip(m.View()))
	}
}
