package timeline

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"trawl/engine"
	"trawl/event"
	"trawl/themes"
	"trawl/tui/screentest"
	"trawl/tui/text"
)

func TestMain(m *testing.M) { screentest.Main(m) }

var sizes = []struct {
	name          string
	width, height int
}{{"80x24", 80, 24}, {"160x48", 160, 48}}

func newModel(t *testing.T, scope Scope, w, h int) Model {
	t.Helper()
	th, err := themes.ByName("dark")
	if err != nil {
		t.Fatal(err)
	}
	m := New(NewStoreSource(screentest.Store(t)), th)
	m.SetSize(w, h)
	cmd := m.SetScope(scope)
	for _, msg := range screentest.Run(cmd) {
		m = screentest.Drive(t, m, msg)
	}
	return m
}

func TestScreens(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			// A user with alerts: jump to the morning of the attack (day two); evidence rows are marked !.
			m := newModel(t, Scope{Kind: event.EntityUser, Value: "grace.popescu"}, sz.width, sz.height)
			m = screentest.Drive(t, m, screentest.Keys("g")...)
			m = screentest.Drive(t, m, screentest.Type("2026-03-03 10:20\n")...)
			e, ok := m.Selected()
			if !ok || e.Time.Before(time.Date(2026, 3, 3, 10, 20, 0, 0, time.UTC)) {
				t.Fatalf("after jumping to 10:20 the selected event is at %v", e.Time)
			}
			screentest.Golden(t, "user_"+sz.name, m.View(), sz.width, sz.height)

			// Zoomed in, fields focused.
			m = screentest.Drive(t, m, screentest.Keys("+", "+", "tab")...)
			if m.Zoom() != 5*time.Minute {
				t.Errorf("zoom %v after two +, want 5m", m.Zoom())
			}
			screentest.Golden(t, "user_zoom_fields_"+sz.name, m.View(), sz.width, sz.height)

			// Hostile log text arrives escaped.
			m = newModel(t, Scope{Kind: event.EntityHost, Value: screentest.HostileHost}, sz.width, sz.height)
			v := ansi.Strip(m.View())
			if strings.ContainsAny(v, "\x1b\x07\x00") || !strings.Contains(v, `\x1b[31mRED`) {
				t.Errorf("hostile message not escaped:\n%s", v)
			}
			screentest.Golden(t, "hostile_"+sz.name, m.View(), sz.width, sz.height)
		})
	}
}

// TestPaging walks across page boundaries with a tiny page size and checks the events met are
// the same, in the same order, as one big page.
func TestPaging(t *testing.T) {
	scope := Scope{Kind: event.EntityUser, Value: "grace.popescu"}
	big := newModel(t, scope, 80, 24)
	all := big.page.Events
	if len(all) < 20 {
		t.Fatalf("only %d events", len(all))
	}
	th, _ := themes.ByName("dark")
	m := New(NewStoreSource(screentest.Store(t)), th)
	m.SetPageSize(4)
	m = screentest.Drive(t, m, screentest.Run(m.SetScope(scope))...)
	for i := 0; i < 15; i++ {
		e, _ := m.Selected()
		if e.ID != all[i].ID {
			t.Fatalf("event %d going down: id %d, want %d", i, e.ID, all[i].ID)
		}
		m = screentest.Drive(t, m, screentest.Keys("down")...)
	}
	for i := 15; i >= 0; i-- {
		e, _ := m.Selected()
		if e.ID != all[i].ID {
			t.Fatalf("event %d going up: id %d, want %d", i, e.ID, all[i].ID)
		}
		m = screentest.Drive(t, m, screentest.Keys("up")...)
	}
	// End goes to the last event.
	m = screentest.Drive(t, m, screentest.Keys("end")...)
	last, _ := m.Selected()
	if want := all[len(all)-1]; len(all) < 100 && last.ID != want.ID {
		t.Errorf("end selects id %d, want %d", last.ID, want.ID)
	}
}

