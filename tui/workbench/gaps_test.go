package workbench

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"trawl/event"
	"trawl/tui"
	"trawl/tui/importer"
	"trawl/tui/queue"
	"trawl/tui/screentest"
	"trawl/tui/tuitest"
)

// TestEntityTimelineKey: t on the entity view opens the timeline screen of that entity.
func TestEntityTimelineKey(t *testing.T) {
	store, opt := engineOpts(t)
	c := newCtx(t, store, "dark")
	m := start(t, c, opt, 80, 24)
	drive(t, m, keys(":")...)
	drive(t, m, screentest.Type("user admin")...)
	drive(t, m, keys("enter")...)
	if _, ok := m.Current().(*entityScreen); !ok {
		t.Fatalf(":user admin opened %T", m.Current())
	}
	drive(t, m, keys("t")...)
	tl, ok := m.Current().(*timelineScreen)
	if !ok {
		t.Fatalf("t on the entity view opened %T (status %q)", m.Current(), m.status)
	}
	if sc := tl.m.Scope(); sc.Kind != event.EntityUser || sc.Value != "admin" {
		t.Errorf("timeline scope %+v, want user admin", sc)
	}
	if !strings.Contains(m.Current().Title(), "user admin") {
		t.Errorf("title %q", m.Current().Title())
	}
	// Back returns to the entity view.
	drive(t, m, keys("esc")...)
	if _, ok := m.Current().(*entityScreen); !ok {
		t.Errorf("esc from the timeline went to %T", m.Current())
	}
}

// TestThemeRestylesEveryScreen: :theme NAME restyles every screen, those that were handed the
// theme when built (hunt console with its results table, timeline, entity view, import) as well
// as those reading it from the context: each screen's text stays the same and its colours
// change, and no screen keeps the old theme's text colour.
func TestThemeRestylesEveryScreen(t *testing.T) {
	store, opt := engineOpts(t)
	st, dir := opt.Engine, t.TempDir()
	opt.Factories = map[string]Factory{
		"import": func(c *tui.Context, _ tui.Target) (tui.Screen, error) { return importer.NewScreen(c, st, dir), nil },
	}
	c := newCtx(t, store, "dark")
	m := start(t, c, opt, 160, 48)
	targets := []tui.Target{
		{Kind: "queue"}, {Kind: "overview"},
		{Kind: "hunt", Query: "logon | stats count() as n by host | sort n desc, host"},
		{Kind: "timeline", Entity: "user", Value: "admin"},
		{Kind: "entity", Entity: "user", Value: "admin"},
		{Kind: "import"},
	}
	openAll := func(m *Model) []tui.Screen {
		var screens []tui.Screen
		for _, tg := range targets {
			drive(t, m, tui.OpenMsg{Target: tg})
			if tg.Kind == "hunt" {
				drive(t, m, keys("ctrl+r")...)
			}
			screens = append(screens, m.Current())
		}
		return screens
	}
	screens := openAll(m)
	// The same screens built in the light theme, for what each should look like after.
	fresh := openAll(start(t, newCtx(t, store, "light"), opt, 160, 48))
	before := make([]string, len(screens))
	for i, s := range screens {
		before[i] = s.View()
	}
	if !strings.Contains(ansi.Strip(before[2]), "results: ") || strings.Contains(ansi.Strip(before[2]), "no rows") {
		t.Fatalf("hunt results not shown:\n%s", ansi.Strip(before[2]))
	}
	darkText := c.Theme.Base.Render("x")
	darkText = darkText[:strings.Index(darkText, "x")]
	drive(t, m, keys(":")...)
	drive(t, m, screentest.Type("theme light")...)
	drive(t, m, keys("enter")...)
	if c.Theme.Name != "light" {
		t.Fatalf("theme %s after :theme light", c.Theme.Name)
	}
	for i, s := range screens {
		after := s.View()
		if ansi.Strip(after) != ansi.Strip(before[i]) {
			t.Errorf("%s: the text changed with the theme:\n%s", s.Title(), ansi.Strip(after))
		}
		if after == before[i] {
			t.Errorf("%s: not restyled by :theme light", s.Title())
		} else if want := fresh[i].View(); after != want {
			t.Errorf("%s: after :theme light it is not drawn as in the light theme", s.Title())
		}
		if darkText != "" && strings.Contains(after, darkText) {
			t.Errorf("%s: still draws text in the dark theme's colour %q", s.Title(), darkText)
		}
	}
}

