package workbench

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"trawl/generate"
	"trawl/themes"
	"trawl/tui"
	"trawl/tui/alert"
	"trawl/tui/incident"
	"trawl/tui/overview"
	"trawl/tui/queue"
	"trawl/tui/screentest"
	"trawl/tui/tuitest"
)

func TestMain(m *testing.M) { screentest.Main(m) }

func newCtx(t testing.TB, store tui.Store, theme string) *tui.Context {
	t.Helper()
	th, err := themes.ByName(theme)
	if err != nil {
		t.Fatal(err)
	}
	c := tui.NewContext(store, th)
	c.Now = func() time.Time { return generate.DefaultStart.Add(72 * time.Hour) }
	return c
}

// drive sends msgs to the workbench and runs every command they lead to, feeding the results
// back, as the program would (spinner ticks aside: they only animate).
func drive(t testing.TB, m *Model, msgs ...tea.Msg) []tea.Msg {
	t.Helper()
	var quit []tea.Msg
	var queue []tea.Msg
	queue = append(queue, msgs...)
	for n := 0; len(queue) > 0; n++ {
		if n > 10000 {
			t.Fatal("more than 10000 messages")
		}
		msg := queue[0]
		queue = queue[1:]
		_, cmd := m.Update(msg)
		for _, next := range screentest.Run(cmd) {
			switch next.(type) {
			case spinner.TickMsg:
			case tea.QuitMsg:
				quit = append(quit, next)
			default:
				queue = append(queue, next)
			}
		}
	}
	return quit
}

func start(t testing.TB, c *tui.Context, opt Options, w, h int) *Model {
	t.Helper()
	m := New(c, opt)
	drive(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	for _, next := range screentest.Run(m.Init()) {
		drive(t, m, next)
	}
	return m
}

// keys is the key presses of names (screentest.Keys).
var keys = screentest.Keys

// engineOpts is the scored fixture, as `trawl hunt` leaves a store.
func engineOpts(t testing.TB) (tui.Store, Options) {
	st := tuitest.ScoredStore(t)
	return tui.EngineStore{S: st}, Options{DB: "demo.duckdb", Engine: st}
}

func TestGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			store, opt := engineOpts(t)
			c := newCtx(t, store, "dark")
			m := start(t, c, opt, w, h)
			screentest.Golden(t, fmt.Sprintf("queue_%dx%d", w, h), m.Render(), w, h)

			drive(t, m, keys("enter")...)
			if _, ok := m.Current().(*incident.Model); !ok {
				t.Fatalf("enter opened %T", m.Current())
			}
			screentest.Golden(t, fmt.Sprintf("incident_%dx%d", w, h), m.Render(), w, h)
			drive(t, m, keys("G", "enter")...)
			if _, ok := m.Current().(*alert.Model); !ok {
				t.Fatalf("enter on the incident's last alert opened %T", m.Current())
			}
			screentest.Golden(t, fmt.Sprintf("alert_%dx%d", w, h), m.Render(), w, h)

			// Pivot to the selected event's user, then back to the alert.
			drive(t, m, keys("p")...)
			if _, ok := m.Current().(*entityScreen); !ok {
				t.Fatalf("p opened %T", m.Current())
			}
			screentest.Golden(t, fmt.Sprintf("entity_%dx%d", w, h), m.Render(), w, h)
			drive(t, m, keys("esc")...)

			drive(t, m, keys("?")...)
			screentest.Golden(t, fmt.Sprintf("help_%dx%d", w, h), m.Render(), w, h)
			drive(t, m, keys("esc")...)

			drive(t, m, keys(":", "o", "v")...)
			screentest.Golden(t, fmt.Sprintf("palette_%dx%d", w, h), m.Render(), w, h)
			drive(t, m, keys("enter")...)
			if _, ok := m.Current().(*overview.Model); !ok {
				t.Fatalf(":ov enter opened %T", m.Current())
			}
			screentest.Golden(t, fmt.Sprintf("overview_%dx%d", w, h), m.Render(), w, h)
		})
	}
}

func TestHistory(t *testing.T) {
	store, opt := engineOpts(t)
	c := newCtx(t, store, "dark")
	m := start(t, c, opt, 80, 24)
	q := m.Current()
	if _, ok := q.(*queue.Model); !ok {
		t.Fatalf("starts on %T", q)
	}
	drive(t, m, keys("j", "enter")...)
	a := m.Current()
	drive(t, m, keys("2")...)
	o := m.Current()
	if _, ok := o.(*overview.Model); !ok {
		t.Fatalf("2 opened %T", o)
	}
	want := func(step string, s tui.Screen) {
		t.Helper()
		if m.Current() != s {
			t.Errorf("%s: on %s, want %s", step, m.Current().Title(), s.Title())
		}
	}
	drive(t, m, keys("esc")...)
	want("back", a)
	drive(t, m, keys("[")...)
	want("back again", q)
	drive(t, m, keys("esc")...)
	want("back at the start", q)
	drive(t, m, keys("]")...)
	want("forward", a)
	drive(t, m, keys("]", "]")...)
	want("forward twice", o)
	// Opening from the middle of the history drops the forward part.
	drive(t, m, keys("esc", "esc", "1")...)
	want("the queue is reused", q)
	drive(t, m, keys("G", "enter")...)
	if m.Current() == a || len(m.hist) != 2 {
		t.Errorf("history after reopening: %d screens", len(m.hist))
	}
	// The queue kept its cursor through all this.
	if it, ok := q.(*queue.Model).Cursor(); !ok || m.Current().Title() != fmt.Sprintf("Incident %d", it.ID) {
		t.Errorf("queue cursor lost: %v %s", it.ID, m.Current().Title())
	}
	if quit := drive(t, m, keys("q")...); len(quit) != 1 {
		t.Errorf("q did not quit: %v", quit)
	}
}