func TestPivot(t *testing.T) {
	m := newModel(t, Scope{Kind: event.EntityHost, Value: screentest.HostileHost}, 80, 24)
	m = screentest.Drive(t, m, screentest.Keys("enter")...)
	e, _ := m.Selected()
	var cmd tea.Cmd
	for i, f := range e.Fields {
		if f.Name == "user" {
			for range i {
				m, _ = m.Update(screentest.Key("down"))
			}
			m, cmd = m.Update(screentest.Key("enter"))
			break
		}
	}
	msgs := screentest.Run(cmd)
	if len(msgs) != 1 || msgs[0] != (PivotMsg{Kind: event.EntityUser, Value: screentest.HostileUser}) {
		t.Errorf("enter on the user field sent %v, want a pivot to user=%s", msgs, screentest.HostileUser)
	}
}

// slowSource answers with one event whose id is the length of the scope's value.
type slowSource struct{}

func (s *slowSource) Events(ctx context.Context, req PageRequest) (Page, error) {
	n := int64(len(req.Scope.Value))
	return Page{Events: []Event{{ID: n, Time: time.Unix(n, 0).UTC()}}, AtStart: true, AtEnd: true}, nil
}

func (s *slowSource) Detail(_ context.Context, id int64) (Event, error) {
	return Event{ID: id, Time: time.Unix(id, 0).UTC(), Complete: true}, nil
}

func (s *slowSource) Histogram(context.Context, Scope, time.Duration, time.Time, time.Time) ([]Bucket, error) {
	return nil, nil
}

func TestStalePageDropped(t *testing.T) {
	th, _ := themes.ByName("dark")
	m := New(&slowSource{}, th)
	first := m.SetScope(Scope{Kind: event.EntityUser, Value: "a"})
	second := m.SetScope(Scope{Kind: event.EntityUser, Value: "bb"})
	newer, older := screentest.Run(second), screentest.Run(first)
	m = screentest.Drive(t, m, newer...)
	m = screentest.Drive(t, m, older...)
	if e, _ := m.Selected(); e.ID != 2 {
		t.Errorf("selected event %d, want 2 (the late first page must be dropped)", e.ID)
	}
	// Another timeline's page with the same sequence number is not taken either.
	other := New(&slowSource{}, th)
	other.SetScope(Scope{Kind: event.EntityUser, Value: "x"})
	msgs := screentest.Run(other.SetScope(Scope{Kind: event.EntityUser, Value: "ccc"}))
	m = screentest.Drive(t, m, msgs...)
	if e, _ := m.Selected(); e.ID != 2 {
		t.Errorf("selected event %d, want 2 (another timeline's page was taken)", e.ID)
	}
}

// listSource answers with three events that lack their detail; Detail fails once its context
// is cancelled, as a store read does.
type listSource struct{ slowSource }

func (s *listSource) Events(ctx context.Context, req PageRequest) (Page, error) {
	var p Page
	for id := int64(1); id <= 3; id++ {
		p.Events = append(p.Events, Event{ID: id, Time: time.Unix(60, 0).UTC()})
	}
	p.AtStart, p.AtEnd = true, true
	return p, nil
}

func (s *listSource) Detail(ctx context.Context, id int64) (Event, error) {
	if err := ctx.Err(); err != nil {
		return Event{}, err
	}
	return s.slowSource.Detail(ctx, id)
}

// TestDetailReadCancelled: moving on past an event whose detail is still being read cancels
// that read; only the detail of the event moved to is read to the end.
func TestDetailReadCancelled(t *testing.T) {
	th, _ := themes.ByName("dark")
	m := New(&listSource{}, th)
	m.SetSize(80, 24)
	m = screentest.Drive(t, m, screentest.Run(m.SetScope(Scope{Kind: event.EntityUser, Value: "a"}))...)
	m, passed := m.Update(screentest.Key("down"))
	m, current := m.Update(screentest.Key("down"))
	detailOf := func(cmd tea.Cmd) DetailFinishedMsg {
		t.Helper()
		for _, msg := range screentest.Run(cmd) {
			if d, ok := msg.(DetailFinishedMsg); ok {
				return d
			}
		}
		t.Fatal("no detail read")
		return DetailFinishedMsg{}
	}
	if d := detailOf(passed); !errors.Is(d.Err, context.Canceled) {
		t.Errorf("the detail read of the event passed ended with %v, want it cancelled", d.Err)
	}
	d := detailOf(current)
	if d.Err != nil || d.Event.ID != 3 || !d.Event.Complete {
		t.Errorf("the detail read of the event moved to: %+v", d)
	}
	m = screentest.Drive(t, m, d)
	if e, _ := m.Selected(); e.ID != 3 || !e.Complete {
		t.Errorf("selected %+v, want event 3 with its detail", e)
	}
}