// TestReadOnlyBanner: a workbench opened read-only says so in the header, and the reason it
// was given shows in the status bar when it starts.
func TestReadOnlyBanner(t *testing.T) {
	store, opt := engineOpts(t)
	c := newCtx(t, store, "dark")
	opt.ReadOnly, opt.Notice = true, "opened read-only: another process has the store open"
	m := start(t, c, opt, 80, 24)
	lines := strings.Split(ansi.Strip(m.Render()), "\n")
	if !strings.Contains(lines[0], "read-only") || !strings.Contains(lines[len(lines)-1], "opened read-only: another process") {
		t.Errorf("no read-only banner:\n%s", strings.Join(lines, "\n"))
	}
	screentest.Golden(t, "readonly_80x24", m.Render(), 80, 24)
	// Writable: no banner.
	store, opt = engineOpts(t)
	m = start(t, newCtx(t, store, "dark"), opt, 80, 24)
	if l := strings.Split(ansi.Strip(m.Render()), "\n")[0]; strings.Contains(l, "read-only") {
		t.Errorf("banner on a writable workbench: %q", l)
	}
}

// TestPaletteTriage: :close, :assign NAME and :reopen act on the queue's selection and are
// stored; elsewhere they say they need the queue.
func TestPaletteTriage(t *testing.T) {
	_, opt := engineOpts(t)
	st := tuitest.Writable(t, opt.Engine) // triage writes to the store
	opt.Engine = st
	store := tui.EngineStore{S: st, Who: "alice"}
	c := newCtx(t, store, "dark")
	m := start(t, c, opt, 160, 48)
	q := m.Current().(*queue.Model)
	command := func(text string) {
		t.Helper()
		drive(t, m, keys(":")...)
		drive(t, m, screentest.Type(text)...)
		drive(t, m, keys("enter")...)
	}
	// Select the first two rows, close them.
	first, _ := q.Cursor()
	drive(t, m, keys("space", "space")...)
	second, _ := func() (tui.QueueItem, bool) { drive(t, m, keys("k")...); return q.Cursor() }()
	command("close")
	if m.statusErr || !strings.Contains(m.status, "marked closed") {
		t.Errorf(":close: %q", m.status)
	}
	page, err := store.Queue(t.Context(), tui.QueueQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	// By label (I3, A12): an incident and an alert may have the same number.
	status := map[string]tui.QueueItem{}
	for _, it := range page.Items {
		status[queue.Label(it)] = it
	}
	for _, it := range []tui.QueueItem{first, second} {
		if got := status[queue.Label(it)]; got.Status != queue.StatusClosed {
			t.Errorf(":close: %s %d is %q", it.Kind, it.ID, got.Status)
		}
	}
	command("assign bob")
	if got, _ := q.Cursor(); got.Status != queue.StatusAssigned || got.Assignee != "bob" {
		t.Errorf(":assign bob: %+v (status %q)", got, m.status)
	}
	if !strings.Contains(ansi.Strip(m.Render()), "@bob") {
		t.Errorf(":assign bob not shown:\n%s", ansi.Strip(m.Render()))
	}
	command("reopen")
	if got, _ := q.Cursor(); got.Status != queue.StatusNew {
		t.Errorf(":reopen: %+v", got)
	}
	drive(t, m, keys("2")...)
	command("close")
	if !m.statusErr || !strings.Contains(m.status, "works on the queue") {
		t.Errorf(":close on the overview: %q", m.status)
	}
}
