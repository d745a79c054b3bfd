package queue

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"trawl/engine"
	"trawl/generate"
	"trawl/themes"
	"trawl/tui"
	"trawl/tui/screentest"
	"trawl/tui/tuitest"
)

func TestMain(m *testing.M) { screentest.Main(m) }

// now is the fixed clock of the tests: three days after the generated data begins.
var now = generate.DefaultStart.Add(72 * time.Hour)

func newCtx(t *testing.T, theme string) *tui.Context {
	t.Helper()
	th, err := themes.ByName(theme)
	if err != nil {
		t.Fatal(err)
	}
	c := tui.NewContext(tui.EngineStore{S: screentest.Store(t)}, th)
	c.Now = func() time.Time { return now }
	return c
}

// writable is a copy of st opened for writing, so that triage can be stored; who is the analyst.
func writable(t *testing.T, st *engine.Store, who string) tui.EngineStore {
	t.Helper()
	return tui.EngineStore{S: tuitest.Writable(t, st), Who: who}
}

func open(t *testing.T, c *tui.Context, w, h int) *Model {
	t.Helper()
	m := New(c)
	m.SetSize(w, h)
	tui.Drain(c, m, m.Init())
	if !m.loaded || m.page.Total == 0 {
		t.Fatalf("queue did not load: %v", m.err)
	}
	return m
}

func TestGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			c := newCtx(t, "dark")
			c.Store = writable(t, screentest.Store(t), "alice")
			m := open(t, c, w, h)
			screentest.Golden(t, fmt.Sprintf("queue_%dx%d", w, h), m.View(), w, h)

			// Down twice, select two, acknowledge them, sort by newest.
			tui.Press(c, m, screentest.Keys("j", "space", "space", "a")...)
			screentest.Golden(t, fmt.Sprintf("queue_acked_%dx%d", w, h), m.View(), w, h)
		})
	}
}

// TestScoredGolden is the queue of a scored store: incidents with their priority and score
// first, then the alerts in no incident.
func TestScoredGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			th, _ := themes.ByName("dark")
			c := tui.NewContext(writable(t, tuitest.ScoredStore(t), "alice"), th)
			c.Now = func() time.Time { return now }
			m := open(t, c, w, h)
			if it, _ := m.Cursor(); it.Kind != "incident" || it.Priority == 0 {
				t.Errorf("the top of a scored queue is %+v, want an incident", it)
			}
			screentest.Golden(t, fmt.Sprintf("queue_scored_%dx%d", w, h), m.View(), w, h)
			it, _ := m.Cursor()
			msgs := tui.Press(c, m, screentest.Keys("enter")...)
			if len(msgs) != 1 || msgs[0] != (tui.OpenMsg{Target: tui.Target{Kind: "incident", ID: it.ID}}) {
				t.Errorf("enter on an incident: %v", msgs)
			}
			tui.Press(c, m, screentest.Keys("a")...)
			if got, _ := m.Cursor(); got.ID != it.ID || got.Status != StatusAck {
				t.Errorf("acknowledging incident %d: %+v", it.ID, got)
			}
			// Its alerts are acknowledged in the store.
			d, err := c.Store.Incident(t.Context(), it.ID)
			if err != nil || len(d.AlertList) == 0 {
				t.Fatalf("incident %d: %v", it.ID, err)
			}
			for _, a := range d.AlertList {
				if a.Status != StatusAck {
					t.Errorf("alert %d of incident %d: status %q", a.ID, it.ID, a.Status)
				}
			}
		})
	}
}

func TestFilter(t *testing.T) {
	c := newCtx(t, "no-color")
	m := open(t, c, 80, 24)
	total := m.page.Total
	msgs := tui.Press(c, m, screentest.Keys("/")...)
	if !m.Capturing() || len(msgs) != 0 {
		t.Fatalf("/ did not start the filter: %v", msgs)
	}
	tui.Press(c, m, screentest.Type("brute")...)
	if m.page.Total == 0 || m.page.Total >= total {
		t.Errorf("filter brute: %d of %d", m.page.Total, total)
	}
	for _, it := range m.page.Items {
		if !subsequence(strings.ToLower(it.Rule+" "+it.Title+" "+it.Severity+" "+strings.Join(it.Attack, " ")+fmt.Sprint(it.Entities)), "brute") {
			t.Errorf("filter brute kept %s %q", it.Rule, it.Title)
		}
	}
	screentest.Golden(t, "queue_filter_80x24", m.View(), 80, 24)
	tui.Press(c, m, screentest.Keys("enter")...)
	if m.Capturing() || m.filter.Value != "brute" {
		t.Errorf("enter: capturing %v, filter %q", m.Capturing(), m.filter.Value)
	}
	tui.Press(c, m, screentest.Keys("/", "esc")...)
	if m.page.Total != total || m.filter.Value != "" {
		t.Errorf("esc did not clear the filter: %d, %q", m.page.Total, m.filter.Value)
	}
}

func subsequence(s, sub string) bool {
	for _, r := range sub {
		i := strings.IndexRune(s, r)
		if i < 0 {
			return false
		}
		s = s[i+len(string(r)):]
	}
	return true
}

