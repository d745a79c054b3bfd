package cases

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	casefiles "trawl/cases"
	"trawl/themes"
	"trawl/tui"
	"trawl/tui/casefile"
	"trawl/tui/screentest"
	"trawl/tui/tuitest"
)

func TestMain(m *testing.M) { screentest.Main(m) }

var base = time.Date(2026, time.March, 6, 9, 0, 0, 0, time.UTC)

// hostileTitle is a case title taken from a log line with terminal escapes.
const hostileTitle = "pwned \x1b[31mRED\x1b[0m \x1b]0;title\x07 done"

// listStore is a copy of the fixture store, writable, with four cases in different states.
func listStore(t *testing.T) casefile.StoreSource {
	t.Helper()
	st := tuitest.Writable(t, screentest.Store(t))
	at := base
	s := casefile.StoreSource{S: st, Author: "alice", Now: func() time.Time { at = at.Add(10 * time.Minute); return at }}
	var alerts []int64
	err := st.QueryFunc(t.Context(), `SELECT min(id) FROM alerts GROUP BY rule ORDER BY rule LIMIT 4`, nil, func(_ []string, row []any) error {
		alerts = append(alerts, row[0].(int64))
		return nil
	})
	if err != nil || len(alerts) < 4 {
		t.Fatalf("alerts %v: %v", alerts, err)
	}
	ctx := context.Background()
	steps := []struct {
		title           string
		status, verdict string
		assignee        string
	}{
		{"Password spray against the VPN", "closed", "false_positive", "bob"},
		{"Encoded PowerShell on WS07", "contained", "true_positive", "alice"},
		{hostileTitle, "investigating", "", ""},
		{"Beaconing to sync.cloud-telemetry.net", "new", "benign_true_positive", "carol"},
	}
	for i, st := range steps {
		id, err := s.Create(ctx, casefile.CreateCaseMsg{AlertIDs: alerts[i : i+1], Title: st.title})
		if err != nil {
			t.Fatal(err)
		}
		for field, v := range map[string]string{"status": st.status, "verdict": st.verdict, "assignee": st.assignee} {
			if err := s.SetField(ctx, id, field, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

func newModel(t *testing.T, src Source, w, h int) *Model {
	t.Helper()
	th, err := themes.ByName("dark")
	if err != nil {
		t.Fatal(err)
	}
	c := tui.NewContext(nil, th)
	c.Now = func() time.Time { return base.Add(26 * time.Hour) }
	m := New(c, src)
	m.SetSize(w, h)
	return m
}

// drain runs cmd and what it leads to through m as the root would, returning the messages meant
// for the root.
func drain(m *Model, cmd tea.Cmd) []tea.Msg { return tui.Drain(m.ctx, m, cmd) }

func press(m *Model, keys ...tea.Msg) []tea.Msg { return tui.Press(m.ctx, m, keys...) }

func keys(names ...string) []tea.Msg {
	out := make([]tea.Msg, len(names))
	for i, n := range names {
		out[i] = screentest.Key(n)
	}
	return out
}

func titles(m *Model) []string {
	var out []string
	for _, c := range m.Shown() {
		out = append(out, c.Title)
	}
	return out
}

func TestListGolden(t *testing.T) {
	src := listStore(t)
	for _, sz := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"160x48", 160, 48}} {
		t.Run(sz.name, func(t *testing.T) {
			m := newModel(t, src, sz.w, sz.h)
			drain(m, m.Init())
			if len(m.Shown()) != 4 {
				t.Fatalf("%d cases shown, want 4", len(m.Shown()))
			}
			v := m.View()
			if plain := ansi.Strip(v); strings.ContainsAny(plain, "\x1b\x07") || !strings.Contains(plain, `\x1b[31mRED`) {
				t.Errorf("hostile title not escaped:\n%q", plain)
			}
			screentest.Golden(t, "list_"+sz.name, v, sz.w, sz.h)
		})
	}
}

func TestFilterAndOpen(t *testing.T) {
	src := listStore(t)
	m := newModel(t, src, 80, 24)
	drain(m, m.Init())
	press(m, keys("/")...)
	if !m.Capturing() {
		t.Fatal("the filter does not capture the keys")
	}
	press(m, screentest.Type("bob")...)
	if got := titles(m); len(got) != 1 || got[0] != "Password spray against the VPN" {
		t.Fatalf("filter bob: %q", got)
	}
	screentest.Golden(t, "filtered_80x24", m.View(), 80, 24)
	// Terms are fuzzy and all must match: "encpsh" finds Encoded PowerShell, "cont" its status.
	press(m, keys("ctrl+u")...)
	press(m, screentest.Type("encpsh cont")...)
	if got := titles(m); len(got) != 1 || got[0] != "Encoded PowerShell on WS07" {
		t.Fatalf("filter 'encpsh cont': %q", got)
	}
	press(m, keys("ctrl+u")...)
	press(m, screentest.Type("zzzz")...)
	if len(m.Shown()) != 0 || !strings.Contains(ansi.Strip(m.View()), "No case matches") {
		t.Errorf("filter zzzz: %q", titles(m))
	}
	press(m, keys("esc")...) // clears the filter
	if m.Capturing() || len(m.Shown()) != 4 {
		t.Fatalf("esc: capturing %v, %d shown", m.Capturing(), len(m.Shown()))
	}
	msgs := press(m, keys("down", "enter")...)
	sel, _ := m.Selected()
	if len(msgs) != 1 {
		t.Fatalf("enter: %v", msgs)
	}
	open, ok := msgs[0].(tui.OpenMsg)
	if !ok || open.Target.Kind != "case" || open.Target.ID != sel.ID || sel.ID != 3 {
		t.Errorf("enter gave %+v for case %d", msgs[0], sel.ID)
	}
}

// fakeSource answers with a list named by the call's number.
type fakeSource struct{ calls int }

func (f *fakeSource) List(ctx context.Context) ([]casefiles.Summary, error) {
	f.calls++
	return []casefiles.Summary{{ID: int64(f.calls), Title: "load " + string(rune('0'+f.calls))}}, nil
}

func TestStaleListDropped(t *testing.T) {
	src := &fakeSource{}
	m := newModel(t, src, 80, 24)
	first := screentest.Run(m.Reload())
	second := screentest.Run(m.Reload())
	// The answers arrive newest first; the root passes on only those Finish calls current.
	for _, msg := range append(second, first...) {
		if m.ctx.Finish(msg.(tui.QueryFinishedMsg)) {
			m.Update(msg)
		}
	}
	if got := titles(m); len(got) != 1 || got[0] != "load 2" {
		t.Errorf("shown %q: a stale load replaced the current one", got)
	}
	// A change to a case reloads the list.
	drain(m, m.Update(casefile.CaseChangedMsg{ID: 1}))
	if got := titles(m); len(got) != 1 || got[0] != "load 3" {
		t.Errorf("after CaseChangedMsg: %q", got)
	}
}