func TestPalette(t *testing.T) {
	store, opt := engineOpts(t)
	c := newCtx(t, store, "dark")
	m := start(t, c, opt, 80, 24)
	var inc []int64
	p, err := store.Queue(t.Context(), tui.QueueQuery{Limit: 2})
	if err != nil || len(p.Items) < 2 {
		t.Fatalf("queue: %v %v", err, p.Items)
	}
	for _, it := range p.Items {
		inc = append(inc, it.ID)
	}
	tests := []struct {
		typed string
		want  string // title of the screen opened, or the status
	}{
		{"alert 3", "Alert 3"},
		{fmt.Sprintf("incident %d", inc[0]), fmt.Sprintf("Incident %d", inc[0])},
		{fmt.Sprintf("inc I%d", inc[1]), fmt.Sprintf("Incident %d", inc[1])}, // fuzzy name, I-prefixed id
		{"al 4", "Alert 4"}, // fuzzy: "al" is alert
		{"ove", "Overview"},
		{"user admin", "user admin"},
		{"ip 203.0.113.45", "ip 203.0.113.45"},
		{"hunt", "Hunt"},
		{"timeline", "Timeline"},
		{"alert x", "error: alert: \"x\" is not an alert number"},
		{"incident #I0", "error: incident: \"#I0\" is not an incident number"},
		{"case A1", "error: case: \"A1\" is not a case number"},
		{"pin -2", "error: pin: \"-2\" is not an event id"},
		{"zzzz", "error: no command \"zzzz\""},
		{"theme light", "theme light"},
		{"theme bogus", "error: unknown theme \"bogus\""},
	}
	for _, tc := range tests {
		drive(t, m, keys(":")...)
		drive(t, m, screentest.Type(tc.typed)...)
		drive(t, m, keys("enter")...)
		got := m.Current().Title()
		if m.status != "" {
			got = m.status
			if m.statusErr {
				got = "error: " + got
			}
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf(":%s → %q, want %q", tc.typed, got, tc.want)
		}
		if m.pal.open {
			t.Errorf(":%s left the palette open", tc.typed)
			drive(t, m, keys("esc")...)
		}
		if m.Current().Capturing() {
			// The hunt console's editor takes every key; tab moves to its results.
			drive(t, m, keys("tab")...)
		}
	}
	if c.Theme.Name != "light" {
		t.Errorf("theme %s after :theme light", c.Theme.Name)
	}
	// A command needing an argument waits for it.
	drive(t, m, keys(":", "u", "s", "enter")...)
	if !m.pal.open || m.pal.in.Value != "user " {
		t.Errorf(":us enter: open %v, value %q", m.pal.open, m.pal.in.Value)
	}
}

func TestStaleResultsDropped(t *testing.T) {
	store, opt := engineOpts(t)
	c := newCtx(t, store, "dark")
	m := start(t, c, opt, 80, 24)
	q := m.Current().(*queue.Model)
	// Type a filter whose first keystroke's result arrives after the second's.
	_, first := m.Update(screentest.Key("/"))
	_ = first
	_, c1 := m.Update(screentest.Key("z"))
	_, c2 := m.Update(screentest.Key("z"))
	if c.Running() != 1 {
		t.Errorf("running %d jobs, want 1 (the first cancelled)", c.Running())
	}
	newer := screentest.Run(c2)
	older := screentest.Run(c1)
	drive(t, m, newer...)
	total := q.View()
	drive(t, m, older...)
	if q.View() != total {
		t.Error("a stale result changed the queue")
	}
	if !strings.Contains(ansi.Strip(total), "nothing matches the filter") {
		t.Errorf("filter zz:\n%s", ansi.Strip(total))
	}
}

func TestTooSmall(t *testing.T) {
	store, opt := engineOpts(t)
	c := newCtx(t, store, "dark")
	m := start(t, c, opt, 60, 20)
	screentest.Golden(t, "small_60x20", m.Render(), 60, 20)
	drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if v := ansi.Strip(m.Render()); !strings.Contains(v, "Queue") || len(strings.Split(v, "\n")) != 24 {
		t.Errorf("after growing to 80x24:\n%s", v)
	}
}

// TestCaseKeysWithoutDesk: the case keys ask the screen shown for its selection and, without
// case files (no Desk), say so in the status bar.
func TestCaseKeysWithoutDesk(t *testing.T) {
	store, opt := engineOpts(t)
	c := newCtx(t, store, "dark")
	m := start(t, c, opt, 80, 24)
	q := m.Current().(*queue.Model)
	req, ok := q.CaseSelection()
	if it, _ := q.Cursor(); !ok || req.IncidentID != it.ID || len(req.AlertIDs) != 0 {
		t.Errorf("queue case selection %+v, cursor on %+v", req, it)
	}
	drive(t, m, keys("C")...)
	if !m.statusErr || !strings.Contains(m.status, "case files need the store") {
		t.Errorf("C without a desk: %q", m.status)
	}
	drive(t, m, keys("ctrl+p")...)
	if !m.statusErr || !strings.Contains(m.status, "no event to pin") {
		t.Errorf("ctrl+p on the queue: %q", m.status)
	}
	drive(t, m, keys("5")...)
	if !strings.Contains(m.status, "cases screen is not available") {
		t.Errorf("5 without the cases factory: %q", m.status)
	}
}