func TestNavigationAndPaging(t *testing.T) {
	c := newCtx(t, "dark")
	m := open(t, c, 80, 24)
	total := m.page.Total
	tui.Press(c, m, screentest.Keys("G")...)
	if m.cursor != total-1 {
		t.Errorf("G: cursor %d, want %d", m.cursor, total-1)
	}
	if _, ok := m.Cursor(); !ok {
		t.Error("G: the last row is not loaded")
	}
	tui.Press(c, m, screentest.Keys("g")...)
	if m.cursor != 0 || m.top != 0 {
		t.Errorf("g: cursor %d top %d", m.cursor, m.top)
	}
	tui.Press(c, m, screentest.Keys("pgdown", "down", "j", "k")...)
	if want := min(min(m.rows(), total-1)+2, total-1) - 1; m.cursor != want {
		t.Errorf("pgdown down j k: cursor %d, want %d", m.cursor, want)
	}
	it, _ := m.Cursor()
	msgs := tui.Press(c, m, screentest.Keys("enter")...)
	if len(msgs) != 1 || msgs[0] != (tui.OpenMsg{Target: tui.Target{Kind: "alert", ID: it.ID}}) {
		t.Errorf("enter: %v", msgs)
	}
	msgs = tui.Press(c, m, screentest.Keys("p")...)
	if len(msgs) != 1 {
		t.Fatalf("p: %v", msgs)
	}
	if o, ok := msgs[0].(tui.OpenMsg); !ok || o.Target.Kind != "entity" || o.Target.Value == "" {
		t.Errorf("p: %v", msgs)
	}
	// Sorting cycles and reloads from the top.
	tui.Press(c, m, screentest.Keys("s")...)
	if m.sort != tui.SortNewest || m.cursor != 0 {
		t.Errorf("s: sort %s cursor %d", m.sort, m.cursor)
	}
	for i := 1; i < len(m.page.Items); i++ {
		a, b := m.page.Items[i-1], m.page.Items[i]
		if a.Last != nil && b.Last != nil && a.Last.Before(*b.Last) {
			t.Errorf("newest first: %d before %d", a.ID, b.ID)
		}
	}
}

// TestPagesFromStore checks that the queue holds one page, not the table: with a tiny screen
// the page is smaller than the number of alerts, and scrolling past it loads the next.
func TestPagesFromStore(t *testing.T) {
	c := newCtx(t, "dark")
	m := New(c)
	m.pageLimit = 4
	m.SetSize(80, 8) // 5 rows: pages of 10
	tui.Drain(c, m, m.Init())
	if m.page.Total <= m.pageSize() {
		t.Fatalf("only %d alerts in the seeded store: paging needs more than %d", m.page.Total, m.pageSize())
	}
	if len(m.page.Items) != m.pageSize() {
		t.Errorf("loaded %d items, want one page of %d", len(m.page.Items), m.pageSize())
	}
	for i := range m.page.Total - 1 {
		tui.Press(c, m, screentest.Keys("j")...)
		if _, ok := m.Cursor(); !ok || len(m.page.Items) > 10 {
			t.Fatalf("after %d rows down: cursor %d not loaded (page at %d, %d items)", i+1, m.cursor, m.page.Offset, len(m.page.Items))
		}
	}
	if m.page.Offset == 0 {
		t.Error("scrolling to the end never loaded a later page")
	}
	tui.Press(c, m, screentest.Keys("g")...)
	if _, ok := m.Cursor(); !ok || m.page.Offset != 0 {
		t.Errorf("g: page at %d", m.page.Offset)
	}
}

// TestAckToggles: a acknowledges in the store (and again reopens), A assigns to the analyst,
// and both apply to every selected item; `trawl alerts` reads the same table (engine.TriageOf).
func TestAckToggles(t *testing.T) {
	c := newCtx(t, "dark")
	st := writable(t, screentest.Store(t), "alice")
	c.Store = st
	m := open(t, c, 80, 24)
	it, _ := m.Cursor()
	msgs := tui.Press(c, m, screentest.Keys("a")...)
	if got, _ := m.Cursor(); got.Status != StatusAck || len(msgs) != 1 || msgs[0] != (tui.StatusMsg{Text: "1 alert acknowledged"}) {
		t.Errorf("a: %+v, %v", got, msgs)
	}
	tr, err := st.S.TriageOf(t.Context())
	if err != nil || tr[it.ID].Status != engine.TriageAcknowledged || tr[it.ID].By != "alice" || tr[it.ID].At.IsZero() {
		t.Errorf("a: stored %+v, %v", tr[it.ID], err)
	}
	tui.Press(c, m, screentest.Keys("a")...)
	if got, _ := m.Cursor(); got.Status != StatusNew {
		t.Errorf("a again: status %q", got.Status)
	}
	msgs = tui.Press(c, m, screentest.Keys("V", "A")...)
	want := min(m.rows(), m.page.Total)
	if len(msgs) != 1 || msgs[0] != (tui.StatusMsg{Text: fmt.Sprintf("%d alerts assigned to alice", want)}) {
		t.Errorf("V A: %v", msgs)
	}
	tr, _ = st.S.TriageOf(t.Context())
	n := 0
	for _, x := range tr {
		if x.Status == engine.TriageAssigned && x.Assignee == "alice" {
			n++
		}
	}
	if n != want || len(m.marked) != 0 {
		t.Errorf("V A: %d assigned, want %d; %d still marked", n, want, len(m.marked))
	}
	if !strings.Contains(ansi.Strip(m.View()), "@alice") {
		t.Errorf("the status column does not show the assignee:\n%s", ansi.Strip(m.View()))
	}
}