func TestParseJump(t *testing.T) {
	anchor := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"2026-03-02 08:15", time.Date(2026, 3, 2, 8, 15, 0, 0, time.UTC), false},
		{"2026-03-02T08:15:00Z", time.Date(2026, 3, 2, 8, 15, 0, 0, time.UTC), false},
		{"2026-03-03", time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), false},
		{"08:15:30", time.Date(2026, 3, 2, 8, 15, 30, 0, time.UTC), false},
		{"+2h", time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC), false},
		{"-30m", time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC), false},
		{"yesterday", time.Time{}, true},
		{"", time.Time{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseJump(tc.in, anchor)
			if (err != nil) != tc.err || !got.Equal(tc.want) {
				t.Errorf("ParseJump(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestSpark(t *testing.T) {
	for _, tc := range []struct {
		in   []int64
		want string
	}{
		{[]int64{0, 1, 2, 4, 8}, " ▂▃▅█"},
		{[]int64{0, 0}, "  "},
		{[]int64{5}, "█"},
		{[]int64{1, 100}, "▂█"},
	} {
		if got := Spark(tc.in); got != tc.want {
			t.Errorf("Spark(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzParseJump(f *testing.F) {
	for _, s := range []string{"2026-03-02 08:15", "2026-03-02T08:15:00Z", "08:15:30", "+2h", "-30m", "yesterday", "", "+", "\x1b[2J"} {
		f.Add(s)
	}
	anchor := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseJump(s, anchor)
		if err == nil && got.Location() != time.UTC {
			t.Errorf("ParseJump(%q) = %v, not UTC", s, got)
		}
	})
}

// TestScopes reads the timeline of a query and of an alert's evidence straight from the source.
func TestScopes(t *testing.T) {
	src := NewStoreSource(screentest.Store(t))
	read := func(sc Scope) Page {
		t.Helper()
		p, err := src.Events(t.Context(), PageRequest{Scope: sc, Inclusive: true, Limit: 1000})
		if err != nil {
			t.Fatalf("%v: %v", sc, err)
		}
		return p
	}
	p := read(Scope{Query: `logon | where host == "` + screentest.HostileHost + `"`})
	if len(p.Events) != 3 || !p.AtEnd {
		t.Errorf("query scope: %d events (at end %v), want 3", len(p.Events), p.AtEnd)
	}
	p = read(Scope{AlertID: 1})
	if len(p.Events) == 0 {
		t.Fatal("alert 1 has no evidence events")
	}
	for _, e := range p.Events {
		if !e.Evidence {
			t.Errorf("event %d of alert 1's evidence is not marked as evidence", e.ID)
		}
	}
	for i := 1; i < len(p.Events); i++ {
		a, b := p.Events[i-1], p.Events[i]
		if b.Time.Before(a.Time) || (b.Time.Equal(a.Time) && b.ID <= a.ID) {
			t.Errorf("events %d and %d out of (time, id) order", a.ID, b.ID)
		}
	}
	// Backward from the end gives the same last events, in time order.
	back, err := src.Events(t.Context(), PageRequest{Scope: Scope{AlertID: 1}, From: Cursor{Time: farFuture}, Backward: true, Limit: 2})
	if err != nil || len(back.Events) != min(2, len(p.Events)) || back.Events[len(back.Events)-1].ID != p.Events[len(p.Events)-1].ID {
		t.Errorf("backward page %v, err %v; want the last two of %d", back.Events, err, len(p.Events))
	}
	// A query whose rows are not events cannot be a timeline.
	if _, err := src.Events(t.Context(), PageRequest{Scope: Scope{Query: `logon | stats count() by host`}, Limit: 10}); err == nil {
		t.Error("a stats query was accepted as a timeline")
	}
	// Detail has every column, the list's row only some.
	d, err := src.Detail(t.Context(), read(Scope{Kind: event.EntityHost, Value: screentest.HostileHost}).Events[0].ID)
	if err != nil || !d.Complete || d.Get("raw") != screentest.HostileMessage {
		t.Errorf("detail: complete %v, raw %q, err %v", d.Complete, d.Get("raw"), err)
	}
}

// TestEntityScopesMatchOr: a user's or an address's timeline (read as a union of one-column
// scans, scopeRows) pages forward and backward through exactly the events the OR condition of
// engine.EntityCondition selects, in (time, id) order, and its histogram counts them all.
func TestEntityScopesMatchOr(t *testing.T) {
	st := screentest.Store(t)
	src := NewStoreSource(st)
	ents, err := st.Query(t.Context(), `SELECT kind, value FROM (SELECT kind, value, count(*) AS n FROM entities WHERE kind IN ('user', 'ip') GROUP BY ALL)
		QUALIFY row_number() OVER (PARTITION BY kind ORDER BY n DESC, value) <= 3 ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents.Rows) != 6 {
		t.Fatalf("entities %v", ents.Rows)
	}
	for _, r := range ents.Rows {
		kind, _ := event.ParseEntity(r[0].(string))
		scope := Scope{Kind: kind, Value: r[1].(string)}
		cond, args, err := engine.EntityCondition(kind, scope.Value)
		if err != nil {
			t.Fatal(err)
		}
		want, err := st.Query(t.Context(), `SELECT id FROM events WHERE time IS NOT NULL AND `+cond+` ORDER BY time, id`, args...)
		if err != nil {
			t.Fatal(err)
		}
		var wantIDs []int64
		for _, w := range want.Rows {
			wantIDs = append(wantIDs, w[0].(int64))
		}
		var got []int64
		req := PageRequest{Scope: scope, Inclusive: true, Limit: 7}
		for {
			p, err := src.Events(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Events {
				got = append(got, e.ID)
			}
			if p.AtEnd || len(p.Events) == 0 {
				break
			}
			last := p.Events[len(p.Events)-1]
			req = PageRequest{Scope: scope, From: Cursor{last.Time, last.ID}, Limit: 7}
		}
		if !slices.Equal(got, wantIDs) || len(got) < 2 {
			t.Errorf("%v forward: %d events %v, want %d %v", scope, len(got), got, len(wantIDs), wantIDs)
			continue
		}
		// Backward from the last event: the one before it, and so on to the first.
		lastEv, err := src.Detail(t.Context(), got[len(got)-1])
		if err != nil {
			t.Fatal(err)
		}
		back, err := src.Events(t.Context(), PageRequest{Scope: scope, From: Cursor{lastEv.Time, lastEv.ID}, Backward: true, Limit: len(got)})
		if err != nil {
			t.Fatal(err)
		}
		var backIDs []int64
		for _, e := range back.Events {
			backIDs = append(backIDs, e.ID)
		}
		if !slices.Equal(backIDs, wantIDs[:len(wantIDs)-1]) || !back.AtStart {
			t.Errorf("%v backward: %v (at start %v), want %v", scope, backIDs, back.AtStart, wantIDs[:len(wantIDs)-1])
		}
		first, _ := src.Detail(t.Context(), got[0])
		buckets, err := src.Histogram(t.Context(), scope, time.Hour, first.Time.Add(-time.Hour), lastEv.Time.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, b := range buckets {
			n += b.Count
		}
		if n != int64(len(wantIDs)) {
			t.Errorf("%v histogram counts %d events, want %d", scope, n, len(wantIDs))
		}
	}
}

// TestRawKey: r shows the selected event's original record in the lower panel (the shared key
// map's "raw record"), and r again (or tab) goes back to its fields.
func TestRawKey(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			m := newModel(t, Scope{Kind: event.EntityUser, Value: "grace.popescu"}, sz.width, sz.height)
			e, ok := m.Selected()
			if !ok || e.Get("raw") == "" {
				t.Fatalf("selected event %+v has no raw record", e)
			}
			before := ansi.Strip(m.View())
			m = screentest.Drive(t, m, screentest.Keys("r")...)
			v := ansi.Strip(m.View())
			if v == before || !strings.Contains(v, "raw record") {
				t.Fatalf("r did not show the raw record:\n%s", v)
			}
			first, _, _ := strings.Cut(e.Get("raw"), "\n")
			if !strings.Contains(v, text.Clip(first, 40)[:20]) {
				t.Errorf("raw record %q not shown:\n%s", first, v)
			}
			screentest.Golden(t, "user_raw_"+sz.name, m.View(), sz.width, sz.height)
			m = screentest.Drive(t, m, screentest.Keys("r")...)
			if got := ansi.Strip(m.View()); got != before {
				t.Errorf("r again did not go back to the fields:\n%s", got)
			}

			// A hostile raw record arrives escaped.
			m = newModel(t, Scope{Kind: event.EntityHost, Value: screentest.HostileHost}, sz.width, sz.height)
			m = screentest.Drive(t, m, screentest.Keys("r")...)
			if raw := m.View(); strings.Contains(raw, "\x1b]") || strings.Contains(raw, "\x1b[2J") || strings.Contains(raw, "\x07") {
				t.Errorf("the raw record let a terminal sequence through: %q", raw)
			}
			v = ansi.Strip(m.View())
			if strings.ContainsAny(v, "\x1b\x07\x00") || !strings.Contains(v, "raw record") || !strings.Contains(v, `\x1b`) {
				t.Errorf("hostile raw record:\n%s", v)
			}
		})
	}
}

// TestJumpInput: the time typed after g edits like the workbench's other inputs (backspace,
// ctrl+u), holds at most 40 characters, and esc leaves it.
func TestJumpInput(t *testing.T) {
	th, _ := themes.ByName("dark")
	m := New(nil, th)
	m, _ = m.Update(screentest.Key("g"))
	if !m.Capturing() {
		t.Fatal("g: not typing a time")
	}
	for _, tc := range []struct {
		keys []tea.Msg
		want string
	}{
		{screentest.Type("10:2x"), "10:2x"},
		{screentest.Keys("backspace"), "10:2"},
		{screentest.Type("0"), "10:20"},
		{screentest.Keys("ctrl+u"), ""},
		{screentest.Type(strings.Repeat("1", 50)), strings.Repeat("1", 40)},
	} {
		for _, k := range tc.keys {
			m, _ = m.Update(k)
		}
		if m.jump.Value != tc.want {
			t.Errorf("after %v: %q, want %q", tc.keys, m.jump.Value, tc.want)
		}
	}
	m, _ = m.Update(screentest.Key("esc"))
	if m.Capturing() {
		t.Error("esc: still typing a time")
	}
}

// TestScopeStart: a scope with a start (the alert and incident screens open their timeline an
// hour before the alert) begins at the first event at or after it, not at the entity's first.
func TestScopeStart(t *testing.T) {
	scope := Scope{Kind: event.EntityUser, Value: "grace.popescu"}
	all := newModel(t, scope, 80, 24).page.Events
	if len(all) < 20 {
		t.Fatalf("only %d events", len(all))
	}
	want := all[10]
	scope.Start = want.Time
	m := newModel(t, scope, 80, 24)
	got, ok := m.Selected()
	if !ok || !got.Time.Equal(want.Time) || got.Time.Equal(all[0].Time) {
		t.Errorf("starting at %s selects %v at %s, want the first event at that time", want.Time, got.ID, got.Time)
	}
}
