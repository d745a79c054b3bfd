package casefile

import (
	"context"
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"trawl/cases"
	"trawl/themes"
	"trawl/tui"
	"trawl/tui/screentest"
)

// hostile is log text meant to act on a terminal: colours, a title change, clearing the
// screen, a clipboard write, a bidi override, a newline and a NUL.
const hostile = "<script>alert(1)</script>\x1b[31mRED\x1b]0;pwned\x07\x1b[2J\x1b]52;c;ZXZpbA==\x07\u202eevil\nline2\x00\u0085"

// hostileEverywhere sets every string of v (struct fields, slice and map elements) to hostile.
func hostileEverywhere(v reflect.Value) { setAll(v, hostile) }

// fixedSource answers with one case and one verification.
type fixedSource struct {
	Source
	c   *cases.Case
	ver Verification
}

func (s fixedSource) Case(context.Context, int64) (*cases.Case, error)    { return s.c, nil }
func (s fixedSource) Verify(context.Context, int64) (Verification, error) { return s.ver, nil }

// checkInert fails if a view holds anything that acts on a terminal, or does not fit.
func checkInert(t *testing.T, what, view string, w, h int) {
	t.Helper()
	screentest.Screen(t, view, w, h) // sizes and C0, DEL, C1 controls
	plain := ansi.Strip(view)
	for _, bad := range []string{"\u202e", "\u0085", "\x1b", "\x07"} {
		if strings.Contains(plain, bad) {
			t.Errorf("%s: %q reaches the terminal", what, bad)
		}
	}
	if !strings.Contains(plain, `\x1b[31mRED`) && !strings.Contains(plain, `<script>`) {
		t.Errorf("%s: the hostile text is not shown at all:\n%s", what, plain)
	}
}

// TestEveryFieldInert: a case whose every text field (title, status, severity, entities,
// techniques, evidence, notes, tasks, history, ...) is hostile draws inert in every tab, the
// pickers and the suppression offer, at both sizes.
func TestEveryFieldInert(t *testing.T) {
	f := newFixture(t)
	c, err := f.src.Case(t.Context(), f.id)
	if err != nil {
		t.Fatal(err)
	}
	hostileEverywhere(reflect.ValueOf(c))
	ver := Verification{Head: hostile, Problems: []string{hostile}}
	th, _ := themes.ByName("dark")
	for _, sz := range sizes {
		tc := tui.NewContext(nil, th)
		tc.Now = f.ctx.Now
		m := New(tc, NewDesk(fixedSource{c: c, ver: ver}), f.id)
		m.SetSize(sz.width, sz.height)
		drain(t, m, m.Init())
		for _, tab := range Tabs {
			m.SetTab(tab)
			checkInert(t, sz.name+" "+tab.String(), m.View(), sz.width, sz.height)
			press(t, m, "G") // the last rows too
			checkInert(t, sz.name+" "+tab.String()+" end", m.View(), sz.width, sz.height)
		}
		m.mode, m.sugg = ModeSuppress, []Suggestion{{Alert: 1, Rule: hostile, Where: []string{hostile}}, {Alert: 2, Err: hostile}}
		checkInert(t, sz.name+" suppress", m.View(), sz.width, sz.height)
		m.mode = ModeView
		press(t, m, "n")
		drain(t, m, m.Update(tea.PasteMsg{Content: hostile}))
		checkInert(t, sz.name+" note editor", m.View(), sz.width, sz.height)
		press(t, m, "esc", "e", "ctrl+u")
		drain(t, m, m.Update(tea.PasteMsg{Content: hostile}))
		typeText(t, m, "x.pdf")
		press(t, m, "enter") // refused: the error shows the hostile name
		checkInert(t, sz.name+" export", m.View(), sz.width, sz.height)
	}
}

// TestReadOnlyStoreErrorShown: over a store opened read-only every write fails, and the
// screen says so instead of pretending.
func TestReadOnlyStoreErrorShown(t *testing.T) {
	f := newFixture(t)
	ro := StoreSource{S: screentest.Store(t), Author: "alice"}
	// The read-only fixture has no case: the case is read from f's store, the writes go to
	// the read-only one.
	src := roSource{StoreSource: ro, from: f.src}
	m := New(f.ctx, NewDesk(src), f.id)
	m.SetSize(80, 24)
	drain(t, m, m.Init())
	press(t, m, "n")
	typeText(t, m, "read only?")
	press(t, m, "ctrl+s")
	if m.Err() == nil {
		t.Fatal("a note on a read-only store worked")
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "error: ") {
		t.Errorf("error not shown:\n%s", v)
	}
}

