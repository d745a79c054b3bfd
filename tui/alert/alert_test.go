package alert

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"trawl/generate"
	"trawl/themes"
	"trawl/tui"
	"trawl/tui/screentest"
)

func TestMain(m *testing.M) { screentest.Main(m) }

func newCtx(t *testing.T) *tui.Context {
	t.Helper()
	th, _ := themes.ByName("dark")
	c := tui.NewContext(tui.EngineStore{S: screentest.Store(t)}, th)
	c.Now = func() time.Time { return generate.DefaultStart.Add(72 * time.Hour) }
	return c
}

// firstAlert is the id of an alert of rule, the first in the store's order.
func firstAlert(t *testing.T, c *tui.Context, filter string) int64 {
	t.Helper()
	p, err := c.Store.Queue(t.Context(), tui.QueueQuery{Filter: filter, Limit: 1, Sort: tui.SortOldest})
	if err != nil || len(p.Items) == 0 {
		t.Fatalf("no alert for %q: %v", filter, err)
	}
	return p.Items[0].ID
}

func open(t *testing.T, c *tui.Context, id int64, w, h int) *Model {
	t.Helper()
	m := New(c, id)
	m.SetSize(w, h)
	tui.Drain(c, m, m.Init())
	if !m.hasDetail || !m.hasEv {
		t.Fatalf("alert %d did not load: %v", id, m.err)
	}
	return m
}

func TestGolden(t *testing.T) {
	c := newCtx(t)
	id := firstAlert(t, c, "ssh_brute")
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			m := open(t, c, id, w, h)
			screentest.Golden(t, fmt.Sprintf("alert_%dx%d", w, h), m.View(), w, h)
			tui.Press(c, m, screentest.Keys("j", "j", "r")...)
			if !m.hasRec {
				t.Fatalf("r: no raw record: %v", m.recErr)
			}
			screentest.Golden(t, fmt.Sprintf("alert_raw_%dx%d", w, h), m.View(), w, h)
		})
	}
}

func TestTechniquesNamed(t *testing.T) {
	c := newCtx(t)
	m := open(t, c, firstAlert(t, c, "ssh_brute"), 160, 48)
	view := ansi.Strip(m.View())
	for _, want := range []string{"T1110", "Brute Force", "Credential Access", "Alert ", strings.ToUpper(m.detail.Severity), "user:"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q", want)
		}
	}
}

func TestEvidencePagingAndPivot(t *testing.T) {
	c := newCtx(t)
	id := firstAlert(t, c, "ssh_brute")
	m := New(c, id)
	m.pageLimit = 3
	m.SetSize(80, 10)
	tui.Drain(c, m, m.Init())
	if m.ev.Total <= 3 {
		t.Fatalf("alert %d has %d evidence events: the seeded store should give more than 3 to page through", id, m.ev.Total)
	}
	if len(m.ev.Rows) != 2*m.tableRows() {
		t.Errorf("first page holds %d rows, want %d", len(m.ev.Rows), 2*m.tableRows())
	}
	tui.Press(c, m, screentest.Keys("G")...)
	if _, ok := m.row(m.cursor); !ok || m.cursor != m.ev.Total-1 {
		t.Errorf("G: cursor %d of %d, loaded %v", m.cursor, m.ev.Total, ok)
	}
	msgs := tui.Press(c, m, screentest.Keys("p")...)
	if len(msgs) != 1 {
		t.Fatalf("p: %v", msgs)
	}
	o, ok := msgs[0].(tui.OpenMsg)
	if !ok || o.Target.Kind != "entity" || o.Target.Value == "" {
		t.Errorf("p: %v", msgs)
	}
	msgs = tui.Press(c, m, screentest.Keys("t")...)
	if o, ok := msgs[0].(tui.OpenMsg); !ok || o.Target.Kind != "timeline" || o.Target.ID != id || o.Target.From.IsZero() {
		t.Errorf("t: %v", msgs)
	}
}

func TestMissingAlert(t *testing.T) {
	c := newCtx(t)
	m := New(c, 987654)
	m.SetSize(80, 24)
	msgs := tui.Drain(c, m, m.Init())
	if m.err == nil || len(msgs) == 0 {
		t.Fatalf("no error for a missing alert: %v", msgs)
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "no such alert") {
		t.Errorf("view:\n%s", v)
	}
}