// TestTriageReadOnly: acknowledging or assigning in a workbench opened read-only says how to
// open it for writing, and changes nothing.
func TestTriageReadOnly(t *testing.T) {
	c := newCtx(t, "dark")
	m := open(t, c, 80, 24)
	for _, k := range []string{"a", "A"} {
		msgs := tui.Press(c, m, screentest.Keys(k)...)
		if len(msgs) != 1 || msgs[0] != (tui.StatusMsg{Err: tui.ErrReadOnly}) {
			t.Errorf("%s on a read-only store: %v", k, msgs)
		}
		if got, _ := m.Cursor(); got.Status != StatusNew {
			t.Errorf("%s on a read-only store: status %q", k, got.Status)
		}
	}
	if !strings.Contains(tui.ErrReadOnly.Error(), "trawl tui --write") {
		t.Errorf("the read-only message %q does not say what to do", tui.ErrReadOnly)
	}
}

// TestTriageBeforeLoad: a key pressed before the first page has arrived says the queue is
// still loading rather than that nothing is selected (the race the tmux run once lost).
func TestTriageBeforeLoad(t *testing.T) {
	c := newCtx(t, "dark")
	m := New(c)
	m.SetSize(80, 24)
	_ = m.Init() // the page load is asked for but not run
	msgs := tui.Drain(c, m, m.Update(screentest.Keys("a")[0]))
	if len(msgs) != 1 {
		t.Fatalf("a before the first page: %v", msgs)
	}
	if st, ok := msgs[0].(tui.StatusMsg); !ok || st.Err == nil || !strings.Contains(st.Err.Error(), "still loading") {
		t.Errorf("a before the first page: %v", msgs)
	}
}

func TestFilteringHidesStaleRows(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			c := newCtx(t, "dark")
			m := open(t, c, w, h)
			first, _ := m.Cursor()
			tui.Press(c, m, screentest.Keys("/")...)
			// Type without running the job the key starts.
			var pending []tea.Cmd
			for _, k := range screentest.Type("sshbf") {
				pending = append(pending, m.Update(k))
			}
			v := m.View()
			plain := ansi.Strip(v)
			if !strings.Contains(plain, "filtering…") {
				t.Errorf("no filtering state while the filter runs:\n%s", plain)
			}
			if strings.Contains(plain, Label(first)+" ") {
				t.Errorf("the old first row %s is still shown:\n%s", Label(first), plain)
			}
			if _, ok := m.Cursor(); ok {
				t.Error("the cursor names an item of the old filter")
			}
			screentest.Golden(t, fmt.Sprintf("queue_filtering_%dx%d", w, h), v, w, h)
			// The UI keeps taking keys: backspace edits the filter.
			pending = append(pending, m.Update(screentest.Key("backspace")))
			if m.filter.Value != "sshb" {
				t.Errorf("backspace while filtering: %q", m.filter.Value)
			}
			for _, cmd := range pending {
				tui.Drain(c, m, cmd)
			}
			plain = ansi.Strip(m.View())
			if strings.Contains(plain, "filtering…") || m.page.Total == 0 {
				t.Errorf("after the results came:\n%s", plain)
			}
			for _, it := range m.page.Items {
				if !subsequence(strings.ToLower(it.Rule), "sshb") && !strings.Contains(strings.ToLower(fmt.Sprint(it)), "sshb") {
					t.Errorf("filter sshb kept %s", it.Rule)
				}
			}
		})
	}
}

// TestAckShownBeforeReload: the acknowledged row says so as soon as the store has it, before
// the page reload that follows returns.
func TestAckShownBeforeReload(t *testing.T) {
	c := newCtx(t, "dark")
	c.Store = writable(t, screentest.Store(t), "alice")
	m := open(t, c, 80, 24)
	cmd := m.Update(screentest.Key("a"))
	msgs := screentest.Run(cmd)
	if len(msgs) != 1 {
		t.Fatalf("a ran %d jobs: %v", len(msgs), msgs)
	}
	done, ok := msgs[0].(tui.QueryFinishedMsg)
	if !ok || !c.Finish(done) {
		t.Fatalf("a: %v", msgs[0])
	}
	_ = m.Update(done) // the reload it asks for is not run
	if it, _ := m.Cursor(); it.Status != StatusAck || !strings.Contains(ansi.Strip(m.View()), " ack ") {
		t.Errorf("before the reload: %+v\n%s", it, ansi.Strip(m.View()))
	}
}