// roSource writes through a read-only store and reads the case from another.
type roSource struct {
	StoreSource
	from StoreSource
}

func (r roSource) Case(ctx context.Context, id int64) (*cases.Case, error) {
	return r.from.Case(ctx, id)
}
func (r roSource) Verify(ctx context.Context, id int64) (Verification, error) {
	return r.from.Verify(ctx, id)
}

type selector struct {
	ev  int64
	req CreateCaseMsg
}

func (s selector) SelectedEvent() (int64, bool)         { return s.ev, s.ev > 0 }
func (s selector) CaseSelection() (CreateCaseMsg, bool) { return s.req, true }

func TestPinAndCreateFromSelected(t *testing.T) {
	one := func(cmd tea.Cmd) tea.Msg {
		msgs := screentest.Run(cmd)
		if len(msgs) != 1 {
			t.Fatalf("%d messages", len(msgs))
		}
		return msgs[0]
	}
	if got := one(PinSelected(selector{ev: 9})); got != (PinEventMsg{EventID: 9}) {
		t.Errorf("pin: %#v", got)
	}
	for _, s := range []any{selector{}, struct{}{}} {
		if got, ok := one(PinSelected(s)).(tui.StatusMsg); !ok || got.Err == nil {
			t.Errorf("pin from %T: %#v", s, got)
		}
	}
	req := CreateCaseMsg{IncidentID: 3}
	if got, ok := one(CreateFromSelected(selector{req: req})).(CreateCaseMsg); !ok || got.IncidentID != 3 {
		t.Errorf("create: %#v", got)
	}
	for _, s := range []any{selector{}, struct{}{}} {
		if got, ok := one(CreateFromSelected(s)).(tui.StatusMsg); !ok || got.Err == nil {
			t.Errorf("create from %T: %#v", s, got)
		}
	}
}

// FuzzViewInert puts one string into every text field of a small case, the note editor and
// the export prompt, and checks that every tab draws in its size with nothing that acts on a
// terminal.
func FuzzViewInert(f *testing.F) {
	for _, s := range []string{strings.Repeat("ab\x1b ", 2000), hostile, hostileNote, "", "plain", "\x1b[31m", "\u202e\u2066", strings.Repeat("wide 漢字 ", 50), "\xff\xfe", "a\r\nb\tc"} {
		f.Add(s)
	}
	th, _ := themes.ByName("dark")
	at := base
	f.Fuzz(func(t *testing.T, s string) {
		c := &cases.Case{ID: 1, First: &at, Last: &at, CreatedAt: at, UpdatedAt: at,
			Alerts:     []cases.Alert{{ID: 1, Attack: []string{""}, First: &at, Entities: map[string][]string{"user": {""}}}},
			Evidence:   []cases.Event{{ID: 1, Time: &at}, {ID: 2, Pinned: true}},
			EvidenceN:  3,
			Entities:   []cases.Entity{{}, {}},
			Techniques: []cases.Technique{{Tactics: []string{""}}},
			Notes:      []cases.Note{{Seq: 1, At: at}},
			Tasks:      []cases.Task{{Seq: 1}, {Seq: 2, DoneAt: &at}},
			History:    []cases.Change{{Seq: 1, At: at}, {Seq: 2, At: at, Action: cases.ActionSet, Field: "status"}},
		}
		setAll(reflect.ValueOf(c), s)
		m := New(tui.NewContext(nil, th), NewDesk(fixedSource{c: c, ver: Verification{Head: s, Problems: []string{s}}}), 1)
		m.SetSize(80, 24)
		for _, msg := range screentest.Run(m.Init()) {
			m.Update(msg)
		}
		check := func(what string) {
			v := m.View()
			screentest.Screen(t, v, 80, 24)
			for _, bad := range []string{"\u202e", "\u2066", "\u0085", "\x1b", "\x07"} {
				if strings.Contains(ansi.Strip(v), bad) {
					t.Fatalf("%s: %q reaches the terminal", what, bad)
				}
			}
		}
		for _, tab := range Tabs {
			m.SetTab(tab)
			check(tab.String())
		}
		m.Update(screentest.Key("n"))
		m.Update(tea.PasteMsg{Content: s})
		check("note editor")
		m.Update(screentest.Key("esc"))
		m.Update(screentest.Key("e"))
		m.Update(tea.PasteMsg{Content: s})
		check("export prompt")
	})
}

// setAll sets every settable string of v to s (as hostileEverywhere does with hostile).
func setAll(v reflect.Value, s string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			setAll(v.Elem(), s)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				setAll(v.Field(i), s)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			setAll(v.Index(i), s)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			setAll(e, s)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(s)
		}
	}
}
